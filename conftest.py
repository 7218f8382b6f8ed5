"""Fixtures shared by `tests/` and `benchmarks/`: one real PostgreSQL per session, a template.

Without `WEDSYNC_DSN` the session starts a throwaway embedded server (own data
directory, free port, fsync off) and destroys it at the end, so nothing is left
running. With `WEDSYNC_DSN` the tests use that server, which needs CREATEDB.
Each test that asks for `db_dsn` gets a fresh database cloned from the template.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from psycopg import sql

from wedsync_analytics.migrations import apply_migrations
from wedsync_analytics.server import EmbeddedServer, free_port
from wedsync_analytics.settings import dsn as settings_dsn

TEMPLATE = "wsa_test_template"

# CI runs the same Hypothesis examples every time (a red CI is then reproducible);
# local runs explore new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def _with_database(dsn: str, database: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    info["dbname"] = database
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()})


@pytest.fixture(scope="session")
def pg_admin_dsn() -> Iterator[str]:
    """URL of a maintenance database on the session's server."""
    external = settings_dsn()
    if external:
        yield external
        return
    home = Path(tempfile.mkdtemp(prefix="wsa-test-"))
    home.chmod(0o755)
    server = EmbeddedServer(
        home=home / "server",
        port=free_port(),
        extra_settings=(
            ("fsync", "off"),
            ("synchronous_commit", "off"),
            ("full_page_writes", "off"),
            ("max_connections", "200"),
        ),
    )
    server.start()
    try:
        yield server.url("postgres")
    finally:
        server.destroy()
        os.rmdir(home) if home.exists() and not any(home.iterdir()) else None


def create_database(admin_dsn: str, name: str, template: str | None = None) -> str:
    """Create database `name` (optionally from a template) and return its URL."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        if template:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return _with_database(admin_dsn, name)


def drop_database(admin_dsn: str, name: str) -> None:
    """Drop database `name`, disconnecting any session still on it."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture(scope="session")
def template_dsn(pg_admin_dsn: str) -> Iterator[str]:
    """A database migrated once per session, cloned by `db_dsn`."""
    dsn = create_database(pg_admin_dsn, TEMPLATE)
    apply_migrations(dsn)
    yield dsn
    drop_database(pg_admin_dsn, TEMPLATE)


@pytest.fixture
def empty_db_dsn(pg_admin_dsn: str) -> Iterator[str]:
    """A fresh database with nothing in it."""
    name = f"wsa_empty_{uuid.uuid4().hex[:12]}"
    yield create_database(pg_admin_dsn, name)
    drop_database(pg_admin_dsn, name)


@pytest.fixture
def db_dsn(pg_admin_dsn: str, template_dsn: str) -> Iterator[str]:
    """A fresh, fully migrated database for one test."""
    name = f"wsa_test_{uuid.uuid4().hex[:12]}"
    yield create_database(pg_admin_dsn, name, template=TEMPLATE)
    drop_database(pg_admin_dsn, name)


@pytest.fixture
def db(db_dsn: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to `db_dsn` as the superuser."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="session", autouse=True)
def _spark_session_ends_with_the_tests() -> Iterator[None]:
    """One local SparkSession for the whole run (engines reuse it); stopped at the end."""
    yield
    from wedsync_analytics.engines.spark.session import stop

    stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """After `make bench`: issue 10's targets as met, not met or not measured in this run."""
    targets = sys.modules.get("_targets")  # benchmarks/_targets.py, imported by a benchmark
    if targets is None or not targets.RECORDED:
        return
    terminalreporter.section("issue 10 targets, this run")
    for line in targets.summary():
        terminalreporter.write_line(line)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make bench`: the analysis benchmark runs last. It holds whole tables in memory (the
    engines' memory options, Spark's JVM), which its process keeps after it ends; the export
    benchmark's child would inherit that as its peak RSS and the machine would have less room."""
    items.sort(key=lambda item: item.path.name == "bench_analyses.py")
