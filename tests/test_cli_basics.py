"""The CLI as a user meets it: one-line errors, non-zero exits, no tracebacks."""

from __future__ import annotations

import pytest

from tests.cli_support import assert_one_line_error, run_cli


def test_unreachable_server_is_one_line() -> None:
    done = run_cli("migrate", "--dsn", "postgresql://nobody@127.0.0.1:1/none")
    assert_one_line_error(done, "cannot connect", "WEDSYNC_DSN")


def test_malformed_dsn_is_one_line() -> None:
    done = run_cli("migrate", "--list", env={"WEDSYNC_DSN": "host=127.0.0.1 bogus_option=1"})
    assert_one_line_error(done, "invalid DSN")


def test_unknown_option_exits_with_usage_error() -> None:
    done = run_cli("migrate", "--no-such-option")
    assert done.returncode == 2
    assert "No such option" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [("migrate", "--list"), ("migrate",)])
def test_migrate_against_dsn(db_dsn: str, args: tuple[str, ...]) -> None:
    done = run_cli(*args, "--dsn", db_dsn)
    assert done.returncode == 0, done.stderr
    if "--list" in args:
        assert "pending" not in done.stdout
        assert "applied" in done.stdout
    else:
        assert "nothing to apply" in done.stdout


def test_db_url_names_the_configured_port() -> None:
    done = run_cli("db", "url", env={"WEDSYNC_PG_PORT": "55555", "WEDSYNC_HOME": "/tmp/h"})
    assert done.returncode == 0
    assert (
        done.stdout.strip()
        == "postgresql://postgres@127.0.0.1:55555/wedsync?passfile=/tmp/h/pgpass"
    )


def test_bad_port_setting_is_one_line() -> None:
    done = run_cli("db", "status", env={"WEDSYNC_PG_PORT": "abc"})
    assert_one_line_error(done, "WEDSYNC_PG_PORT")


def test_db_url_and_status_follow_the_dsn(db_dsn: str) -> None:
    url = run_cli("db", "url", env={"WEDSYNC_DSN": db_dsn})
    assert url.returncode == 0
    assert url.stdout.strip() == db_dsn
    status = run_cli("db", "status", "--dsn", db_dsn)
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("reachable:")
    assert "PostgreSQL 1" in status.stdout


def test_usage_errors_are_one_line_with_a_pointer_to_help() -> None:
    done = run_cli("generate", "--seed", "abc")
    assert_one_line_error(done, "--seed", "wedsync-analytics generate --help")
    assert done.returncode == 2


def test_unwritable_output_is_one_line() -> None:
    done = run_cli("generate", "--scale", "tiny", "--out", "/proc/no-such-dir/x")
    assert_one_line_error(done)


def test_engine_errors_are_one_line() -> None:
    import duckdb
    import polars as pl

    from wedsync_analytics.cli.main import _from_engine

    with pytest.raises(duckdb.Error) as duck:
        duckdb.connect().execute("SELECT * FROM read_parquet('/no/such/file.parquet')")
    with pytest.raises(pl.exceptions.PolarsError) as polars_error:
        pl.DataFrame({"a": [1]}).select(pl.col("b"))
    assert _from_engine(duck.value)
    assert _from_engine(polars_error.value)
    assert not _from_engine(ZeroDivisionError())


def test_dash_h_is_help_on_every_command() -> None:
    from wedsync_analytics.docs_gen import command_paths, help_text

    paths = command_paths()
    assert ("db", "url") in paths and ("generate",) in paths
    for path in paths:
        text = help_text(path, "-h")
        assert text == help_text(path, "--help")
        assert text.startswith(f"Usage: {' '.join(('wedsync-analytics', *path))} ")
        assert "-h, --help" in text


def test_version_is_the_installed_packages() -> None:
    from importlib.metadata import version

    done = run_cli("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wedsync-analytics {version('wedsync-analytics')}\n"
