"""The case workflow engine: the only writer of case state, steps, requests, whistles and alert-to-case links.

Every public function takes `db`, either an Engine (the function opens and commits its own transaction) or a
Connection (it runs inside the caller's transaction, in a SAVEPOINT, so a refused action leaves the caller's
batch usable). `at` injects the clock (aware datetime; naive = Asia/Shanghai local; default now). Refusals raise
subclasses of WorkflowError with a Chinese `.message`.

Roles (Actor.role): operator 值班员 (accept, reject, file, merge, split, check), dispatcher 指挥长 (file, dispatch,
whistle, supervise, approve/refuse requests, rework, escalate, close), department (its own cases only: sign, start,
progress, feedback, request postpone/return/park/cancel; whistle check-in/progress/result/return on its own
whistle row), grid_worker (report, self-handle, verify), leader (supervise, request reopen), wall (nothing),
admin (every center action, none of a department's or grid worker's), system (ingest: report, self-handle, check).
The full table is `TRANSITIONS` (action -> Rule(sources={from_state: to_state}, roles, needs)).

Actions and their parameters for perform() (the state each one needs is in TRANSITIONS):
  accept(note) | reject(reason) | file(category_code|category_id, urgency, work_kind, note)
  dispatch(dept_id, note) | sign | start | progress(note, photos) | feedback(note, photos)
  check(note) | verify(passed: bool, note, photos) | close(satisfaction 1-5, special: bool, note)
  rework(reason) | escalate(reason): a filed or dispatched case moves to the next level's queue
  (grid -> community -> street -> district) as "filed", with that level's own deadline
  supervise(note) 督办 | request_postpone(reason, extra_minutes) | request_return(reason) | request_park(reason)
  request_cancel(reason) | request_reopen(reason) | approve_postpone / approve_return / approve_park /
  approve_cancel / approve_reopen(request_id optional: default the pending one, note) |
  refuse_request(request_id, note) | unpark(note)
  whistle / whistle_checkin / whistle_progress / whistle_result / whistle_return / whistle_reassign: use the
  functions in db.workflow.whistles (re-exported here), which call perform().
Every action accepts expected_version (the case's `version` the user saw): stale -> AlreadyHandled. Each action
writes exactly one case_steps row (seq = the case's new version) and one audit_log row ("case.<action>").
Events (supervise, requests, progress, whistle actions...) are instant steps; transitions close the open step.

Deadlines: every transition stores its step's deadline_at and warning_at (warn_share of the limit, default 75%)
on the case's clock (working time from the DB calendar, or natural time for urgent categories, urgency 1 and
emergencies); cases.step_deadline_at / step_warning_at mirror the open step for queues, handle_deadline_at is
the department's deadline (moved by approved postponements). clock_status() gives 正常/预警/超时 and the
overdue multiple. Defaults live in config/workflow.toml (WORKFLOW_CONFIG overrides the path).
"""
from db.workflow.alerts import intake_alert, merge_cases, split_alert
from db.workflow.assessment import assess, assess_many, ontime_close_rate, ontime_close_rates
from db.workflow.clock import WorkClock, clock_status
from db.workflow.engine import invalidate_caches, open_case, perform
from db.workflow.errors import (
    AlreadyHandled, NotFound, PermissionDenied, TransitionRefused, ValidationError, WorkflowError,
)
from db.workflow.model import SYSTEM, Actor, AlertIn, AlertOutcome, CaseRef, StepResult
from db.workflow.table import ACTIONS, TERMINAL, TRANSITIONS, Rule, allowed_actions
from db.workflow.timeline import timeline
from db.workflow.whistles import blow_whistle, check_in, reassign_whistle, report_progress, report_result, \
    return_whistle

__all__ = [
    "ACTIONS", "TERMINAL", "TRANSITIONS", "Rule", "allowed_actions",
    "Actor", "SYSTEM", "AlertIn", "AlertOutcome", "CaseRef", "StepResult",
    "WorkflowError", "ValidationError", "PermissionDenied", "TransitionRefused", "AlreadyHandled", "NotFound",
    "open_case", "perform", "invalidate_caches",
    "blow_whistle", "check_in", "report_progress", "report_result", "return_whistle", "reassign_whistle",
    "intake_alert", "merge_cases", "split_alert",
    "timeline", "assess", "assess_many", "ontime_close_rate", "ontime_close_rates", "WorkClock", "clock_status",
]
