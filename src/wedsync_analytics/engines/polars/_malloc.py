"""glibc malloc told to keep the memory the analyses free, as Polars' and PyArrow's own
allocators do.

The analyses' numpy arrays (a few per window row and group: about 20 MB for the
percentiles over a day of the season) come from the C library's malloc. By default glibc
gives freed memory at the top of its heap back to the system once more than twice its
(adaptive) mmap threshold is free, and serves large blocks by fresh mmaps; every page of
the next such array is then a page fault, about 3.5 us each on the benchmark machine:
about 5,000 per percentiles run. Fixing the mmap threshold at 32 MB (glibc's largest) and
trimming only beyond 256 MB keeps those pages mapped for reuse. This is process-wide (the
process's other users of malloc keep their freed memory too) and only where the C library
is glibc; elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # glibc's largest on 64-bit
TRIM_THRESHOLD = 256 << 20


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (above); whether glibc took both."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc: its own policy stays
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
