"""Broker accounts and the topics each may use, derived from devices, departments, aliases and gateways."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, select

from db.schema import departments, device_aliases, devices, staff
from ingest.config import IngestSettings
from ingest.formats.grid import TERMINAL

INGEST_USER = "ingest"
GATEWAY_KINDS = ("frigate", "gb28181")
# Output order, and who keeps a user name claimed twice: the fixed account, then registered devices, then
# gateways the operator named, then OwnTracks users (whose names come from the phones' own settings).
KINDS = ("ingest", "camera", "terminal", "dept", "frigate", "gb28181", "owntracks")
# A topic level or user name written into the ACL and password files: no level separator, no wildcard (it would
# widen the grant), no ':' (the password file's separator), no whitespace or controls (both files are line-based).
_SAFE = re.compile(r"[^/+#:\s\x00-\x1f\x7f]{1,128}")


def safe(value: str | None) -> bool:
    return bool(value) and _SAFE.fullmatch(value) is not None


@dataclass(frozen=True)
class Account:
    username: str
    kind: str                       # camera, terminal, dept, owntracks, frigate, gb28181, ingest
    ref: str                        # what it stands for: camera/terminal/department code, OwnTracks user, gateway id
    write: tuple[str, ...] = ()
    read: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    kind: str
    ref: str
    reason: str                     # key of labels.EDGE_CLI
    other: str = ""


class Topics:
    """The topics of the ingest contract, with the prefixes the ingest service is configured with."""

    def __init__(self, settings: IngestSettings):
        self.s = settings
        self.grid = f"{settings.topic_prefix}/v1"

    def camera(self, level: str) -> tuple[str, ...]:
        return (f"{self.grid}/video/{level}/alert",)

    def terminal(self, level: str) -> tuple[str, ...]:
        # The parser's own list of terminal message kinds: a kind it does not know is not granted either.
        return tuple(f"{self.grid}/terminal/{level}/{kind}" for kind in TERMINAL)

    def dept(self, code: str) -> tuple[str, ...]:
        return (f"{self.grid}/dept/{code}/feedback",)

    def owntracks(self, user: str, device: str) -> tuple[str, ...]:
        base = f"{self.s.owntracks_prefix}/{user}/{device}"
        return (base, f"{base}/+")     # location and LWT on the base topic; event, info... one level below

    def frigate(self) -> tuple[str, ...]:
        # Frigate publishes its state and events under its prefix and listens there for commands.
        return (f"{self.s.frigate_topic.split('/')[0]}/#",)

    def gb28181(self, platform: str) -> tuple[str, ...]:
        return (f"{self.s.gb28181_prefix}/{platform}/alarm",)

    def ingest(self) -> tuple[str, ...]:
        # Mosquitto 2.0 checks a $share subscription's deliveries against the plain topic (measured on 2.0.11);
        # the $share forms are listed too so that a broker checking the subscription filter itself agrees.
        return tuple(dict.fromkeys(self.s.subscriptions(shared=False) + self.s.subscriptions(shared=True)))


def _aliases(conn: Connection, source: str) -> list:
    return conn.execute(select(device_aliases).where(device_aliases.c.source == source)
                        .order_by(device_aliases.c.external_id)).all()


def _levels(own: str, extra: list[str], skipped: list[Skipped]) -> list[str]:
    """The account's own topic level and its valid aliases; bad aliases are reported, not granted."""
    good = [own]
    for ref in extra:
        if safe(ref):
            good.append(ref)
        else:
            skipped.append(Skipped("alias", ref, "reason_bad_code"))
    return list(dict.fromkeys(good))


def cameras(conn: Connection, t: Topics, skipped: list[Skipped]) -> list[Account]:
    alias = defaultdict(list)
    for a in _aliases(conn, "video"):
        if a.device_id is not None:
            alias[a.device_id].append(a.external_id)
    rows = conn.execute(select(devices.c.id, devices.c.code).where(devices.c.kind == "camera")
                        .order_by(devices.c.code)).all()
    out = []
    for r in rows:
        if not safe(r.code):
            skipped.append(Skipped("camera", r.code, "reason_bad_code"))
            continue
        levels = _levels(r.code, alias[r.id], skipped)
        out.append(Account(r.code, "camera", r.code, write=tuple(x for lv in levels for x in t.camera(lv))))
    return out


