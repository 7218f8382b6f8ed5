"""The library parts behind the notebooks: generated Parquet read like an export, kinds of
day, engines side by side, a changed copy, charts and reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from wedsync_analytics import charts, incident_days, notebook_reports
from wedsync_analytics.analyses import ANALYSES, Params, run_all
from wedsync_analytics.engine_compare import compare_engines, disagreement
from wedsync_analytics.engines.base import Source
from wedsync_analytics.errors import UserError
from wedsync_analytics.export import export_database, open_export
from wedsync_analytics.generate import build_scenario, write_parquet
from wedsync_analytics.load import load_data
from wedsync_analytics.notebook_data import Dataset, open_dataset, open_generated
from wedsync_analytics.validate import compare_frames, default_as_of

SCENARIO = build_scenario("tiny", seed=11)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "data"
    write_parquet(SCENARIO, out, parts=2, workers=1)
    return out


def test_generated_parquet_answers_as_the_loaded_and_exported_database(
    generated: Path, db_dsn: str, tmp_path: Path
) -> None:
    """Every analysis on DuckDB and Polars over `generate --out` equals the same analysis over
    an export of that data loaded into PostgreSQL (the database's triggers and defaults
    included): the notebooks' no-database path gives the database's answers."""
    from wedsync_analytics.load import open_data

    load_data(db_dsn, open_data(generated))
    export_database(db_dsn, tmp_path / "export")
    exported, parquet = open_export(tmp_path / "export"), open_generated(generated)
    as_of = default_as_of(exported)
    assert default_as_of(parquet) == as_of
    params = Params(as_of, {"incident_response": {"days": 30}})
    for engine in ("duckdb", "polars"):
        ours = run_all(params, Source(reader=parquet), engines=(engine,))
        exported_runs = run_all(params, Source(reader=exported), engines=(engine,))
        theirs = {r.analysis: r for r in exported_runs}
        for result in ours:
            reference = theirs[result.analysis].frame
            assert result.frame is not None and reference is not None, result.error
            ok, _, message, _ = compare_frames(ANALYSES[result.analysis], reference, result.frame)
            assert ok, f"{result.analysis} on {engine}: {message}"
            assert reference.height > 0 or result.analysis == "system_health"
    # the validation notebook's path with a DSN: PostgreSQL joins, as the reference
    comparison = compare_engines(open_dataset(tmp_path / "export"), dsn=db_dsn)
    assert comparison.agreeing() == ["postgres", "duckdb", "polars"]
    assert list(comparison.skipped) == ["spark"]
    references = comparison.table().filter(pl.col("status") == "reference")
    assert set(references["engine"]) == {"postgres"}


def test_open_dataset_refuses_a_folder_that_is_neither(tmp_path: Path) -> None:
    (tmp_path / "stray.txt").write_text("x")
    with pytest.raises(UserError, match="not written by `generate --out`"):
        open_dataset(tmp_path)


def test_kinds_of_day_use_local_time_and_iso_weekdays() -> None:
    """2024-06-15 23:30 UTC is Saturday in New York and Sunday in London (ISO 6 and 7)."""
    created = datetime(2024, 6, 15, 23, 30, tzinfo=UTC)
    incidents = pl.LazyFrame(
        {
            "id": ["a", "b", "c"],
            "organization_id": ["ny", "ldn", "nowhere"],
            "severity": ["high", "low", "critical"],
            "wedding_impact": ["high", "none", "medium"],
            "created_at": [created, created, datetime(2024, 1, 10, 12, tzinfo=UTC)],
            "acknowledged_at": [created.replace(minute=40), None, created],  # c: after as_of
            "resolved_at": [created.replace(minute=50), None, None],
            "context": ['{"wedding_day": true}', '{"wedding_day": false}', None],
        }
    ).with_columns(pl.col("created_at", "acknowledged_at", "resolved_at").dt.cast_time_unit("us"))
    orgs = pl.LazyFrame({"id": ["ny", "ldn"], "timezone": ["America/New_York", "Europe/London"]})
    days = incident_days.local_days(incidents, orgs, datetime(2024, 7, 1, tzinfo=UTC))
    rows = {r["id"]: r for r in days.to_dicts()}
    assert (rows["a"]["iso_weekday"], rows["a"]["weekday"]) == (6, "Saturday")
    assert (rows["b"]["iso_weekday"], rows["b"]["weekday"]) == (7, "Sunday")
    assert rows["c"]["timezone"] == "Europe/London"  # the database's default
    assert [rows[k]["wedding_day"] for k in "abc"] == ["wedding day", "other day", "unknown"]
    assert [rows[k]["season"] for k in "abc"] == ["wedding season"] * 2 + ["off season"]
    assert rows["a"]["tta_seconds"] == 600 and rows["b"]["tta_seconds"] is None
    by_weekday = incident_days.response_by(days, "weekday").to_dicts()
    saturday = next(r for r in by_weekday if r["group"] == "Saturday")
    assert saturday["incidents"] == 1 and saturday["resolve_p50_min"] == 20


def _sample(generated: Path) -> Dataset:
    return open_dataset(generated)


def test_engines_side_by_side_never_count_a_skipped_engine_as_agreeing(generated: Path) -> None:
    comparison = compare_engines(_sample(generated), dsn="postgresql://unused@127.0.0.1:1/x")
    assert comparison.agreeing() == ["duckdb", "polars"]
    assert set(comparison.skipped) == {"postgres", "spark"}
    assert "not exported from a database" in comparison.skipped["postgres"]
    skipped = comparison.table().filter(pl.col("engine").is_in(["postgres", "spark"]))
    assert skipped.height == 2 * len(ANALYSES) and set(skipped["status"]) == {"skipped"}
    assert "spark skipped" in comparison.summary()


def test_a_changed_copy_fails_the_comparison(generated: Path) -> None:
    frame = _sample(generated).analyses(["percentiles"])["percentiles"]
    changed = disagreement(frame, ANALYSES["percentiles"])
    assert changed.status == "fail" and changed.differing is not None
    assert changed.differing.height == 1 and "p50" in changed.message


def test_analysis_charts_are_saved_as_png_and_foreign_files_are_left_alone(
    generated: Path, tmp_path: Path
) -> None:
    dataset = _sample(generated)
    results = run_all(Params(dataset.as_of), Source(reader=dataset.reader), engines=("duckdb",))
    written = charts.save_analysis_charts(results, tmp_path / "charts")
    assert sorted(p.name for p in written) == [
        f"analysis_{n}.png" for n in ("funnels", "incident_response", "percentiles", "web_vitals")
    ]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written)
    (tmp_path / "charts" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="holds other files"):
        charts.save_analysis_charts(results, tmp_path / "charts")


def test_a_report_of_the_wrong_kind_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps({"variants": []}))
    assert notebook_reports.read_report(tmp_path, "bench") == {"variants": []}
    with pytest.raises(UserError, match="not a capacity report"):
        notebook_reports.read_report(tmp_path, "capacity")
    with pytest.raises(UserError, match="missing"):
        notebook_reports.read_report(tmp_path / "nothing", "bench")
