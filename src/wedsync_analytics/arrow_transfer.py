"""Placeholder until wip-export's arrow_transfer lands (same names): ADBC connections."""

from __future__ import annotations

import adbc_driver_manager
import adbc_driver_postgresql.dbapi as adbc
from adbc_driver_manager.dbapi import Connection

from wedsync_analytics.config import first_line, redact
from wedsync_analytics.errors import UserError


def adbc_connect(dsn: str) -> Connection:
    try:
        return adbc.connect(dsn, autocommit=True)
    except adbc_driver_manager.Error as exc:
        raise UserError(f"cannot connect to {redact(dsn)!r}: {first_line(exc)}") from exc


def run(conn: Connection, statement: str) -> None:
    with conn.cursor() as cur:
        cur.adbc_statement.set_sql_query(statement)
        cur.adbc_statement.execute_update()
