"""The case state machine as data: states, actions, the transition table and who may take each action."""
from __future__ import annotations

from dataclasses import dataclass

from db.enums import CASE_LEVELS, CASE_STATES

TERMINAL = ("closed", "rejected", "cancelled")
OPEN_STATES = tuple(s for s in CASE_STATES if s not in TERMINAL)
DEPT_STAGES = ("dispatched", "signed", "handling")       # the department's clock runs in these
WORKING = ("dispatched", "signed", "handling", "feedback", "checking")
WHISTLING = ("filed",) + WORKING + ("parked",)
CENTER = ("operator", "dispatcher", "admin")
COMMAND = ("dispatcher", "admin")
ROLES = ("operator", "dispatcher", "department", "grid_worker", "leader", "wall", "admin", "system")


@dataclass(frozen=True)
class Rule:
    """sources maps each state the action may start from to the state it leads to (same state = an event)."""
    sources: dict
    roles: tuple
    needs: tuple = ()          # parameters that must be given
    restarts: bool = False     # opens a new step even when the state stays (escalation: a new queue and clock)

    def target(self, state: str | None) -> str:
        return self.sources[state]


def _to(states, target: str) -> dict:
    return {s: target for s in states}


def _stay(states) -> dict:
    return {s: s for s in states}


# Admin may take every center action (operator and dispatcher), never a department's or a grid worker's.
# "system" is the ingest and the timers: it reports, registers self-handled reports and starts checks.
TRANSITIONS: dict[str, Rule] = {
    # --- transitions --------------------------------------------------------------------------
    "report": Rule({None: "reported"}, ("operator", "dispatcher", "department", "grid_worker", "admin", "system")),
    "self_handle": Rule(_to(["reported"], "closed"), ("grid_worker", "system")),
    "accept": Rule(_to(["reported"], "accepted"), CENTER),
    "reject": Rule(_to(["reported", "accepted"], "rejected"), CENTER, ("reason",)),
    "file": Rule(_to(["accepted"], "filed"), CENTER),
    "dispatch": Rule(_to(["filed"], "dispatched"), COMMAND, ("dept_id",)),
    "sign": Rule(_to(["dispatched"], "signed"), ("department",)),
    "start": Rule(_to(["signed"], "handling"), ("department",)),
    "feedback": Rule(_to(["signed", "handling"], "feedback"), ("department",)),
    "check": Rule(_to(["feedback"], "checking"), CENTER + ("system",)),
    "close": Rule(_to(["checking"], "closed"), COMMAND),
    "rework": Rule(_to(["feedback", "checking"], "handling"), COMMAND, ("reason",)),
    "escalate": Rule(_to(["filed", "dispatched", "signed", "handling"], "filed"), CENTER,
                     ("reason",), restarts=True),
    "approve_return": Rule(_to(DEPT_STAGES, "filed"), COMMAND),
    "approve_park": Rule(_to(("filed",) + DEPT_STAGES, "parked"), COMMAND),
    "unpark": Rule(_to(["parked"], "filed"), COMMAND),
    "approve_cancel": Rule(_to(OPEN_STATES, "cancelled"), COMMAND),
    "approve_reopen": Rule(_to(["closed"], "filed"), COMMAND),
    "merge_into": Rule(_to(["reported", "accepted", "filed"], "cancelled"), CENTER),
    # --- events: the case stays where it is; a step row records them on the timeline -----------
    "whistle": Rule({"filed": "dispatched", **_stay(WORKING)}, COMMAND, ("lead_dept_id", "reason")),
    "supervise": Rule(_stay(OPEN_STATES), ("dispatcher", "leader", "admin"), ("note",)),
    "request_postpone": Rule(_stay(DEPT_STAGES), ("department",), ("reason", "extra_minutes")),
    "request_return": Rule(_stay(DEPT_STAGES), ("department",), ("reason",)),
    "request_park": Rule(_stay(("filed",) + DEPT_STAGES), ("department",) + COMMAND, ("reason",)),
    "request_cancel": Rule(_stay(OPEN_STATES), CENTER + ("department",), ("reason",)),
    "request_reopen": Rule(_stay(["closed"]), ("dispatcher", "leader", "admin"), ("reason",)),
    "approve_postpone": Rule(_stay(DEPT_STAGES), COMMAND),
    "refuse_request": Rule(_stay(OPEN_STATES + ("closed",)), COMMAND, ("request_id",)),
    "progress": Rule(_stay(["signed", "handling"]), ("department",), ("note",)),
    "verify": Rule(_stay(["feedback", "checking"]), ("grid_worker",) + CENTER, ("passed",)),
    "merge": Rule(_stay(OPEN_STATES), CENTER, ("other_case_id",)),
    "alert_split": Rule(_stay(OPEN_STATES), CENTER, ("alert_id",)),
    # A whistle outlives a returned dispatch (the case is back in "filed" until the center re-dispatches).
    "whistle_checkin": Rule(_stay(WHISTLING), ("department",) + COMMAND, ("whistle_id", "dept_id")),
    "whistle_progress": Rule(_stay(WHISTLING), ("department",) + COMMAND, ("whistle_id", "dept_id", "note")),
    "whistle_result": Rule(_stay(WHISTLING), ("department",) + COMMAND, ("whistle_id", "dept_id")),
    "whistle_return": Rule(_stay(WHISTLING), ("department",), ("whistle_id", "dept_id", "reason")),
    "whistle_reassign": Rule(_stay(WHISTLING), COMMAND, ("whistle_id",)),
}
ACTIONS = tuple(TRANSITIONS)
# Department users act only on their own department's cases; for whistle actions, on their own whistle row.
DEPT_OWNED = ("sign", "start", "feedback", "request_postpone", "request_return", "request_park", "request_cancel",
              "progress")
REQUEST_OF = {"request_postpone": "postpone", "request_return": "return", "request_park": "park",
              "request_cancel": "cancel", "request_reopen": "reopen"}
APPROVAL_OF = {"approve_postpone": "postpone", "approve_return": "return", "approve_park": "park",
               "approve_cancel": "cancel", "approve_reopen": "reopen"}


def is_event(action: str, state: str | None) -> bool:
    rule = TRANSITIONS[action]
    return state in rule.sources and rule.sources[state] == state


def next_level(level: str) -> str | None:
    i = CASE_LEVELS.index(level)
    return CASE_LEVELS[i + 1] if i + 1 < len(CASE_LEVELS) else None


def allowed_actions(state: str | None, role: str) -> list[str]:
    """Actions the role may take on a case in this state (state None = a case not yet created: "report")."""
    return [a for a, r in TRANSITIONS.items() if state in r.sources and role in r.roles]
