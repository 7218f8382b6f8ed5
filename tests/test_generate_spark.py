"""A cluster writes the parts: each Spark task generates part i of N into the shared folder.

Local mode (`local[2]`) at a small scale; against a cluster the same map runs on its workers
(the folder must then be shared storage every worker and the loader can reach).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from wedsync_analytics.engines.spark.session import missing_requirement, spark_session
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.generate.output import write_part
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import open_data

if (why := missing_requirement()) is not None:
    pytest.skip(why, allow_module_level=True)

pytestmark = pytest.mark.slow


def test_spark_tasks_write_parts_whose_union_is_the_whole(tmp_path: Path) -> None:
    scenario = build_scenario("tiny", seed=13, market="uk", days=3)
    shared, parts = tmp_path / "shared", 4
    # the process's one local session (the Spark engine's; its Python workers run this venv)
    spark = spark_session(None)
    written = (
        spark.sparkContext.parallelize(range(parts), parts)
        .map(lambda i: (i, write_part(scenario, shared, i, parts, 700).tables["incidents"].rows))
        .collect()
    )
    assert sorted(i for i, _ in written) == list(range(parts))
    single = tmp_path / "single"
    write_parquet(scenario, single, parts=1, workers=1)
    from_spark, whole = open_data(shared), open_data(single)
    assert from_spark.scenario == whole.scenario == scenario
    assert sum(n for _, n in written) == whole.table_rows("incidents")
    for t in TABLES:
        union = pl.concat([pl.read_parquet(f) for f in from_spark.files(t.name)])
        assert union.equals(pl.read_parquet(whole.files(t.name)[0])), t.name
