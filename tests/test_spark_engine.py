"""Spark specifics: the one-line answer without Java, the export read as hive partitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import psycopg
import pytest

from tests import synthetic
from tests.cli_support import assert_one_line_error, run_cli
from tests.engines import JAVA_MISSING
from wedsync_analytics.analyses import ANALYSES, Params
from wedsync_analytics.engines import engine_class
from wedsync_analytics.engines.base import Source, normalise
from wedsync_analytics.export import export_database, open_export

AS_OF = datetime(2024, 6, 20, 12, 0, tzinfo=UTC)


def test_validate_spark_without_java_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "export").mkdir()
    done = run_cli(
        "validate",
        "--data",
        str(tmp_path / "export"),
        "--engines",
        "spark",
        env={"JAVA_HOME": str(tmp_path / "no-java")},
    )
    assert_one_line_error(done, "spark cannot run here", "apt-get install openjdk-17-jre-headless")


@pytest.mark.skipif(JAVA_MISSING is not None, reason=f"Spark tests skipped: {JAVA_MISSING}")
def test_spark_reads_the_month_partitions_without_the_hive_key(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path
) -> None:
    """Rows of several `month=` directories (and the NULL-free time column) come back whole;
    the hive key `month` is not a column of the table."""
    data = synthetic.random_dataset(4, AS_OF, 80)
    synthetic.load_dataset(db, {"error_reports": data["error_reports"]})
    export_database(db_dsn, tmp_path / "export", ["error_reports"])
    reader = open_export(tmp_path / "export")
    assert len({f.parent.name for f in reader.files("error_reports")}) > 1
    spark = engine_class("spark")(Source(reader=reader), ["error_reports"])
    try:
        frame = spark.tables["error_reports"]  # type: ignore[attr-defined]
        assert "month" not in frame.columns
        assert frame.count() == data["error_reports"].height
        values = Params(AS_OF).values(ANALYSES["error_trending"])
        got = normalise(spark.run(ANALYSES["error_trending"], values), ANALYSES["error_trending"])
    finally:
        spark.close()
    window = data["error_reports"].filter(
        (pl.col("created_at") >= AS_OF - timedelta(days=7)) & (pl.col("created_at") < AS_OF)
    )
    assert int(got["error_count"].sum()) == window.height
