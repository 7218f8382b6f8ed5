"""Capacity volumes derived from ONE loaded dataset, not generated one by one.

The largest volume is the dataset of the scenario (`datasets.ensure_dataset`, bulk-loaded
once). Each smaller volume keeps its first `d` days: a `CREATE DATABASE ... TEMPLATE` clone
of the next larger volume whose time series lose every row at or after the local midnight
(the market's time zone, as the generator's days) ending day `d` (`sql/capacity/trim_to.sql`,
cascading to the rows that reference them), then VACUUM ANALYZE. Rows are stored in time
order (the generator emits them so), so the VACUUM truncates the emptied tail of each table.
A finished volume is marked by a comment on its database and reused by later runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from psycopg import sql

from wedsync_analytics.bench import datasets
from wedsync_analytics.config import connect
from wedsync_analytics.errors import UserError
from wedsync_analytics.generate import Scenario
from wedsync_analytics.generate.calendar import market
from wedsync_analytics.paths import sql_text

Say = Callable[[str], None]
MARK = "wedsync capacity volume"


def volume_name(scenario: Scenario, days: int) -> str:
    """`<dataset>_t<days>`: the dataset trimmed to its first `days` days."""
    return f"{datasets.dataset_name(scenario)}_t{days}"


def cutoff(scenario: Scenario, days: int) -> datetime:
    """The local midnight (market time zone) that ends day `days` of the scenario."""
    tz = ZoneInfo(market(scenario.market).timezone)
    return datetime.combine(scenario.start + timedelta(days=days), time(), tz)


def _mark(scenario: Scenario, days: int) -> str:
    return f"{MARK}: scenario {scenario.fingerprint}, first {days} days"


def _comment(admin_dsn: str, name: str) -> tuple[bool, str | None]:
    with connect(admin_dsn, autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            (name,),
        ).fetchone()
    return (row is not None, row[0] if row else None)


def ensure_volumes(admin_dsn: str, scenario: Scenario, days: list[int], say: Say) -> dict[int, str]:
    """Database name of each volume (day count), building the missing ones, largest first."""
    if max(days) > scenario.days:
        raise UserError(f"a volume of {max(days)} days exceeds the scenario's {scenario.days}")
    datasets.ensure_dataset(admin_dsn, scenario, say)
    source = datasets.dataset_name(scenario)
    names: dict[int, str] = {}
    for d in sorted(set(days), reverse=True):
        if d == scenario.days:
            names[d] = source
            continue
        name = volume_name(scenario, d)
        exists, comment = _comment(admin_dsn, name)
        if exists and comment == _mark(scenario, d):
            say(f"volume {name}: reusing the first {d} days")
        else:
            if exists and not (
                (comment or "").startswith(MARK)
                or datasets._ours(datasets.with_database(admin_dsn, name))
            ):
                raise UserError(
                    f"database {name} exists and is not a capacity volume: nothing done; "
                    "drop or rename it"
                )
            _trim(admin_dsn, scenario, source, name, d, say)
        names[d] = source = name
    return names


def _trim(admin_dsn: str, scenario: Scenario, source: str, name: str, d: int, say: Say) -> None:
    say(f"volume {name}: cloning {source} and keeping its first {d} days")
    dsn = datasets.clone(admin_dsn, source, name)
    with connect(dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT set_config('wedsync.trim_cutoff', %s, false)",
            (cutoff(scenario, d).isoformat(),),
        )
        conn.execute(sql_text("capacity/trim_to").encode())
        conn.execute("VACUUM ANALYZE")
    with connect(admin_dsn, autocommit=True) as admin:
        admin.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(_mark(scenario, d))
            )
        )
