"""A window's rows with its group-key columns as lexical codes (see `lexical_codes`).

From Parquet the key columns are read as the files store them, dictionary-encoded (PyArrow,
only the row groups that overlap the window): a row's code is its dictionary index mapped
through the rank of the dictionary's values, so no row's string is decoded or hashed; only
the distinct values are sorted. In memory (or where a file's row-group spans are unknown)
the codes come from the window's strings (`lexical_codes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from wedsync_analytics.engines.polars._common import (
    json_flag,
    lexical_codes,
    zeros,
)
from wedsync_analytics.engines.polars._tables import Tables


@dataclass(frozen=True)
class Keyed:
    """`frame`: the window's other columns; `codes`: each key column's (codes, size);
    `names`: each key column's distinct values in code order (NULL last): names[code] is
    the value."""

    frame: pl.DataFrame
    codes: dict[str, tuple[pl.Series, int]]
    names: dict[str, pl.Series]

    def values(self, name: str, rows: pl.Series) -> pl.Series:
        """The key column's values (as strings) at these row positions."""
        return self.names[name].gather(self.codes[name][0].gather(rows)).alias(name)

    def json_flag(self, name: str, key: str) -> pl.Series:
        """`json_flag` of the key column (JSON texts) on each row, each distinct text parsed
        once."""
        flags = self.names[name].to_frame("text").select(json_flag("text", key)).to_series()
        return flags.gather(self.codes[name][0])


def keyed_window(
    tables: Tables,
    table: str,
    start: datetime | None,
    end: datetime,
    keys: Sequence[str],
    columns: Sequence[str],
) -> Keyed:
    """The rows of `table` with start <= event time < end: `keys` coded, `columns` as is."""
    data = tables.row_groups(table, start, end, [*keys, *columns], keys)
    if data is None:
        frame = tables.window(table, start, end).select(*keys, *columns).collect().rechunk()
        coded = {k: lexical_codes(frame[k]) for k in keys}
        frame = frame.select(columns)
    else:
        coded = {k: dictionary_codes(data.column(k)) for k in keys}
        frame = pl.DataFrame(pl.from_arrow(data.select(list(columns)))).rechunk()
    return Keyed(
        frame,
        {k: (codes, size) for k, (codes, size, _) in coded.items()},
        {k: c[2] for k, c in coded.items()},
    )


def dictionary_codes(values: pa.ChunkedArray) -> tuple[pl.Series, int, pl.Series]:
    """Codes, their count and the names in code order (NULL last) of a dictionary-encoded
    column: the dictionary's values sorted as `normalise` sorts strings (bytewise)."""
    values = values.unify_dictionaries()  # one dictionary for every chunk
    if values.num_chunks == 0:
        return zeros(0), 1, pl.Series([None], dtype=pl.String)
    dictionary = values.chunk(0).dictionary
    order = np.asarray(pc.sort_indices(dictionary), dtype=np.int64)
    ranks = np.empty(len(dictionary) + 1, dtype=np.int64)
    ranks[order] = np.arange(len(dictionary))
    ranks[-1] = len(dictionary)  # NULL
    indices = [c.indices for c in values.chunks]
    if values.null_count:
        indices = [pc.fill_null(i, len(dictionary)) for i in indices]
    rows = np.concatenate([i.to_numpy() for i in indices])
    names = pl.Series(dictionary.take(pa.array(order))).cast(pl.String)
    return pl.Series(ranks[rows]), len(dictionary) + 1, names.extend_constant(None, 1).rechunk()
