"""Which account keeps its password and which gets a new one; gateway accounts remembered in the secrets CSV."""
from __future__ import annotations

from ingest.edge import passwords
from ingest.edge.accounts import GATEWAY_KINDS, Account, Topics, gateway, safe
from ingest.edge.files import Credential


class PlanError(Exception):
    """Nothing may be written: a labels.EDGE_CLI key and its fields."""

    def __init__(self, key: str, **fields):
        super().__init__(key)
        self.key = key
        self.fields = fields


def gateways(secrets: list[dict[str, str]], t: Topics, frigate: list[str], gb28181: list[str],
             remove: list[str]) -> list[Account]:
    """Gateways are in no table: those of earlier runs come back from the secrets CSV, plus the ones named now."""
    wanted = [(r["kind"], r["ref"]) for r in secrets if r["kind"] in GATEWAY_KINDS]
    wanted += [("frigate", x) for x in frigate] + [("gb28181", x) for x in gb28181]
    for _, ident in wanted:
        if not safe(ident):
            raise PlanError("bad_gateway", value=ident[:140])
    found = {a.username: a for a in (gateway(kind, ident, t) for kind, ident in dict.fromkeys(wanted))}
    missing = [name for name in remove if name not in found]
    if missing:
        raise PlanError("unknown_gateway", names=", ".join(missing))
    return [a for name, a in found.items() if name not in remove]


def check_rotation(accounts: list[Account], rotate: list[str]) -> None:
    names = {a.username for a in accounts}
    missing = [name for name in rotate if name not in names]
    if missing:
        raise PlanError("unknown_account", names=", ".join(missing))


def guard_mass_rotation(known: dict[str, str], deployed: dict[str, str], rotate_all: bool, passwd: str,
                        secrets: str) -> None:
    """A deployed password file none of whose users is in the secrets CSV means the wrong CSV was given: going on
    would give every device a new password and take the whole district offline at the next reload."""
    if deployed and not rotate_all and not deployed.keys() & known.keys():
        raise PlanError("refuse_mass_rotation", passwd=passwd, count=len(deployed), secrets=secrets)


def credentials(accounts: list[Account], known: dict[str, str], deployed: dict[str, str], rotate: set[str],
                rotate_all: bool) -> list[Credential]:
    """known: username -> password from the secrets CSV; deployed: username -> hash from the current passwd."""
    out = []
    for a in accounts:
        old = known.get(a.username)
        if old and not rotate_all and a.username not in rotate:
            hashed = deployed.get(a.username)
            if not (hashed and passwords.verify(old, hashed)):
                hashed = passwords.hash_password(old)
            out.append(Credential(a, old, "kept", hashed))
        else:
            new = passwords.new_password()
            out.append(Credential(a, new, "rotated" if old else "new", passwords.hash_password(new)))
    return out