def terminals(conn: Connection, t: Topics, skipped: list[Skipped]) -> list[Account]:
    """One account per terminal device, named by its device code, publishing as the staff member it is bound to."""
    by_staff, by_device = defaultdict(list), defaultdict(list)
    for a in _aliases(conn, "terminal"):
        (by_staff[a.staff_id] if a.staff_id is not None else by_device[a.device_id]).append(a.external_id)
    rows = conn.execute(
        select(devices.c.id, devices.c.code, devices.c.staff_id, staff.c.code.label("staff_code"), staff.c.active)
        .select_from(devices.outerjoin(staff, staff.c.id == devices.c.staff_id))
        .where(devices.c.kind == "terminal").order_by(devices.c.code)).all()
    out = []
    for r in rows:
        if r.staff_code is None or not r.active:
            skipped.append(Skipped("terminal", r.code, "reason_unbound"))
        elif not (safe(r.code) and safe(r.staff_code)):
            skipped.append(Skipped("terminal", r.code, "reason_bad_code"))
        else:
            levels = _levels(r.staff_code, sorted(set(by_staff[r.staff_id] + by_device[r.id])), skipped)
            out.append(Account(r.code, "terminal", r.code,
                               write=tuple(x for lv in levels for x in t.terminal(lv))))
    return out


def depts(conn: Connection, t: Topics, skipped: list[Skipped]) -> list[Account]:
    rows = conn.execute(select(departments.c.code).where(departments.c.active).order_by(departments.c.code)).all()
    out = []
    for r in rows:
        if safe(r.code):
            out.append(Account(f"dept-{r.code}", "dept", r.code, write=t.dept(r.code)))
        else:
            skipped.append(Skipped("dept", r.code, "reason_bad_code"))
    return out


def owntracks(conn: Connection, t: Topics, skipped: list[Skipped]) -> list[Account]:
    """One account per OwnTracks user, named exactly as the user level of its topic (the app's default topic is
    owntracks/<username>/<device>), allowed only its own devices' topics."""
    topics: dict[str, list[str]] = defaultdict(list)
    for a in _aliases(conn, "owntracks"):
        parts = a.external_id.split("/")
        if len(parts) != 2:
            skipped.append(Skipped("owntracks", a.external_id, "reason_bad_owntracks"))
        elif not (safe(parts[0]) and safe(parts[1])):
            skipped.append(Skipped("owntracks", a.external_id, "reason_bad_code"))
        else:
            topics[parts[0]].extend(t.owntracks(*parts))
    return [Account(user, "owntracks", user, write=tuple(w)) for user, w in sorted(topics.items())]


def gateway(kind: str, ident: str, t: Topics) -> Account:
    """A Frigate NVR or a GB/T 28181 platform: the payload names the camera, so it is trusted for all of them."""
    if kind == "frigate":
        return Account(f"frigate-{ident}", kind, ident, write=t.frigate(), read=t.frigate())
    return Account(f"gb28181-{ident}", kind, ident, write=t.gb28181(ident))


def ingest(t: Topics) -> Account:
    return Account(INGEST_USER, "ingest", INGEST_USER, read=t.ingest())


def from_database(conn: Connection, t: Topics) -> tuple[list[Account], list[Skipped]]:
    """Cameras, terminals, departments and OwnTracks users, in that order, and what could not become an account."""
    skipped: list[Skipped] = []
    found = cameras(conn, t, skipped) + terminals(conn, t, skipped) + depts(conn, t, skipped)
    return found + owntracks(conn, t, skipped), skipped


def unique(accounts: list[Account]) -> tuple[list[Account], list[Skipped]]:
    """Accounts in KINDS order, the first of each user name kept; the later ones are reported."""
    seen: dict[str, Account] = {}
    skipped = []
    for a in sorted(accounts, key=lambda a: KINDS.index(a.kind)):
        if a.username in seen:
            skipped.append(Skipped(a.kind, a.ref, "reason_collision", other=seen[a.username].username))
        else:
            seen[a.username] = a
    return list(seen.values()), skipped
