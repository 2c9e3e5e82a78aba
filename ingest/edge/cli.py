"""`python -m ingest edge-config`: write Mosquitto's passwd and acl files and the installers' secrets CSV."""
from __future__ import annotations

import argparse
import pwd
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from db import labels
from db.config import DATA_DIR
from db.engine import get_engine
from ingest.config import IngestSettings
from ingest.edge import accounts, files, plan

L = labels.EDGE_CLI
DEFAULT_SECRETS = DATA_DIR / "mqtt-device-secrets.csv"
SHOW_SKIPPED = 20


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ingest edge-config", description=L["description"])
    p.add_argument("--out", type=Path, required=True, help=L["help_out"])
    p.add_argument("--secrets-file", type=Path, default=DEFAULT_SECRETS, help=L["help_secrets"])
    p.add_argument("--rotate", action="append", default=[], metavar="USERNAME", help=L["help_rotate"])
    p.add_argument("--rotate-all", action="store_true", help=L["help_rotate_all"])
    p.add_argument("--frigate", action="append", default=[], metavar="NAME", help=L["help_frigate"])
    p.add_argument("--gb28181", action="append", default=[], metavar="PLATFORM_ID", help=L["help_gb28181"])
    p.add_argument("--remove", action="append", default=[], metavar="USERNAME", help=L["help_remove"])
    p.add_argument("--owner", metavar="USER", help=L["help_owner"])
    return p


def _owner(name: str | None) -> tuple[int, int] | None:
    if name is None:
        return None
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise plan.PlanError("no_owner", user=name) from None
    return entry.pw_uid, entry.pw_gid


def _collect(args, settings: IngestSettings, secrets: list[dict[str, str]]):
    """All accounts and everything that could not become one."""
    t = accounts.Topics(settings)
    with get_engine(settings.resolved_database_url()).connect() as conn:
        found, skipped = accounts.from_database(conn, t)
    found += plan.gateways(secrets, t, args.frigate, args.gb28181, args.remove) + [accounts.ingest(t)]
    kept, collisions = accounts.unique(found)
    return kept, skipped + collisions


def _report(creds: list[files.Credential], skipped: list[accounts.Skipped], args) -> None:
    kinds = Counter(c.account.kind for c in creds)
    print(L["summary"].format(total=len(creds), **{k: kinds.get(k, 0) for k in accounts.KINDS}))
    status = Counter(c.status for c in creds)
    print(L["passwords"].format(kept=status["kept"], new=status["new"], rotated=status["rotated"],
                                secrets=args.secrets_file))
    for s in skipped[:SHOW_SKIPPED]:
        reason = L[s.reason].format(other=s.other) if s.other else L[s.reason]
        print(L["skipped"].format(kind=L["kind"][s.kind], ref=s.ref[:140], reason=reason))
    if len(skipped) > SHOW_SKIPPED:
        print(L["skipped_more"].format(count=len(skipped) - SHOW_SKIPPED))
    print(L["written"].format(passwd=args.out / "passwd", acl=args.out / "acl"))
    print(L["ingest_hint"])


def run(args) -> int:
    settings = IngestSettings()
    passwd_path, acl_path = args.out / "passwd", args.out / "acl"
    secrets = files.read_secrets(args.secrets_file)
    owner = _owner(args.owner)
    found, skipped = _collect(args, settings, secrets)
    plan.check_rotation(found, args.rotate)
    known = {r["username"]: r["password"] for r in secrets}
    deployed = files.read_passwd(passwd_path)
    plan.guard_mass_rotation(known, deployed, args.rotate_all, str(passwd_path), str(args.secrets_file))
    creds = plan.credentials(found, known, deployed, set(args.rotate), args.rotate_all)
    # The secrets first: a password file whose passwords nobody holds would lock every device out.
    files.write_private(args.secrets_file, files.render_secrets(creds))
    files.write_private(passwd_path, files.render_passwd(creds), owner=owner)
    files.write_private(acl_path, files.render_acl(found), owner=owner)
    _report(creds, skipped, args)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except plan.PlanError as exc:
        print(L[exc.key].format(**exc.fields), file=sys.stderr)
    except files.SecretsError as exc:
        print(L["bad_secrets"].format(path=args.secrets_file, reason=L[exc.key].format(**exc.fields)),
              file=sys.stderr)
    except (SQLAlchemyError, RuntimeError) as exc:
        print(L["db_error"].format(error=_db_reason(exc)), file=sys.stderr)
    except OSError as exc:
        print(L["io_error"].format(path=exc.filename or args.out, error=exc.strerror or exc), file=sys.stderr)
    return 1


def _db_reason(exc: Exception) -> str:
    """The driver's first line (no URL, so no password): e.g. 'connection refused' or 'relation does not exist'."""
    detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return detail[0][:300] if detail else type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
