"""The Parquet layout (`export.layout`, `export.files`), without a database: month folders,
files sorted by time with bounded row groups, bounded buffering, every row written once."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from wedsync_analytics.export.files import TableFiles
from wedsync_analytics.export.layout import NULL_PARTITION, Layout, layout_for

START = datetime(2024, 1, 30, tzinfo=UTC)


def _frame(minutes: list[int | None], first_id: int) -> pl.DataFrame:
    times = [None if m is None else START + timedelta(minutes=m) for m in minutes]
    return pl.DataFrame(
        {"id": range(first_id, first_id + len(minutes)), "at": times},
        schema={"id": pl.Int64, "at": pl.Datetime("us", "UTC")},
    )


def test_layout_for_the_table_facts() -> None:
    big = layout_for("performance_metrics", "timestamp", 1000)
    assert big.partition_key == "month" and big.sort_by == "timestamp"
    small = layout_for("incidents", "created_at", 1000)  # a time series, not a big one
    assert small.partition_key is None and small.sort_by == "created_at"
    plain = layout_for("organizations", None, 1000)
    assert plain.partition_key is None and plain.sort_by is None
    assert Layout.from_json(big.to_json()) == big
    assert big.to_json()["timezone"] == "UTC" and big.to_json()["key_format"] == "month=YYYY-MM"


@settings(max_examples=40, deadline=None)
@given(
    batches=st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 90 * 24 * 60)), max_size=30), max_size=8
    ),
    target=st.integers(1, 50),
    row_group=st.integers(1, 8),
    max_pending=st.integers(1, 60),
)
def test_files_are_sorted_monthly_and_bounded(
    batches: list[list[int | None]], target: int, row_group: int, max_pending: int
) -> None:
    layout = Layout(
        partition_column="at", sort_by="at", target_file_rows=target, row_group_rows=row_group
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = TableFiles(root, "t", layout, max_pending)
        first = 0
        for minutes in batches:
            files.add(_frame(minutes, first))
            first += len(minutes)
            assert sum(files.counts.values()) <= max_pending  # bounded after every batch
        written = files.finish(_frame([], 0))
        frames = []
        for entry in written:
            frame = pl.read_parquet(root / entry.path)
            assert frame.height == entry.rows
            assert frame["at"].is_sorted(nulls_last=True)
            folder = entry.path.split("/")[1] if first else None
            if folder is not None:
                months = frame["at"].dt.strftime("%Y-%m").fill_null(NULL_PARTITION).unique()
                assert [f"month={m}" for m in months] == [folder]
            groups = pq.ParquetFile(root / entry.path).metadata
            assert all(
                groups.row_group(i).num_rows <= row_group for i in range(groups.num_row_groups)
            )
            frames.append(frame)
        assert sorted(pl.concat(frames)["id"].to_list()) == list(range(first))
        assert [e.path for e in written] == sorted(e.path for e in written)


def test_rows_in_time_order_make_one_file_per_month(tmp_path: Path) -> None:
    layout = Layout(partition_column="at", sort_by="at", target_file_rows=10_000)
    files = TableFiles(tmp_path, "t", layout, 10_000)
    minutes = list(range(0, 60 * 24 * 70, 7))  # 70 days from Jan 30: Jan, Feb, Mar, Apr
    for i in range(0, len(minutes), 1000):
        files.add(_frame(minutes[i : i + 1000], i))
    written = files.finish(_frame([], 0))
    assert [e.path for e in written] == [
        f"t/month=2024-{m:02d}/part-00000.parquet" for m in (1, 2, 3, 4)
    ]


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 70 * 24 * 60), st.booleans()), max_size=60),
    target=st.integers(1, 40),
)
def test_split_rows_get_files_of_their_own(rows: list[tuple[int, bool]], target: int) -> None:
    layout = Layout(partition_column="at", sort_by="at", split_by="step", target_file_rows=target)
    frame = _frame([m for m, _ in rows], 0).with_columns(
        step=pl.Series([f"s{i}" if set_ else None for i, (_, set_) in enumerate(rows)])
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with TableFiles(root, "t", layout, target) as files:
            files.add(frame)
            written = files.finish(frame.clear())
        seen = []
        for entry in written:
            part = pl.read_parquet(root / entry.path)
            split_file = entry.path.endswith("-step.parquet")
            assert part.height == entry.rows > 0 or not rows
            assert part["step"].null_count() == (0 if split_file else part.height)
            assert part["at"].is_sorted(nulls_last=True)
            seen += part["id"].to_list()
        assert sorted(seen) == list(range(len(rows)))  # every row once, split or not


def test_business_events_split_by_funnel_step() -> None:
    layout = layout_for("business_events", "event_timestamp", 1000)
    assert layout.split_by == "funnel_step" and Layout.from_json(layout.to_json()) == layout
    assert layout.file_names(3) == ("part-00003.parquet", "part-00003-funnel_step.parquet")
    assert layout_for("error_reports", "created_at", 1000).file_names(0)[1] is None
