"""12345 work orders into cases through the workflow engine: the first version of an order opens the case
(source hotline), every version's status code becomes the mapped actions, once (the raw event is new once)."""
from __future__ import annotations

import json

from sqlalchemy import Connection, text

from db import labels, workflow
from db.workflow import Actor
from ingest import bridge
from ingest.message import Parsed
from ingest.registry import Registry

R = labels.INGEST_REASON
S = labels.SOURCES_REASON


def _title(e: dict, reg: Registry) -> str:
    category = reg.category_names.get(e["category_code"]) if e["category_code"] else None
    title = e["title"] or category or e["description"].splitlines()[0][:40]
    return f"{title}（{e['address'][:40]}）" if e["address"] and e["address"] not in title else title


def _open(conn: Connection, p: Parsed, reg: Registry, reporter: Actor) -> int:
    e = p.effect[1]
    found = conn.execute(text("SELECT id FROM cases WHERE source_ref = :r AND source = 'hotline' "
                              "ORDER BY id LIMIT 1"), {"r": e["source_ref"]}).scalar()
    if found is not None:
        return found
    ref = workflow.open_case(
        conn, reporter, source="hotline", title=_title(e, reg), category_code=e["category_code"],
        description=e["description"], lon=e["lon"], lat=e["lat"], grid_id=p.grid_id, urgency=e["urgency"],
        reported_at=e["at"], source_ref=e["source_ref"], address=e["address"], district_code=p.district_code,
        reporter_name=e["reporter_name"], reporter_phone=e["reporter_phone"])
    return ref.id


def _flag(conn: Connection, raw_id: int, reason: str) -> None:
    conn.execute(text("UPDATE raw_events SET flags = COALESCE(flags, '{}'::jsonb) || CAST(:f AS jsonb) "
                      "WHERE id = :id"), {"f": json.dumps({"case_error": reason}, ensure_ascii=False), "id": raw_id})


def hotline(conn: Connection, raw_id: int, p: Parsed, reg: Registry) -> None:
    """Open (or find) the order's case, then take each mapped action as the source's actor. A refused action
    is flagged on the raw event and the case stays as it is (the order itself was taken)."""
    e = p.effect[1]
    reporter = Actor(None, e["actor_name"], "system", display_name=labels.SOURCES_ACTOR.format(name=e["actor_name"]))
    case_id = _open(conn, p, reg, reporter)
    actor = Actor(None, e["actor_name"], e["actor_role"],
                  display_name=labels.SOURCES_ACTOR.format(name=e["actor_name"]))
    note = e["note"] or S["status_note"].format(status=e["status"])
    for action in e["actions"]:
        try:
            workflow.perform(conn, case_id, action, actor, reason=note, note=note)
        except workflow.WorkflowError as exc:
            _flag(conn, raw_id, R["case_error"].format(detail=exc.message))
            return


bridge.HANDLERS.setdefault("hotline", hotline)
