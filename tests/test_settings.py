"""Environment variables: read in one module, validated, and documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_support import assert_one_line_error, run_cli
from wedsync_analytics import settings
from wedsync_analytics.errors import UserError

ROOT = Path(__file__).resolve().parents[1]


def test_only_settings_reads_our_variables() -> None:
    reader = re.compile(r"(environ|getenv)\b.*(WEDSYNC_|WSA_)|envvar=")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("src", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        if path.name != "settings.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if reader.search(line)
    ]
    conftest = (ROOT / "conftest.py").read_text(encoding="utf-8")
    assert offenders == [] and not reader.search(conftest)


def test_every_variable_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [v.name for v in settings.VARIABLES if f"`{v.name}`" not in readme] == []


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("WEDSYNC_PG_PORT", "70000", settings.pg_port),
        ("WEDSYNC_PG_PORT", "abc", settings.pg_port),
        ("WEDSYNC_DEBUG", "maybe", settings.debug),
        ("WSA_BENCH_ROWS", "-5", settings.bench_rows),
        ("WSA_BENCH_COPY_ROWS", "1e6", settings.bench_copy_rows),
        ("WSA_BENCH_DAYS", "0", settings.bench_days),
        ("WSA_BENCH_SCALE", "huge", settings.bench_scale),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name, value, read) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(name, value)
    with pytest.raises(UserError, match=f"{name}="):
        read()


def test_values_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in settings.VARIABLES:
        monkeypatch.delenv(var.name, raising=False)
    assert settings.dsn() is None and settings.pg_port() == 54329 and not settings.debug()
    assert settings.bench_rows() == 10_000_000 and settings.bench_days() is None
    monkeypatch.setenv("WEDSYNC_PG_PORT", "55999")
    monkeypatch.setenv("WEDSYNC_DEBUG", "yes")
    monkeypatch.setenv("WEDSYNC_HOME", str(tmp_path))
    monkeypatch.setenv("WSA_BENCH_DAYS", "7")
    monkeypatch.setenv("WEDSYNC_DSN", " ")  # blank counts as unset
    assert settings.pg_port() == 55999 and settings.debug() and settings.home() == tmp_path
    assert settings.bench_days() == 7 and settings.dsn() is None


def test_cli_reports_a_bad_variable_in_one_line() -> None:
    assert_one_line_error(run_cli("db", "url", env={"WEDSYNC_DEBUG": "maybe"}), "WEDSYNC_DEBUG")
    done = run_cli("db", "url", env={"WEDSYNC_DSN": "postgresql://u@h:1/x"})
    assert done.returncode == 0 and done.stdout.strip() == "postgresql://u@h:1/x"
