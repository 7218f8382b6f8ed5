"""`malloc_policy`: each policy does what it says for the next large array, whichever ran before."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

FAULTS_AFTER = """
import resource, sys
import numpy as np
from wedsync_analytics import malloc_policy
for name in sys.argv[1:]:
    assert malloc_policy.use(getattr(malloc_policy, name))
def faults() -> int:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    array = np.ones((3 << 20) // 8)  # 3 MiB: 768 pages, below numpy's huge-page size
    del array
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults()
print(faults())
"""


def faults_of_a_second_array(*policies: str) -> int:
    """Page faults of a 3 MiB array allocated after one of the same size was freed, in a
    fresh interpreter that set `policies` in turn."""
    done = subprocess.run(
        [sys.executable, "-c", FAULTS_AFTER, *policies], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_analysis_keeps_freed_pages_and_streaming_returns_them() -> None:
    assert faults_of_a_second_array() >= 700  # glibc's default: mapped afresh
    assert faults_of_a_second_array("ANALYSIS") < 100  # the freed pages are reused
    assert faults_of_a_second_array("STREAMING") >= 700  # a fresh mmap: every page faults
    # the last policy set is the one in force, either way round
    assert faults_of_a_second_array("STREAMING", "ANALYSIS") < 100
    assert faults_of_a_second_array("ANALYSIS", "STREAMING") >= 700
