"""A window's rows with its group-key columns as lexical codes (see `lexical_codes`).

From Parquet the key columns are read as the files store them, dictionary-encoded (PyArrow,
only the row groups that overlap the window): a row's code is its dictionary index mapped
through the rank of the dictionary's values, so no row's string is decoded or hashed; only
the distinct values are sorted. Columns only counted distinct need no order: where their
dictionaries are nearly as long as the rows (`near_unique`), a code is the row's index in
its own chunk's dictionary (`local_codes`), and the few groups whose rows span chunks are
recoded exactly (`exact_codes`). In memory the codes are a slice of those `Tables` made at
open for the columns the analyses group by (`CODED` of an analysis module); where a file's
row-group spans are unknown they come from the window's strings (`lexical_codes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from wedsync_analytics.engines.polars._common import (
    COLLECT_ENGINE,
    Codes,
    json_flag,
    lexical_codes,
    zeros,
)
from wedsync_analytics.engines.polars._tables import Tables

LOCAL_SHARE = 8  # see `near_unique`


@dataclass(frozen=True)
class Keyed:
    """`frame`: the window's other columns; `codes`: each key column's codes, their count
    and its distinct values in code order (NULL last): names[code] is the value (no names
    for an `unordered` column read from Parquet). `chunked`: the `unordered` columns read
    in more than one chunk, whose codes are equal for equal values only within a chunk
    (`local_codes`; `exact_codes` codes rows across chunks)."""

    frame: pl.DataFrame
    codes: dict[str, Codes]
    chunked: dict[str, pa.ChunkedArray] = field(default_factory=dict)

    def part(self, name: str) -> tuple[np.ndarray, int]:
        """The key column's codes and their count, for `pack`."""
        codes, size, _ = self.codes[name]
        return codes.to_numpy(), size

    def values(self, name: str, codes: np.ndarray) -> pl.Series:
        """The key column's values (as strings) of these codes."""
        names = self.codes[name][2]
        assert names is not None, f"{name} is coded without its names"
        return names.gather(pl.Series(codes)).alias(name)

    def json_flag(self, name: str, key: str) -> np.ndarray:
        """`json_flag` of the key column (JSON texts) on each row, each distinct text parsed
        once."""
        codes, _, names = self.codes[name]
        assert names is not None, f"{name} is coded without its names"
        flags = names.to_frame("text").select(json_flag("text", key).fill_null(False))
        return flags.to_series().to_numpy()[codes.to_numpy()]


def keyed_window(
    tables: Tables,
    table: str,
    keys: Sequence[str],
    columns: Sequence[str],
    start: datetime | None,
    end: datetime,
    *,
    unordered: Sequence[str] = (),
) -> Keyed:
    """The rows of `table` with start <= event time < end: `keys` coded, `columns` as is.
    The `unordered` keys' codes only need to be equal for equal values (COUNT DISTINCT):
    from Parquet, where their dictionaries are `near_unique`, they are each chunk's own
    dictionary indices (`local_codes`)."""
    if table in tables.frames and all((table, k) in tables.codes for k in keys):
        low, high = tables.bounds(table, start, end)  # in memory, coded at open
        coded = {
            k: (codes.slice(low, high - low), size, names)
            for k in keys
            for codes, size, names in [tables.codes[(table, k)]]
        }
        return Keyed(tables.frames[table].slice(low, high - low).select(columns), coded)
    data = tables.row_groups(table, start, end, [*keys, *columns], keys)
    if data is None:
        frame = (
            tables.window(table, start, end).select(*keys, *columns).collect(engine=COLLECT_ENGINE)
        )
        frame = frame.rechunk()
        return Keyed(frame.select(columns), {k: lexical_codes(frame[k]) for k in keys})
    local = [k for k in unordered if near_unique(data.column(k))]
    return Keyed(
        pl.DataFrame(pl.from_arrow(data.select(list(columns)))).rechunk(),
        {
            k: local_codes(data.column(k)) if k in local else dictionary_codes(data.column(k))
            for k in keys
        },
        {k: data.column(k) for k in local if data.column(k).num_chunks > 1},
    )


def near_unique(values: pa.ChunkedArray) -> bool:
    """Whether the chunks' dictionaries hold at least one entry per LOCAL_SHARE rows (values
    such as correlation ids): unifying them would hash nearly every row's value once more,
    which costs more than `exact_codes` on the rows of the groups that span chunks."""
    return sum(len(c.dictionary) for c in values.chunks) * LOCAL_SHARE >= len(values)


def dictionary_codes(values: pa.ChunkedArray) -> Codes:
    """Codes, their count and the names in code order (NULL last) of a dictionary-encoded
    column: the dictionary's values sorted as `normalise` sorts strings (bytewise)."""
    if values.num_chunks > 1:
        values = values.unify_dictionaries()  # one dictionary for every chunk
    if values.num_chunks == 0:
        return zeros(0), 1, pl.Series([None], dtype=pl.String)
    dictionary = values.chunk(0).dictionary
    size = len(dictionary)
    indices = [c.indices for c in values.chunks]
    if values.null_count:
        indices = [pc.fill_null(i, size) for i in indices]
    rows = np.concatenate([i.to_numpy() for i in indices], dtype=np.int64)
    order = np.asarray(pc.sort_indices(dictionary), dtype=np.int64)
    ranks = np.empty(size + 1, dtype=np.int64)
    ranks[order] = np.arange(size)
    ranks[-1] = size  # NULL
    names = pa.concat_arrays([dictionary.take(order), pa.nulls(1, dictionary.type)])
    return pl.Series(ranks[rows]), size + 1, pl.Series(names).cast(pl.String)


def local_codes(values: pa.ChunkedArray) -> Codes:
    """Codes of a dictionary-encoded column equal for equal values within a chunk (each
    chunk's dictionary indices, counted on from the chunk before's: no dictionary is hashed
    or unified), their count (NULL the last code), and no names. PyArrow's Parquet reader
    builds each chunk's dictionary in a memo table, so a value is in it once: within a
    chunk, different codes are different values; across chunks see `exact_codes`."""
    total = sum(len(c.dictionary) for c in values.chunks)
    parts, offset = [], 0
    for chunk in values.chunks:
        indices = chunk.indices
        if chunk.null_count:
            indices = pc.fill_null(indices, total - offset)  # then NULL is `total`
        parts.append(indices.to_numpy().astype(np.int64) + offset)
        offset += len(chunk.dictionary)
    rows = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return pl.Series(rows), total + 1, None


def exact_codes(values: pa.ChunkedArray, rows: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of the values at `rows` of a dictionary-encoded column, equal exactly where
    the values are (-1 for NULL), and how many distinct values there are: those rows'
    values decoded from their chunks and dictionary-encoded together."""
    bounds = np.cumsum([0, *(len(c) for c in values.chunks)])
    chunk_of = np.searchsorted(bounds, rows, side="right") - 1
    order = np.argsort(chunk_of, kind="stable")
    parts = []
    for c in np.unique(chunk_of):
        local = rows[order][chunk_of[order] == c] - bounds[c]
        parts.append(values.chunk(int(c)).take(pa.array(local)).dictionary_decode())
    if not parts:
        return np.zeros(0, dtype=np.int64), 0
    encoded = pc.dictionary_encode(pa.concat_arrays(parts))
    codes = np.empty(len(rows), dtype=np.int64)
    codes[order] = pc.fill_null(encoded.indices, -1).to_numpy()
    return codes, len(encoded.dictionary)
