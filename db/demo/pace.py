"""How long the demo district's people take over each step, as shares of its limit: most well within, a tail late.

The shares are tuned so the demo reads like a county platform in good health (domain.md §8: 按期结案率 around
85–95%, rework a few %, 挂账 a handful, satisfaction about 90%). Department times are minutes on the case's clock
(working time for most categories, natural time for urgent ones); the center works around the clock.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

SIGN_LATE = 0.02            # departments sign within the hour; a few miss it
HANDLE_LATE = 0.05          # feedback after the handling deadline: the 超时 tail
POSTPONE = 0.04             # would have been late: asks for more time, mostly granted
POSTPONE_GRANTED = 0.85
PARK_EVERY = (450, 750)     # 挂账: about one dispatch in 600, spaced out so the open list always holds a few
REWORK = 0.03               # the on-site check fails
REWORK_LATE = 0.08
CHECKIN_LATE = 0.08         # whistle check-ins after the tier's deadline
CENTER_TAIL = 0.03          # a busy hour at the center: the case waits a few times longer
SATISFACTION = ((5, 66), (4, 28), (3, 4), (2, 1.5), (1, 0.5))
SATISFACTION_LATE = ((5, 30), (4, 35), (3, 20), (2, 10), (1, 5))


def pick(rng: random.Random, weighted):
    values, weights = zip(*weighted)
    return rng.choices(values, weights)[0]


@dataclass
class DeptPlan:
    """Minutes on the case's clock from dispatch to each department move; late = feedback past the deadline."""
    sign: float
    start: float
    feedback: float
    late: bool
    postpone: bool = False
    park: bool = False


class Pace:
    """Draws step durations from one seeded random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.to_park = rng.randint(*PARK_EVERY)
        self.parked = 0

    def park(self) -> bool:
        self.to_park -= 1
        if self.to_park > 0:
            return False
        self.to_park = self.rng.randint(*PARK_EVERY)
        return True

    def unpark(self) -> bool:
        """Every other parked case is taken up again (its plan or funding came through)."""
        self.parked += 1
        return self.parked % 2 == 0

    def share(self) -> float:
        """Share of a limit used when on time: mostly a third to two thirds, rarely close to the end."""
        return 0.1 + 0.85 * self.rng.betavariate(2.2, 2.8)

    def center(self, limit: float, lo: float = 0.1, hi: float = 0.7) -> float:
        """Natural minutes the center takes over a step with this limit (its queue, staffed 24×7)."""
        minutes = limit * self.rng.uniform(lo, hi)
        return minutes * self.rng.uniform(1.5, 4) if self.rng.random() < CENTER_TAIL else minutes

    def dept_plan(self, sign_limit: float, handle_limit: float) -> DeptPlan:
        rng = self.rng
        park, roll = self.park(), rng.random()
        postpone = roll < POSTPONE
        late = POSTPONE <= roll < POSTPONE + HANDLE_LATE
        feedback = handle_limit * (rng.uniform(1.1, 1.8) if postpone else rng.uniform(1.05, 1.8) if late
                                   else self.share())
        if rng.random() < SIGN_LATE:
            sign = sign_limit * rng.uniform(1.1, 2.5)
        else:
            sign = min(sign_limit * rng.uniform(0.05, 0.8), feedback * 0.3)
        start = sign + max(feedback - sign, 0) * rng.uniform(0.1, 0.4)      # crew sent out, then on site
        feedback = max(feedback, start + rng.uniform(3, 15))
        return DeptPlan(sign, start, feedback, late, postpone, park)

    def rework(self, handle_limit: float) -> float:
        share = self.rng.uniform(1.05, 1.5) if self.rng.random() < REWORK_LATE else self.rng.uniform(0.1, 0.6)
        return handle_limit * share

    def checkin(self) -> float:
        """Share of the check-in limit a whistled department takes to report on site."""
        return self.rng.uniform(1.05, 1.6) if self.rng.random() < CHECKIN_LATE else self.rng.uniform(0.15, 0.95)

    def satisfaction(self, late: bool) -> int:
        return pick(self.rng, SATISFACTION_LATE if late else SATISFACTION)
