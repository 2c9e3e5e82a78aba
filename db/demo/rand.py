"""Seeded random streams for the demo: one independent stream per component, so data stays stable."""
from __future__ import annotations

import random
import zlib

import numpy as np


def py_rng(seed: int, stream: str) -> random.Random:
    # A str seed is hashed with SHA-512 by random.seed: stable across runs and PYTHONHASHSEED.
    return random.Random(f"{seed}/{stream}")


def np_rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])
