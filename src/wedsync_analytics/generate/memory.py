"""Keep the streaming generator's peak memory flat.

glibc raises its mmap threshold dynamically (up to 32 MiB) after large blocks are freed,
after which every multi-MB chunk buffer is carved from the heap and fragments it, so peak
RSS creeps up with the number of chunks. Pinning the threshold at 1 MiB makes large
buffers mmap-backed and returned to the OS when freed. No-op where glibc is absent.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache

_M_MMAP_THRESHOLD = -3


@cache
def bounded_malloc(threshold: int = 1 << 20) -> bool:
    """Pin glibc's mmap threshold (once per process); False when not available."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, threshold))
    except (OSError, AttributeError):
        return False
