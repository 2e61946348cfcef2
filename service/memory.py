"""How a served worker's C heap gives memory back.

glibc serves a large allocation from its heap once the dynamic mmap threshold has grown past it, and
memory freed there stays with the process. The embedder's activations for a batch of whole help
articles are tens of MB per operation: after the start-up warm-up a worker kept ~250 MB it no longer
used (BENCHMARKS.md, issue 16). A fixed threshold of 1 MB maps every larger buffer on its own and
unmaps it when freed; smaller allocations are unaffected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)
THRESHOLD_BYTES = 1 << 20

log = logging.getLogger("portal_agent.memory")


def return_large_buffers() -> bool:
    """Fix glibc's mmap threshold at 1 MB; False where the C library is not glibc (nothing changes)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
    except OSError:
        return False
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    ok = bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD_BYTES))
    if not ok:
        log.warning("mallopt(M_MMAP_THRESHOLD) refused: large buffers stay in the heap")
    return ok
