"""Wall display options from the URL (?kiosk=1&rotate=30&refresh=5&view=map&color=overdue): validated, with errors for people."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from db import labels

K = labels.KIOSK
VIEWS = ("map", "rankings", "trends")
COLORS = ("load", "overdue")
TRUE = ("1", "true", "yes", "on")
ROTATE_DEFAULT, ROTATE_RANGE = 60, (0, 3600)      # 0 = stay on one view
REFRESH_DEFAULT, REFRESH_RANGE = 5, (2, 300)


@dataclass(frozen=True)
class WallOptions:
    kiosk: bool = False
    rotate_s: int = 0
    refresh_s: int = REFRESH_DEFAULT
    view: str | None = None        # pinned view; None = rotate (kiosk) or chosen on the page
    color: str = "load"
    errors: tuple[str, ...] = ()


def _int(params: Mapping[str, str], name: str, default: int, bounds: tuple[int, int], errors: list) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    low, high = bounds
    if raw.strip().isdigit() and low <= int(raw) <= high:
        return int(raw)
    errors.append(K["bad_param"].format(name=name, value=raw, reason=K["bad_int"].format(low=low, high=high),
                                        default=default))
    return default


def _choice(params: Mapping[str, str], name: str, choices: tuple[str, ...], default, errors: list):
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if raw in choices:
        return raw
    errors.append(K["bad_param"].format(name=name, value=raw, reason=K["bad_choice"].format(
        choices="、".join(choices)), default=default if default is not None else "-"))
    return default


def wall_options(params: Mapping[str, str]) -> WallOptions:
    """Read the wall's URL parameters; a bad value falls back to its default with a message saying so."""
    errors: list[str] = []
    kiosk = str(params.get("kiosk", "")).lower() in TRUE
    rotate = _int(params, "rotate", ROTATE_DEFAULT if kiosk else 0, ROTATE_RANGE, errors)
    refresh = _int(params, "refresh", REFRESH_DEFAULT, REFRESH_RANGE, errors)
    view = _choice(params, "view", VIEWS, None, errors)
    color = _choice(params, "color", COLORS, "load", errors)
    return WallOptions(kiosk, rotate, refresh, view, color, tuple(errors))


def is_kiosk(params: Mapping[str, str]) -> bool:
    return str(params.get("kiosk", "")).lower() in TRUE


def view_at(opts: WallOptions, epoch_s: float, chosen: str | None = None) -> str:
    """The view to show now: pinned by URL, else chosen on the page, else by rotation (same on every screen)."""
    if opts.view:
        return opts.view
    if chosen:
        return chosen
    if opts.rotate_s <= 0:
        return VIEWS[0]
    return VIEWS[int(epoch_s // opts.rotate_s) % len(VIEWS)]
