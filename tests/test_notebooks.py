"""The notebooks run top to bottom as a user opens them, with nothing set up beforehand, and
are committed with their outputs stripped.

Each is executed headless (nbclient) with every WEDSYNC_*/WSA_* variable removed: they make
their own small datasets (Parquet, no database) and reports (a throwaway PostgreSQL). Only
TMPDIR points into a session folder, so the sample datasets they cache and the throwaway
server's home stay inside this test session (outside pytest's 0700 tree: as root the server
runs as an unprivileged user, who must enter its home).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from wedsync_analytics import settings

FOLDER = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(FOLDER.glob("*.ipynb"))
EXPECTED = [
    "01_quickstart",
    "02_capacity_planning",
    "03_funnels_and_incidents",
    "04_validation",
]
# what each notebook must print, beside its charts: proof it took the unattended path
MUST_SAY = {
    "01_quickstart": ["generated to Parquet", "(no database)"],
    "02_capacity_planning": ["tiny runs measured now"],
    "03_funnels_and_incidents": ["(no database)"],
    "04_validation": [
        "agree on every analysis: duckdb, polars",
        "postgres skipped (no DSN given)",
        "spark skipped (not asked for",
        "FAIL: percentiles",
    ],
}


def test_the_notebooks_are_the_four_of_the_guide() -> None:
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    dirty = [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert dirty == [], f"{path.name}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_parameters_cell_comes_first(path: Path) -> None:
    """papermill injects its values after the cell tagged `parameters`: it must be the first
    code cell, so nothing runs before a user's values are set."""
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])


@pytest.fixture(scope="module")
def session_tmp() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="wsa-notebooks-test-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_unattended(
    path: Path, session_tmp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in settings.VARIABLES:
        monkeypatch.delenv(variable.name, raising=False)
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("TMPDIR", str(session_tmp))
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert errors == []
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} drew no chart"
    text = "".join(o.get("text", "") for o in outputs)
    missing = [s for s in MUST_SAY[path.stem] if s not in text]
    assert missing == [], f"{path.name} did not say {missing}"
    assert not list(tmp_path.iterdir()), "a notebook wrote into its working folder"
