"""Workflow configuration (config/workflow.toml or WORKFLOW_CONFIG): default limits, warning share, weights."""
from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "config" / "workflow.toml"


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def config() -> dict:
    """The parsed configuration file (cached per path)."""
    return _load(os.environ.get("WORKFLOW_CONFIG") or str(DEFAULT_PATH))


def warn_share() -> float:
    return float(config()["clock"]["warn_share"])


def default_limit(step: str, urgent: bool) -> int:
    limits = config()["limits"]
    if urgent and step in limits.get("urgent", {}):
        return int(limits["urgent"][step])
    return int(limits[step])


def escalation_limit(level: str) -> int:
    return int(config()["escalation"][level])


def whistle_minutes(tier: int) -> int | None:
    return config()["whistle"].get(f"tier{tier}")


def alert_defaults() -> tuple[float, int]:
    a = config()["alerts"]
    return float(a["min_score"]), int(a["merge_window_s"])


def assessment_weights() -> dict:
    return dict(config()["assessment"]["weights"])


def grade_bounds() -> list[tuple[str, float]]:
    """[("A", 90), ("B", 75), ...] highest first."""
    return sorted(config()["assessment"]["grades"].items(), key=lambda kv: -kv[1])
