"""Loading generated scenarios into a migrated database: constraints, FKs, reruns."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from wedsync_analytics.errors import UserError
from wedsync_analytics.exits import Interrupted
from wedsync_analytics.generate import build_scenario, plan
from wedsync_analytics.generate import pools as P
from wedsync_analytics.generate.fingerprints import (
    VAR_FINGERPRINT,
    VAR_KIND,
    VAR_SUFFIX,
    fingerprint,
)
from wedsync_analytics.generate.tables import TABLES
from wedsync_analytics.load import load_scenario

FK_QUERY = """
SELECT con.conname, con.conrelid::regclass::text,
       child.nspname, child_t.relname, parent.nspname, parent_t.relname,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint con
JOIN pg_class child_t ON child_t.oid = con.conrelid
JOIN pg_namespace child ON child.oid = child_t.relnamespace
JOIN pg_class parent_t ON parent_t.oid = con.confrelid
JOIN pg_namespace parent ON parent.oid = parent_t.relnamespace
WHERE con.contype = 'f' AND child.nspname IN ('public', 'auth')
"""


def _fk_violations(db: psycopg.Connection) -> list[str]:
    """Every foreign key checked by an anti-join (MATCH SIMPLE: rows with a NULL key pass)."""
    bad = []
    for name, label, c_schema, c_table, p_schema, p_table, c_cols, p_cols in db.execute(
        FK_QUERY
    ).fetchall():
        not_null = sql.SQL(" AND ").join(
            sql.SQL("c.{} IS NOT NULL").format(sql.Identifier(col)) for col in c_cols
        )
        matches = sql.SQL(" AND ").join(
            sql.SQL("p.{} = c.{}").format(sql.Identifier(pc), sql.Identifier(cc))
            for cc, pc in zip(c_cols, p_cols, strict=True)
        )
        query = sql.SQL(
            "SELECT count(*) FROM {} AS c WHERE {} AND NOT EXISTS (SELECT 1 FROM {} AS p WHERE {})"
        ).format(
            sql.Identifier(c_schema, c_table), not_null, sql.Identifier(p_schema, p_table), matches
        )
        row = db.execute(query).fetchone()
        if row and row[0]:
            bad.append(f"{label}.{name}: {row[0]} orphan rows")
    return bad


@pytest.fixture(scope="module")
def tiny():
    return build_scenario("tiny", seed=7, market="uk")


def test_load_fills_every_table_and_keeps_keys(db_dsn: str, db: psycopg.Connection, tiny) -> None:
    summary = load_scenario(db_dsn, tiny, chunk_rows=1000)
    expected = plan(tiny)
    assert summary.rows == expected
    for t in TABLES:
        n = db.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(
                sql.Identifier(t.schema), sql.Identifier(t.table)
            )
        ).fetchone()
        assert n is not None and n[0] == expected[t.name] > 0, t.name
    assert _fk_violations(db) == []
    # the check itself can fail: an orphan under a NOT VALID foreign key is reported
    db.execute("CREATE TABLE public.fk_probe_parent (id int PRIMARY KEY)")
    db.execute("CREATE TABLE public.fk_probe_child (parent_id int)")
    db.execute("INSERT INTO public.fk_probe_child VALUES (1), (NULL)")
    db.execute(
        "ALTER TABLE public.fk_probe_child ADD CONSTRAINT fk_probe FOREIGN KEY (parent_id) "
        "REFERENCES public.fk_probe_parent NOT VALID"
    )
    assert _fk_violations(db) == ["fk_probe_child.fk_probe: 1 orphan rows"]
    db.execute("DROP TABLE public.fk_probe_child, public.fk_probe_parent")
    # the bulk load did not spawn incidents from errors
    n_inc = db.execute("SELECT count(*) FROM incidents").fetchone()
    assert n_inc is not None and n_inc[0] == expected["incidents"]
    # time orderings
    assert db.execute("""SELECT count(*) FROM alert_history WHERE NOT (
        triggered_at <= coalesce(acknowledged_at, triggered_at)
        AND coalesce(acknowledged_at, triggered_at)
            <= coalesce(resolved_at, 'infinity'))""").fetchone() == (0,)
    assert (
        db.execute("""SELECT count(*) FROM incidents WHERE NOT (
        created_at <= coalesce(acknowledged_at, created_at)
        AND coalesce(acknowledged_at, created_at) <= coalesce(resolved_at, 'infinity')
        AND coalesce(resolved_at, created_at) <= coalesce(closed_at, 'infinity'))""").fetchone()
        == (0,)
    )
    # storm errors fall inside their incident's window, and alerts after the problem began
    assert db.execute("""SELECT count(*) FROM error_reports e JOIN incidents i
        ON i.id = e.incident_id WHERE e.created_at > coalesce(i.resolved_at, 'infinity')
        OR e.created_at < i.created_at - interval '1 day'""").fetchone() == (0,)
    # the CWV rating we wrote agrees with the database's own rating trigger / function
    assert db.execute("""SELECT count(*) FROM core_web_vitals WHERE performance_rating
        IS DISTINCT FROM cwv_overall_rating(lcp_value, inp_value, cls_value)""").fetchone() == (0,)
    # generation_runs records the run
    assert db.execute("SELECT status FROM generation_runs").fetchall() == [("completed",)]


def test_fingerprints_match_sql_function(db: psycopg.Connection) -> None:
    """Every (kind, code path) fingerprint equals SQL error_fingerprint() of its message."""
    assert len(set(VAR_FINGERPRINT)) == len(VAR_FINGERPRINT)
    for kind, suffix, fp in zip(VAR_KIND, VAR_SUFFIX, VAR_FINGERPRINT, strict=True):
        etype, svc, msg, _ = P.ERROR_KINDS[kind]
        text = msg.replace("{n}", "4711") + suffix
        row = db.execute("SELECT error_fingerprint(%s, %s, %s)", (svc, etype, text)).fetchone()
        nine = msg.replace("{n}", "9") + suffix
        assert row is not None and row[0] == fp == fingerprint(svc, etype, nine)


def test_rerun_refuses_then_replace_works(db_dsn: str, db: psycopg.Connection, tiny) -> None:
    load_scenario(db_dsn, tiny)
    with pytest.raises(UserError, match=r"already loaded.*--replace"):
        load_scenario(db_dsn, tiny)
    other = build_scenario("tiny", seed=8)
    with pytest.raises(UserError, match=r"not empty.*--replace"):
        load_scenario(db_dsn, other)
    summary = load_scenario(db_dsn, other, replace=True)
    row = db.execute("SELECT count(*) FROM performance_metrics").fetchone()
    assert row is not None and row[0] == summary.rows["performance_metrics"]


def test_interrupted_load_leaves_whole_chunks(
    db_dsn: str, db: psycopg.Connection, tiny, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wedsync_analytics import load

    calls = {"n": 0}
    original = load.copy_table

    def flaky(conn, t, frames, total, progress=None, **options):  # type: ignore[no-untyped-def]
        if t.name == "performance_metrics":

            def stop(name: str, done: int, total: int) -> None:
                if done >= 2 * 500:
                    raise KeyboardInterrupt

            return original(conn, t, frames, total, stop, **options)
        calls["n"] += 1
        return original(conn, t, frames, total, progress, **options)

    monkeypatch.setattr(load, "copy_table", flaky)
    with pytest.raises(Interrupted, match="is marked interrupted"):  # Ctrl-C, said in one line
        load_scenario(db_dsn, tiny, chunk_rows=500, bulk=False)
    row = db.execute("SELECT count(*) FROM performance_metrics").fetchone()
    assert row is not None and row[0] % 500 == 0 and row[0] >= 1000
    assert db.execute("SELECT status FROM generation_runs").fetchall() == [("interrupted",)]
    with pytest.raises(UserError, match="already loaded"):
        load_scenario(db_dsn, tiny)


def test_cli_generate_loads_then_refuses_rerun(
    db_dsn: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from wedsync_analytics.cli.main import run

    args = ["generate", "--scale", "tiny", "--seed", "4", "--dsn", db_dsn]
    with pytest.raises(SystemExit) as exc:
        run(args)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "performance_metrics" in out and "rows/s" in out
    with pytest.raises(SystemExit) as exc:
        run(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "already loaded" in err and len(err.splitlines()) == 1


def test_concurrent_load_is_refused(db_dsn: str, db: psycopg.Connection, tiny) -> None:
    from wedsync_analytics.load import LOAD_LOCK_KEY

    db.execute("SELECT pg_advisory_lock(%s)", (LOAD_LOCK_KEY,))
    with pytest.raises(UserError, match="another load into this database is running"):
        load_scenario(db_dsn, tiny)
    db.execute("SELECT pg_advisory_unlock(%s)", (LOAD_LOCK_KEY,))
    assert db.execute("SELECT count(*) FROM generation_runs").fetchone() == (0,)
    load_scenario(db_dsn, tiny)
    assert db.execute("SELECT status FROM generation_runs").fetchall() == [("completed",)]
