"""Vectorised column builders: uuids, timestamps, pooled strings, JSON and array literals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa

from wedsync_analytics.generate.rng import I64, U64

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# two ASCII hex digits of each byte value, as one little-endian uint16
_HEX_PAIRS = _HEX[np.arange(256) >> 4].astype(np.uint16) | (
    _HEX[np.arange(256) & 15].astype(np.uint16) << 8
)
TS = pl.Datetime("us", "UTC")


def fixed_width_strings(chars: npt.NDArray[np.uint8]) -> pl.Series:
    """A Utf8 Series from an (n, width) array of ASCII bytes, without Python objects."""
    n, width = chars.shape
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    data = np.ascontiguousarray(chars).reshape(-1)
    array = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    series = pl.from_arrow(array)
    assert isinstance(series, pl.Series)
    return series


def uuid_strings(hi: U64, lo: U64) -> pl.Series:
    """Canonical uuid text from two 64-bit halves (version/variant bits already set)."""
    n = len(hi)
    raw = np.empty((n, 2), dtype=">u8")
    raw[:, 0] = hi
    raw[:, 1] = lo
    hexed = _HEX_PAIRS[raw.view(np.uint8).reshape(n, 16)].view(np.uint8).reshape(n, 32)
    out = np.empty((n, 36), dtype=np.uint8)
    out[:, (8, 13, 18, 23)] = ord("-")
    for dst, src, width in ((0, 0, 8), (9, 8, 4), (14, 12, 4), (19, 16, 4), (24, 20, 12)):
        out[:, dst : dst + width] = hexed[:, src : src + width]
    return fixed_width_strings(out)


def uuid7(ts_us: I64, rand: U64) -> pl.Series:
    """Time-ordered UUIDv7 strings: 48-bit Unix milliseconds, then 74 bits from `rand`."""
    ms = (ts_us // 1000).astype(np.uint64)
    hi = (ms << np.uint64(16)) | np.uint64(0x7000) | (rand >> np.uint64(52))
    lo = (rand & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    return uuid_strings(hi, lo)


def uuid4(a: U64, b: U64) -> pl.Series:
    """Random-looking UUIDv4 strings from two hashes."""
    hi = (a & np.uint64(0xFFFFFFFFFFFF0FFF)) | np.uint64(0x4000)
    lo = (b & np.uint64(0x3FFFFFFFFFFFFFFF)) | np.uint64(0x8000000000000000)
    return uuid_strings(hi, lo)


def timestamps(ts_us: I64) -> pl.Series:
    """UTC timestamp[us] Series from epoch microseconds."""
    return pl.Series(ts_us, dtype=pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def pooled(pool: Sequence[str], idx: npt.NDArray[np.integer], enum: bool = False) -> pl.Series:
    """Strings picked from a small pool by index (as Enum when `enum`, else Utf8)."""
    dtype = pl.Enum(list(dict.fromkeys(pool))) if enum else pl.String
    return pl.Series(list(pool), dtype=dtype).gather(idx.astype(np.int64))


def json_text(value: object) -> str:
    """Compact JSON text for pre-rendered pools."""
    import json

    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def pg_array(items: Sequence[str]) -> str:
    """A PostgreSQL array literal of simple (unquoted-safe) text items."""
    return (
        "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"
    )


def json_bool(flag: npt.NDArray[np.bool_]) -> pl.Series:
    """'true'/'false' strings."""
    return pooled(["false", "true"], flag.astype(np.int64))


def id_table(ids: pl.Series, idx: npt.NDArray[np.integer]) -> pl.Series:
    """Ids of a parent table picked by row index into it."""
    return ids.gather(idx.astype(np.int64))


def interval_text(seconds: npt.NDArray[np.integer]) -> pl.Series:
    """PostgreSQL interval literals like '300 seconds'."""
    return pl.Series(seconds.astype(np.int64)).cast(pl.String) + " seconds"


def rounded(
    values: npt.NDArray[np.floating], scale: int, maximum: float
) -> npt.NDArray[np.float64]:
    """Values rounded to `scale` decimals and clipped to stay inside numeric(p, scale)."""
    return np.round(np.clip(values, -maximum, maximum), scale)
