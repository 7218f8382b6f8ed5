"""Rows grouped and ordered by plain integers: several codes packed into one int64 per row
(mixed radix, the first part most significant), so that one sort of the integers orders
the rows by every part, and each part's code unpacked again from a sorted key: no row
index travels through the sort, no row is gathered to name its group."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

LIMIT = 2**62  # a packed key stays below this
Step = int | np.ndarray  # a part's size, or the distinct keys a renumbering replaced


def pack(parts: Sequence[tuple[np.ndarray, int]]) -> tuple[np.ndarray, list[Step]]:
    """One int64 per row ordering rows as the (codes, size) parts do (codes in [0, size)),
    and the steps `unpack` reverses. When the next part would take the key past `LIMIT`,
    the key so far is renumbered by the rank of its distinct values (kept as a step)."""
    key = np.zeros(len(parts[0][0]) if parts else 0, dtype=np.int64)
    bound = 1
    steps: list[Step] = []
    for codes, size in parts:
        if bound * size >= LIMIT:
            distinct, inverse = np.unique(key, return_inverse=True)
            key, bound = inverse.astype(np.int64).reshape(-1), len(distinct)
            steps.append(distinct)
            if bound * size >= LIMIT:
                raise OverflowError(f"{bound} keys of {size} codes each do not fit an int64")
        key = key * size + codes
        bound *= size
        steps.append(size)
    return key, steps


def unpack(keys: np.ndarray, steps: Sequence[Step]) -> list[np.ndarray]:
    """Each part's codes in `pack`'s keys (made by these steps), in the parts' order."""
    codes = []
    for step in reversed(steps):
        if isinstance(step, np.ndarray):
            keys = step[keys]
        else:
            keys, code = np.divmod(keys, step)
            codes.append(code)
    return codes[::-1]


def sort_keys(keys: np.ndarray) -> np.ndarray:
    """`keys` ascending (Polars' single-threaded sort of integers: the fastest measured)."""
    return pl.Series(keys, dtype=pl.Int64).sort(multithreaded=False).to_numpy()


def sort_pairs(
    first: tuple[np.ndarray, int], second: tuple[np.ndarray, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The rows' (first, second) code pairs (codes, size each) in ascending order, as the
    first codes and the second codes."""
    key, steps = pack([first, second])
    ordered_first, ordered_second = unpack(sort_keys(key), steps)
    return ordered_first, ordered_second


def value_codes(
    values: pl.Series,
) -> tuple[np.ndarray, int, Callable[[np.ndarray], np.ndarray]]:
    """Codes from 0 ordering like the (non-NULL) values, how many codes there are, and the
    map from codes back to the values as float8 (`::float8`). A decimal's code is its
    unscaled integer less the smallest (Polars casts a decimal to float as unscaled /
    10**scale, as this map does), unless the range is too wide to pack; else a code is the
    rank among the distinct float values."""
    kind = values.dtype
    if isinstance(kind, pl.Decimal) and (kind.precision or 39) <= 18 and len(values):
        unscaled = values.to_physical().cast(pl.Int64).to_numpy()
        low, high = int(unscaled.min()), int(unscaled.max())
        if high - low < 2**36:
            scale = 10.0 ** (kind.scale or 0)
            return unscaled - low, high - low + 1, lambda codes: (codes + low) / scale
    floats = values.cast(pl.Float64).to_numpy()
    distinct = np.unique(floats)
    codes = np.searchsorted(distinct, floats).astype(np.int64)
    return codes, max(len(distinct), 1), lambda c: distinct[c]
