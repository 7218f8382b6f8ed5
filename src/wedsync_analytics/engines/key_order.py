"""Rows in the order of an analysis's keys (ascending, NULLs last), for large results.

`normalise` sorts every result by its analysis's keys. Polars sorts several string columns
by comparing the strings; for a result of millions of rows (the PostgreSQL engine's
percentiles over 180 days: 3.6 M rows, four text keys) that is most of the time spent after
the transfer. Each key column here is replaced by its rank among the column's distinct
values (strings through an Enum of the sorted values, other types by a binary search of
them), the ranks are packed into one int64 per row, and one stable integer sort gives the
order; rows already in order are returned as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

# From this many rows on. Polars' own sort is cheaper on rows already in key order, the
# packed ranks on rows out of it (`benchmarks/bench_key_order.py`, median of 7: 3.6 M
# percentiles-shaped rows by hour first 1549 ms against 709 ms packed, in key order 212 ms
# against 606 ms; 74 k rows in key order 3.9 ms against 14.4 ms). The engines return their
# small results in key order; the results this large are the PostgreSQL engine's over long
# windows, which its SQL orders by time first.
PACKED_FROM_ROWS = 500_000
ORDER_COLUMN = "__key_order"


def ranked_type(dtype: pl.DataType) -> bool:
    """Strings, integers, booleans and dates or times: types whose order `ranks` keeps."""
    return dtype == pl.String or dtype == pl.Boolean or dtype.is_integer() or dtype.is_temporal()


def ranks(column: pl.Series) -> tuple[np.ndarray, int]:
    """Each value's rank among the column's distinct values in ascending order (byte order
    for strings), NULL ranked after every value; and the number of ranks."""
    values = column.drop_nulls().unique().sort()
    if column.dtype == pl.String:
        ranked = column.cast(pl.Enum(values)).to_physical()
    else:
        ranked = values.search_sorted(column)
    if column.null_count():
        ranked = ranked.cast(pl.Int64).set(column.is_null(), len(values))
    return ranked.to_numpy().astype(np.int64, copy=False), len(values) + 1


def packed_keys(frame: pl.DataFrame, keys: Sequence[str]) -> np.ndarray | None:
    """One int64 per row that orders the rows as their keys do, or None when a key's type
    is not ranked here or the ranks need more than 63 bits."""
    packed = np.zeros(frame.height, dtype=np.int64)
    bits = 0
    for name in keys:
        column = frame[name]
        if not ranked_type(column.dtype):
            return None
        rank, count = ranks(column)
        width = max((count - 1).bit_length(), 1)
        bits += width
        if bits > 63:
            return None
        packed = (packed << width) | rank
    return packed


def sort_by_keys(
    frame: pl.DataFrame, keys: Sequence[str], packed_from_rows: int = PACKED_FROM_ROWS
) -> pl.DataFrame:
    """`frame.sort(keys, nulls_last=True)`: by packed ranks (rows with equal keys in their
    input order) when the frame has at least `packed_from_rows` rows and its keys can be
    packed."""
    large = frame.height >= packed_from_rows and ORDER_COLUMN not in frame.columns
    packed = packed_keys(frame, keys) if large else None
    if packed is None:
        return frame.sort(list(keys), nulls_last=True)
    if bool(np.all(packed[1:] >= packed[:-1])):
        return frame
    order = pl.Series(ORDER_COLUMN, packed)
    return frame.with_columns(order).sort(ORDER_COLUMN, maintain_order=True).drop(ORDER_COLUMN)
