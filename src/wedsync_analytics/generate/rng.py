"""Counter-based randomness: every value is a pure function of (seed, table, column, row index).

A stream key is derived from `(seed, table, column)` with BLAKE2b; the value for row `i`
is the SplitMix64 finaliser applied to `key + i * golden`. Nothing depends on how rows
are split into chunks, on the order chunks are generated in, or on the clock, so the
same seed gives the same rows for any chunk size, and adding rows to one table never
changes another table's rows.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / float(1 << 53)


@lru_cache(maxsize=4096)
def stream_key(seed: int, table: str, column: str) -> int:
    """The 64-bit key of one column's stream (stable across runs and platforms)."""
    digest = hashlib.blake2b(f"{seed}\x1f{table}\x1f{column}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _mix(x: U64) -> U64:
    """SplitMix64 finaliser, in place on `x`."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


@lru_cache(maxsize=1024)
def _choice_table(weights: tuple[float, ...]) -> I64:
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    mid = (np.arange(65536) + 0.5) / 65536
    lut = np.minimum(np.searchsorted(cdf, mid, side="right"), len(cdf) - 1)
    return lut.astype(np.int64)


class Stream:
    """A named stream of random values indexed by global row number."""

    __slots__ = ("key",)

    def __init__(self, seed: int, table: str, column: str) -> None:
        self.key = np.uint64(stream_key(seed, table, column))

    def bits(self, idx: I64) -> U64:
        """64 random bits per index."""
        x = idx.astype(np.uint64)
        x *= _GOLDEN
        x += self.key
        return _mix(x)

    def uniform(self, idx: I64) -> F64:
        """Uniform floats in [0, 1)."""
        return (self.bits(idx) >> _S11).astype(np.float64) * _INV53

    def integers(self, idx: I64, low: int, high: int) -> I64:
        """Integers in [low, high)."""
        span = high - low
        return (self.uniform(idx) * span).astype(np.int64) + low

    def choice(self, idx: I64, weights: npt.ArrayLike) -> I64:
        """Indices into a few `weights` (unnormalised), via a 2**16-entry lookup table.

        Each category's probability is exact to within 2**-16.
        """
        lut = _choice_table(tuple(float(w) for w in np.asarray(weights, dtype=np.float64)))
        return lut[(self.bits(idx) >> np.uint64(48)).astype(np.int64)]

    def normal(self, idx: I64) -> F64:
        """Standard normal values (Box-Muller over two halves of one hash)."""
        b = self.bits(idx)
        u1 = ((b >> np.uint64(32)).astype(np.float64) + 1.0) / 4294967297.0
        u2 = (b & np.uint64(0xFFFFFFFF)).astype(np.float64) / 4294967296.0
        return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)

    def lognormal(self, idx: I64, median: float, sigma: float) -> F64:
        """Log-normal values with the given median and log-space sigma."""
        return median * np.exp(sigma * self.normal(idx))

    def exponential(self, idx: I64, mean: float) -> F64:
        """Exponential values with the given mean."""
        return -mean * np.log1p(-self.uniform(idx))


class Streams:
    """Factory of the streams of one table: `Streams(seed, "t")["col"]`."""

    def __init__(self, seed: int, table: str) -> None:
        self.seed = seed
        self.table = table
        self._cache: dict[str, Stream] = {}

    def __getitem__(self, column: str) -> Stream:
        stream = self._cache.get(column)
        if stream is None:
            stream = self._cache[column] = Stream(self.seed, self.table, column)
        return stream
