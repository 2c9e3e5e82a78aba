"""Screenshots of every page for the README, taken in headless Debian chromium from a running `./start.sh`.

Run: .venv/bin/python docs/take_screenshots.py [--data-dir .data] [--out docs/screenshots]
It reads the dashboard URL and the demo logins from <data-dir>/runtime.json, signs in as the role each page is
for, waits until the script run has finished (and the map canvas is drawn), and writes one PNG per page.
Needs Debian's chromium and a CJK font (apt-get install chromium fonts-noto-cjk), or the labels draw as boxes.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import labels  # noqa: E402
from tests.browser_support import CHROMIUM_ARGS, settled, sign_in, wait_drawn  # noqa: E402

# (file name, login, URL path and query, wait for a map canvas)
SHOTS = [
    ("wall", "wall", "command", True),
    ("wall-kiosk", "wall", "command?kiosk=1", False),
    ("queue", "dispatcher", "cases", False),
    ("case", "dispatcher", "case-detail?code={code}", True),
    ("desk", "{dept}", "department", False),
    ("positions", "operator", "staff-map", True),
    ("daily", "leader", "status", False),
    ("audit", "admin", "audit-log", False),
    ("admin", "admin", "settings", False),
    ("mine", "{worker}", "my-cases", False),
]


def _busy_case_and_dept(runtime: dict) -> tuple[str, str]:
    """A case under an open whistle and its lead department's login: the richest case and desk to show."""
    from sqlalchemy import create_engine, text
    engine = create_engine(runtime["database_url"])
    with engine.connect() as c:
        row = c.execute(text(
            "SELECT c.code, d.code FROM whistles w JOIN cases c ON c.id = w.case_id "
            "JOIN whistle_departments wd ON wd.whistle_id = w.id AND wd.role = 'lead' "
            "JOIN departments d ON d.id = wd.dept_id WHERE w.state = 'open' ORDER BY w.id LIMIT 1")).first()
    engine.dispose()
    return row[0], f"dept-{row[1]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data-dir", type=Path, default=ROOT / ".data")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--only", nargs="*", help="file names to take (default: all)")
    args = ap.parse_args()
    runtime = json.loads((args.data_dir / "runtime.json").read_text(encoding="utf-8"))
    logins, base = runtime["logins"], runtime["dashboard_url"].rstrip("/")
    code, dept = _busy_case_and_dept(runtime)
    worker = next(u for u in logins if u.startswith("worker-"))
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        page.goto(base)
        settled(page)
        page.screenshot(path=str(args.out / "login.png"))
        for name, login, path, has_map in SHOTS:
            if args.only and name not in args.only:
                continue
            login = login.format(dept=dept, worker=worker)
            # Sign-in lives in the browser session: each page URL is opened anonymously (the sign-in form) and
            # signing in there lands on that page, as a bookmarked link does.
            page.goto(f"{base}/{path.format(code=code)}")
            settled(page)
            if "kiosk" in path:        # no sidebar, so no sign-out button to wait for: the map follows
                page.get_by_label(labels.AUTH["username"]).fill(login)
                page.get_by_label(labels.AUTH["password"]).fill(logins[login])
                page.get_by_role("button", name=labels.AUTH["submit"], exact=True).click()
            else:
                sign_in(page, login, logins[login])
            settled(page, timeout_s=60)
            if has_map:
                canvas = page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first
                try:
                    expect(canvas).to_be_visible(timeout=60_000)
                except AssertionError:
                    page.screenshot(path=str(args.out / f"failed-{name}.png"))
                    raise
                wait_drawn(page, canvas)
            # A page can rerun once more after its first run (query parameters, a fragment): wait out skeletons.
            page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=60_000)
            settled(page, timeout_s=60)
            page.wait_for_timeout(1500)        # fonts and the last fragment paint
            page.screenshot(path=str(args.out / f"{name}.png"))
            print(f"{name}.png", flush=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
