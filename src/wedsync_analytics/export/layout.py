"""How an export's Parquet files are laid out, sized for the readers, and recorded per table.

The five big time series (`table_facts.TABLE_FACTS`, `big=True`) are hive-partitioned by
the UTC month of their event-time column, `table/month=YYYY-MM/part-NNNNN.parquet` (a NULL
time goes to `month=__HIVE_DEFAULT_PARTITION__`); every other table is `table/part-NNNNN.
parquet`, one file unless it has more than `target_file_rows` rows. Each file's rows are
sorted by the event time (when the table has one), so the row groups' min/max statistics
prune a time filter inside a file as the directories prune whole months. A file holds up to
`target_file_rows` rows (1 M rows: tens of MB of zstd Parquet for the big tables), in row
groups of `row_group_rows`; opening a file then costs little next to reading it.

A table with a sparse column (`TableFacts.sparse`: business_events.funnel_step, set on about
1 % of rows) writes the rows where it is set to files of their own, `part-NNNNN-<column>.parquet`
beside `part-NNNNN.parquet` (the other rows), so a reader selecting `<column> IS NOT NULL`
skips the big files by their row groups' null counts: the Parquet counterpart of the
schema's partial index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from wedsync_analytics.table_facts import TABLE_FACTS

NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
TARGET_FILE_ROWS = 1_000_000
# 32,768 rows: about a day of a season month of performance_metrics, so an hour or a day
# decodes one or two row groups (131,072 made narrow windows decode four times the rows:
# Polars 9-37 % faster on percentiles and web_vitals in two runs at the season scale, DuckDB
# unchanged)
ROW_GROUP_ROWS = 32_768
MONTH = "month"


@dataclass(frozen=True)
class Layout:
    """One table's layout, as recorded in manifest.json (`layout`)."""

    partition_column: str | None = None  # the hive key derives from it (UTC month)
    sort_by: str | None = None  # rows sorted ascending by it within each file (NULLs last)
    split_by: str | None = None  # rows where it is not NULL go to files of their own
    target_file_rows: int = TARGET_FILE_ROWS
    row_group_rows: int = ROW_GROUP_ROWS

    @property
    def partition_key(self) -> str | None:
        """The hive directory key (`month`), or None for a table written unpartitioned."""
        return MONTH if self.partition_column else None

    def month_of(self) -> pl.Expr:
        """Each row's partition as the integer YYYYMM of its UTC time (NULL stays NULL)."""
        assert self.partition_column is not None
        when = pl.col(self.partition_column).dt.convert_time_zone("UTC")
        return (when.dt.year() * 100 + when.dt.month()).cast(pl.Int32)

    def file_names(self, number: int) -> tuple[str, str | None]:
        """File `number`'s name, and the name of its split rows' file (None: no split)."""
        base = f"part-{number:05d}"
        return f"{base}.parquet", f"{base}-{self.split_by}.parquet" if self.split_by else None

    def directory(self, table: str, month: int | None) -> str:
        """The folder (relative to the export) of a file of partition `month` (YYYYMM)."""
        if self.partition_key is None:
            return table
        value = NULL_PARTITION if month is None else f"{month // 100:04d}-{month % 100:02d}"
        return f"{table}/{self.partition_key}={value}"

    def to_json(self) -> dict[str, Any]:
        partitioned = self.partition_column is not None
        return {
            "partitioning": "hive" if partitioned else None,
            "partition_key": self.partition_key,
            "partition_column": self.partition_column,
            "granularity": MONTH if partitioned else None,
            "key_format": "month=YYYY-MM" if partitioned else None,
            "null_partition": NULL_PARTITION if partitioned else None,
            "timezone": "UTC",
            "sort_by": [self.sort_by] if self.sort_by else [],
            "sort_order": "ascending, NULLs last, within each file" if self.sort_by else None,
            "split_by": self.split_by,
            "split_files": f"part-NNNNN-{self.split_by}.parquet: the rows where {self.split_by} "
            "is not NULL; part-NNNNN.parquet: the others"
            if self.split_by
            else None,
            "target_file_rows": self.target_file_rows,
            "row_group_rows": self.row_group_rows,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Layout:
        sort_by = data.get("sort_by") or []
        return cls(
            partition_column=data.get("partition_column"),
            sort_by=str(sort_by[0]) if sort_by else None,
            split_by=data.get("split_by"),
            target_file_rows=int(data["target_file_rows"]),
            row_group_rows=int(data["row_group_rows"]),
        )


def layout_for(table: str, time_column: str | None, target_file_rows: int) -> Layout:
    """Big time series: by month, sorted by time; other time series: sorted; else as read.
    A table's sparse column (`TableFacts.sparse`), when it has one, splits its files.

    `time_column` is the table's event-time column when it is a timestamptz, else None.
    """
    facts = TABLE_FACTS.get(table)
    big = facts is not None and facts.big and time_column is not None
    return Layout(
        partition_column=time_column if big else None,
        sort_by=time_column,
        split_by=facts.sparse if facts else None,
        target_file_rows=target_file_rows,
        row_group_rows=min(ROW_GROUP_ROWS, max(1, target_file_rows)),
    )
