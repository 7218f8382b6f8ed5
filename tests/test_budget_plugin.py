"""The `query_budget` fixture as a user meets it: a test file of their own, run by pytest in
a subprocess outside this repository, the fixture coming from the installed package's
`pytest11` entry point alone."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg

USER_TESTS = """
import os

import pytest

DSN = os.environ["USER_DSN"]
LOOKUP = "SELECT v FROM public.readings WHERE k = %(k)s"


def test_an_indexed_lookup_fits(query_budget):
    figures = query_budget(DSN, LOOKUP, {"k": 42}, max_shared_buffers=10,
                           no_seq_scan_on=["readings"], uses_any_of=["readings_k"],
                           plans=["custom", "generic"])
    assert [f["plan_mode"] for f in figures] == ["custom", "generic"]
    assert all(f["shared_buffers"] <= 10 for f in figures)


def test_a_full_scan_breaks_its_plan_requirement(query_budget):
    query_budget(DSN, "SELECT count(*) FROM public.readings WHERE v > 0",
                 max_shared_buffers=100000, no_seq_scan_on=["readings"])


def test_too_many_buffers_fail(query_budget):
    query_budget(DSN, "SELECT sum(v) FROM public.readings", max_shared_buffers=1)


def test_a_slow_query_only_warns_without_strict_time(query_budget):
    with pytest.warns(UserWarning, match="p95"):
        query_budget(DSN, LOOKUP, {"k": 1}, max_shared_buffers=10, p95_ms=0.000001, runs=2)


def test_a_slow_query_fails_with_strict_time(query_budget):
    query_budget(DSN, LOOKUP, {"k": 1}, max_shared_buffers=10, p95_ms=0.000001, runs=2,
                 strict_time=True)
"""


def test_a_users_test_file_passes_and_fails_as_it_should(db_dsn: str, tmp_path: Path) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.readings (k int NOT NULL, v float8 NOT NULL)")
        conn.execute(
            "INSERT INTO public.readings SELECT g, g * 0.5 FROM generate_series(1, 20000) AS g"
        )
        conn.execute("CREATE INDEX readings_k ON public.readings (k)")
        conn.execute("VACUUM ANALYZE public.readings")
    (tmp_path / "test_user_budgets.py").write_text(textwrap.dedent(USER_TESTS), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "WEDSYNC"))}
    env["USER_DSN"] = db_dsn
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "test_user_budgets.py"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 1, out[-3000:]
    assert "test_an_indexed_lookup_fits PASSED" in out
    assert "test_a_slow_query_only_warns_without_strict_time PASSED" in out
    assert "test_a_full_scan_breaks_its_plan_requirement FAILED" in out
    assert "test_too_many_buffers_fail FAILED" in out
    assert "test_a_slow_query_fails_with_strict_time FAILED" in out
    assert "query budget breached (custom plan): Seq Scan on readings" in out
    assert "-> Seq Scan on readings (rows=" in out and "<-- breach" in out
    assert "shared buffers" in out and "> budget 1" in out
    assert "rootdir: " + str(tmp_path) in out  # not this repository's configuration
