"""The catalog of analyses: one folder per analysis under `sql/analyses/<name>/`.

Each folder holds `analysis.toml` (title, input tables, keys, output schema, the analysis's
own parameters with their defaults) beside its per-engine implementations: a SQL file
named after the engine (`postgres.sql`, `duckdb.sql`, `spark.sql`) or, for a DataFrame
engine, the module `wedsync_analytics.engines.<engine>.<name>`. A new analysis is a new
folder (plus its DataFrame modules); nothing else lists the analyses.
"""

from __future__ import annotations

import importlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from wedsync_analytics.paths import sql_dir

TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "bool": pl.Boolean(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us", "UTC"),
}


@dataclass(frozen=True)
class Analysis:
    """One analysis; `keys` identify a row, the other columns are compared as values."""

    name: str
    title: str
    tables: tuple[str, ...]
    keys: tuple[str, ...]
    schema: dict[str, pl.DataType]
    defaults: dict[str, Any]

    @property
    def folder(self) -> Path:
        return sql_dir() / "analyses" / self.name

    def sql_for(self, engine: str) -> str | None:
        """The analysis's SQL for `engine`, or None if it has no `<engine>.sql`."""
        path = self.folder / f"{engine}.sql"
        return path.read_text(encoding="utf-8") if path.is_file() else None


def _default(value: Any) -> Any:
    """A parameter default; `{ shared = "module.NAME" }` names a fact stated elsewhere."""
    if isinstance(value, dict) and set(value) == {"shared"}:
        module, _, attr = str(value["shared"]).rpartition(".")
        return getattr(importlib.import_module(f"wedsync_analytics.{module}"), attr)
    return value


def load_analysis(folder: Path) -> Analysis:
    """Read one `analysis.toml`; a malformed spec is a ValueError naming the file."""
    path = folder / "analysis.toml"
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        schema = {column: TYPES[kind] for column, kind in spec["schema"].items()}
        analysis = Analysis(
            name=folder.name,
            title=str(spec["title"]),
            tables=tuple(spec["tables"]),
            keys=tuple(spec["keys"]),
            schema=schema,
            defaults={k: _default(v) for k, v in spec.get("params", {}).items()},
        )
    except KeyError as exc:
        raise ValueError(f"{path}: missing or unknown entry {exc}") from None
    unknown = [k for k in analysis.keys if k not in schema]
    if unknown:
        raise ValueError(f"{path}: keys {unknown} are not in [schema]")
    return analysis


@cache
def catalog() -> dict[str, Analysis]:
    """Every analysis, by name, in name order."""
    root = sql_dir() / "analyses"
    return {
        folder.name: load_analysis(folder)
        for folder in sorted(root.iterdir())
        if (folder / "analysis.toml").is_file()
    }


ANALYSES: dict[str, Analysis] = catalog()
