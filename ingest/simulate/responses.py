"""Answers to open cases: departments' own systems check in, report progress and results; grid workers verify."""
from __future__ import annotations

import random

from db import labels
from ingest.simulate.district import OpenCase
from ingest.simulate.messages import Out

S = labels.INGEST_SIM
RESPOND_EVERY_S = 60.0       # demo seconds between looks at the open cases
PER_ROUND = 3
VERIFY_PASS = 0.85


class Responder:
    def __init__(self, seed: int, run_id: str, worker_of_grid: dict[str, str], fallback_workers: list[str]):
        self.rng = random.Random(seed * 7919 + 1)
        self.run = run_id
        self.n = 0
        self.worker_of_grid = worker_of_grid
        self.fallback = fallback_workers

    def _id(self) -> str:
        self.n += 1
        return f"{self.run}-f{self.n}"

    def answer(self, cases: list[OpenCase]) -> list[Out]:
        """A few of the open cases move one step, the way their department or grid worker would."""
        if not cases:
            return []
        picked = self.rng.sample(cases, min(PER_ROUND, len(cases)))
        return [out for case in picked for out in self._one(case)]

    def _feedback(self, dept: str, case: OpenCase, action: str, texts: tuple[str, ...]) -> Out:
        return Out(f"dept/{dept}/feedback", {"id": self._id(), "case_code": case.code, "action": action,
                                              "note": self.rng.choice(texts)})

    def _one(self, case: OpenCase) -> list[Out]:
        out = [self._feedback(dept, case, "checkin", S["checkin"]) for dept in case.whistle_dept_codes]
        if case.dept_code and case.state == "dispatched":
            out.append(self._feedback(case.dept_code, case, "checkin", S["checkin"]))
        elif case.dept_code and case.state in ("signed", "handling"):
            if self.rng.random() < 0.5:
                out.append(self._feedback(case.dept_code, case, "progress", S["progress"]))
            else:
                out.append(self._feedback(case.dept_code, case, "result", S["result"]))
        elif case.state in ("feedback", "checking"):
            worker = self.worker_of_grid.get(case.grid_code or "") or (
                self.rng.choice(self.fallback) if self.fallback else None)
            if worker:
                passed = self.rng.random() < VERIFY_PASS
                out.append(Out(f"terminal/{worker}/verify", {
                    "id": self._id(), "case_code": case.code, "passed": passed,
                    "note": S["verify_pass"] if passed else S["verify_fail"]}))
        return out
