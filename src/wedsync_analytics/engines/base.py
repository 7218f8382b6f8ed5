"""The one interface every engine implements: prepare a source, run analyses, close."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl

from wedsync_analytics.analyses.catalog import Analysis
from wedsync_analytics.engines.key_order import sort_by_keys

if TYPE_CHECKING:
    from wedsync_analytics.export.reader import ExportReader


@dataclass(frozen=True)
class Source:
    """Where the data is: a live database (`dsn`) and/or a checked export (`reader`).

    `options` carry engine settings, e.g. `{"spark_remote": "sc://host:15002"}`.
    """

    dsn: str | None = None
    reader: ExportReader | None = None
    options: Mapping[str, str] = field(default_factory=dict)


class Engine(ABC):
    """An open engine over one source; `run` returns the analysis's raw result frame."""

    name: ClassVar[str]
    reads: ClassVar[str]  # "database" (needs Source.dsn) or "export" (needs Source.reader)

    @classmethod
    def missing(cls, options: Mapping[str, str]) -> str | None:
        """Why this engine cannot run here with these options (what to install), or None."""
        return None

    @classmethod
    def can_read(cls, source: Source) -> bool:
        return (source.dsn if cls.reads == "database" else source.reader) is not None

    @abstractmethod
    def __init__(self, source: Source, tables: Sequence[str]) -> None:
        """Prepare: connect, register the export's tables, warm up."""

    @abstractmethod
    def run(self, analysis: Analysis, values: dict[str, Any]) -> pl.DataFrame:
        """Run one analysis with its parameter values (`as_of` included)."""

    def close(self) -> None:  # noqa: B027 - engines without resources need nothing
        """Release what `__init__` opened."""


def normalise(frame: pl.DataFrame, analysis: Analysis) -> pl.DataFrame:
    """Columns in the analysis's order and types, rows sorted by its keys."""
    missing = [c for c in analysis.schema if c not in frame.columns]
    if missing:
        raise ValueError(f"{analysis.name}: result lacks column(s) {', '.join(missing)}")
    out = frame.select([pl.col(c).cast(t) for c, t in analysis.schema.items()])
    return sort_by_keys(out, analysis.keys)


def implementation_missing(analysis: Analysis, engine: str) -> ValueError:
    return ValueError(f"{analysis.name} has no implementation for {engine}")
