"""The analyst notebook runs headless against a tiny export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import nbformat
import psycopg
import pytest
from nbclient import NotebookClient

from tests import synthetic
from wedsync_analytics.export import export_database

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "analyst_tour.ipynb"


def test_analyst_tour_executes(
    db: psycopg.Connection, db_dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_of = datetime(2024, 6, 15, 12, tzinfo=UTC)
    synthetic.load_dataset(db, synthetic.random_dataset(9, as_of, 150))
    out = tmp_path / "export"
    export_database(db_dsn, out, ["performance_metrics", "core_web_vitals"])
    monkeypatch.setenv("WEDSYNC_EXPORT_DIR", str(out))
    monkeypatch.setenv("WEDSYNC_AS_OF", as_of.isoformat())
    monkeypatch.setenv("MPLBACKEND", "Agg")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "Polars and DuckDB agree: True" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)
