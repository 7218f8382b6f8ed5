"""The embedded server starts with the bulk-load settings, beside its caller's own."""

from __future__ import annotations

import psycopg
import pytest

from wedsync_analytics.server import BULK_LOAD_SETTINGS
from wedsync_analytics.settings import dsn as settings_dsn


def test_the_embedded_server_runs_with_the_bulk_load_settings(pg_admin_dsn: str) -> None:
    if settings_dsn():
        pytest.skip("WEDSYNC_DSN names an external server, whose settings are its own")
    with psycopg.connect(pg_admin_dsn) as conn:
        shown = {name: conn.execute(f"SHOW {name}").fetchone() for name, _ in BULK_LOAD_SETTINGS}
        fsync = conn.execute("SHOW fsync").fetchone()
    assert shown == {name: (value,) for name, value in BULK_LOAD_SETTINGS}
    assert fsync == ("off",)  # the test session's own setting, given with them
