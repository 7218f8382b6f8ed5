"""A cluster writes the parts: each Spark task generates part i of N into the shared folder.

Local mode (`local[2]`) at a small scale; against a cluster the same map runs on its workers
(the folder must then be shared storage every worker and the loader can reach).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import polars as pl
import pytest

from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.output import write_part
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import open_data

if shutil.which("java") is None:
    pytest.skip(
        "Spark needs Java 17+: install it (e.g. `apt-get install openjdk-17-jre-headless`, "
        "or `brew install openjdk@17`) and put `java` on PATH or set JAVA_HOME",
        allow_module_level=True,
    )
pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is missing: run `make install`")

pytestmark = pytest.mark.slow


def test_spark_tasks_write_parts_whose_union_is_the_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # workers import this venv's package
    scenario = build_scenario("tiny", seed=13, market="uk", days=3)
    shared, parts = tmp_path / "shared", 4
    spark = (
        pyspark_sql.SparkSession.builder.master("local[2]")
        .appName("wsa-generate-parts")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "512m")
        .getOrCreate()
    )
    try:
        written = (
            spark.sparkContext.parallelize(range(parts), parts)
            .map(
                lambda i: (i, write_part(scenario, shared, i, parts, 700).tables["incidents"].rows)
            )
            .collect()
        )
    finally:
        spark.stop()
    assert sorted(i for i, _ in written) == list(range(parts))
    single = tmp_path / "single"
    write_parquet(scenario, single, parts=1, workers=1)
    from_spark, whole = open_data(shared), open_data(single)
    assert from_spark.scenario == whole.scenario == scenario
    assert sum(n for _, n in written) == whole.table_rows("incidents")
    for t in TABLES:
        union = pl.concat([pl.read_parquet(f) for f in from_spark.files(t.name)])
        assert union.equals(pl.read_parquet(whole.files(t.name)[0])), t.name
