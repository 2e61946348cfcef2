"""A served worker returns large freed buffers to the system (service/memory.py)."""

from __future__ import annotations

import platform

import pytest

from service.memory import return_large_buffers


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's mmap threshold is glibc's")
def test_the_mmap_threshold_is_fixed_on_glibc() -> None:
    assert return_large_buffers() is True
