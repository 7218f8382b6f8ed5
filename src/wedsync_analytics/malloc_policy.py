"""glibc malloc's thresholds, set for the work at hand; nothing changes where glibc is absent.

Two parts of the package want opposite things from glibc's malloc:

- `STREAMING` (the generator and the loader): glibc raises its mmap threshold dynamically
  (up to 32 MiB) after large blocks are freed, after which every multi-MB chunk buffer is
  carved from the heap and fragments it, so peak RSS creeps up with the number of chunks.
  A threshold pinned at 1 MiB makes large buffers mmap-backed and returned when freed, so
  memory stays flat as volume grows.
- `ANALYSIS` (the Polars engine): its numpy arrays, a few per window row and group (about
  20 MB for the percentiles over a day of the season), are freed and allocated again at
  every run; fresh mmaps make every page of the next array a page fault (about 3.5 us each
  on the benchmark machine, about 5,000 per percentiles run). The mmap threshold at 32 MB
  (glibc's largest) and trimming only beyond 256 MB keep those pages for reuse, as Polars'
  and PyArrow's own allocators do.

The settings are process-wide: `use` sets a policy whenever another one (or glibc's
default) is in force, so a process that generates and then analyses, or the reverse, runs
each part under its own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3


@dataclass(frozen=True)
class MallocPolicy:
    """glibc's mmap threshold and trim threshold, in bytes."""

    mmap_threshold: int
    trim_threshold: int


STREAMING = MallocPolicy(mmap_threshold=1 << 20, trim_threshold=128 << 10)  # glibc's trim
ANALYSIS = MallocPolicy(mmap_threshold=32 << 20, trim_threshold=256 << 20)
_in_force: list[MallocPolicy] = []  # the policy `use` last set, if any


def use(policy: MallocPolicy) -> bool:
    """Set `policy` unless it is in force already; whether glibc took it."""
    if _in_force == [policy]:
        return True
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: its own policy stays
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    taken = bool(mallopt(M_MMAP_THRESHOLD, policy.mmap_threshold)) and bool(
        mallopt(M_TRIM_THRESHOLD, policy.trim_threshold)
    )
    _in_force[:] = [policy] if taken else []
    return taken
