"""Without --as-of, validation windows end where the exported data ends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg

from tests import synthetic
from wedsync_analytics import validate as v
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.table_facts import event_time


def test_default_as_of_is_the_hour_after_the_newest_event(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    data_end = datetime(2024, 3, 31, 1, 30, tzinfo=UTC)
    data = synthetic.random_dataset(5, data_end, 120)
    synthetic.load_dataset(db, data)
    export_database(db_dsn, tmp_path / "export")
    newest = max(
        frame.select(pl.col(column).max()).item()
        for table in data
        if data[table].height
        for column in [event_time(table)]
        for frame in [data[table]]
    )
    expected = newest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert v.default_as_of(open_export(tmp_path / "export")) == expected

    report = v.validate(tmp_path / "export", db_dsn)
    assert report.as_of == expected
    assert report.ok
    percentiles = [c for c in report.comparisons if c.analysis == "percentiles"]
    assert percentiles and all((c.rows or 0) > 0 for c in percentiles)
