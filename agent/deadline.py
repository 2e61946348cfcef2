"""One deadline for a remote model's whole turn.

A slow model (a local CPU server, a congested endpoint) would otherwise take the request timeout
once per model call of the turn. Every call gets at most what is left of the turn's deadline as its
timeout; when nothing is left the turn stops and the runner falls back to the built-in planner,
saying so.
"""

from __future__ import annotations

import time

from agent.errors import DeadlineExceeded

MIN_SECONDS = 1.0  # less than this left: not worth starting another model call


def time_left(deadline: float | None) -> float | None:
    """Seconds the next model call may take (None: no deadline); raises once too little is left."""
    if deadline is None:
        return None
    left = deadline - time.monotonic()
    if left < MIN_SECONDS:
        raise DeadlineExceeded(f"the turn's deadline passed ({left:.1f} s left)")
    return left
