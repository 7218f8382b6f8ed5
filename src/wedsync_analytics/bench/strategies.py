"""Strategies: named folders of SQL under `sql/strategies/<kind>/<name>/`, applied to a clone.

A folder holds
  * `strategy.toml`: `description = "..."` and optionally `requires = ["layout=partitioned"]`;
  * `*.sql`: applied in name order to a clone of the loaded dataset (the setup);
  * `queries/<query>.sql`: this strategy's text of a dashboard query (e.g. a rollup);
  * `run/retention.sql`: the retention operation (placeholder `%(as_of)s`);
  * `run/maintain.sql`: incremental maintenance up to a watermark (placeholder `%(upto)s`).
A variant is one strategy or several joined with `+` (`index=composite+layout=partitioned`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg

from wedsync_analytics.errors import UserError
from wedsync_analytics.paths import sql_dir

KINDS = ("index", "layout", "policy", "rollup", "retention")


def strategies_dir() -> Path:
    return sql_dir() / "strategies"


@dataclass(frozen=True)
class Strategy:
    """One strategy folder."""

    kind: str
    name: str
    path: Path
    description: str
    requires: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.kind}={self.name}"

    def setup_files(self) -> list[Path]:
        return sorted(self.path.glob("*.sql"))

    def query_text(self, query: str) -> str | None:
        path = self.path / "queries" / f"{query}.sql"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def run_text(self, operation: str) -> str | None:
        path = self.path / "run" / f"{operation}.sql"
        return path.read_text(encoding="utf-8") if path.is_file() else None


@cache
def discover(root: Path | None = None) -> dict[str, Strategy]:
    """Every strategy folder, by `kind=name`."""
    base = root or strategies_dir()
    found: dict[str, Strategy] = {}
    for kind in KINDS:
        for path in sorted(p for p in (base / kind).glob("*") if p.is_dir()):
            meta_file = path / "strategy.toml"
            meta = tomllib.loads(meta_file.read_text("utf-8")) if meta_file.is_file() else {}
            found[f"{kind}={path.name}"] = Strategy(
                kind,
                path.name,
                path,
                str(meta.get("description", "")),
                tuple(meta.get("requires", ())),
            )
    return found


@dataclass(frozen=True)
class Variant:
    """What one clone gets: strategies applied in order (requirements first)."""

    strategies: tuple[Strategy, ...]

    @property
    def name(self) -> str:
        return "+".join(s.key for s in self.strategies if s.key not in self.implied)

    @property
    def implied(self) -> frozenset[str]:
        return frozenset(r for s in self.strategies for r in s.requires)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(s.kind for s in self.strategies)

    @property
    def slug(self) -> str:
        return self.name.replace("=", "_").replace("+", "__")

    def query_text(self, query: str) -> str | None:
        """The last strategy's own text of `query`, if any strategy has one."""
        texts = [t for s in self.strategies if (t := s.query_text(query)) is not None]
        return texts[-1] if texts else None

    def run_text(self, operation: str) -> str | None:
        texts = [t for s in self.strategies if (t := s.run_text(operation)) is not None]
        return texts[-1] if texts else None


def parse_variant(text: str, known: dict[str, Strategy] | None = None) -> Variant:
    """`kind=name[+kind=name...]` -> Variant (requirements added first); UserError if unknown."""
    known = known if known is not None else discover()
    chosen: list[Strategy] = []

    def add(key: str) -> None:
        strategy = known.get(key.strip())
        if strategy is None:
            raise UserError(
                f"unknown strategy {key.strip()!r}: choose from {', '.join(known)} "
                "(or add a folder sql/strategies/<kind>/<name>/)"
            )
        for required in strategy.requires:
            add(required)
        if strategy not in chosen:
            chosen.append(strategy)

    for part in text.split("+"):
        if "=" not in part:
            raise UserError(f"--strategy {text!r}: write KIND=NAME, e.g. index=brin")
        add(part)
    kinds = [s.kind for s in chosen]
    clash = sorted({k for k in kinds if kinds.count(k) > 1})
    if clash:
        raise UserError(f"--strategy {text!r} combines two strategies of kind {clash[0]}")
    return Variant(tuple(chosen))


def default_variants() -> list[Variant]:
    """`index=seed` first (the reference), then every other folder on its own."""
    known = discover()
    keys = ["index=seed"] + [k for k in known if k != "index=seed"]
    return [parse_variant(k, known) for k in keys]


def apply_variant(conn: psycopg.Connection, variant: Variant) -> None:
    """Run every setup file of the variant's strategies, each in its own transaction."""
    for strategy in variant.strategies:
        for path in strategy.setup_files():
            try:
                with conn.transaction():
                    conn.execute(path.read_text(encoding="utf-8").encode())
            except psycopg.Error as exc:
                raise UserError(
                    f"strategy {strategy.key}: {path.name} failed: {str(exc).strip()}"
                ) from exc
