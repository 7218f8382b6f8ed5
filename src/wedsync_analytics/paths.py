"""Where things live: the SQL files shipped with the package and the embedded server's home."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def sql_dir() -> Path:
    """The `sql/` directory: packaged in a wheel, or the repository's own in an editable install."""
    packaged = Path(__file__).parent / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "sql"


def sql_text(name: str) -> str:
    """Text of a `.sql` file by its path relative to `sql/`, e.g. `views/percentiles.sql`."""
    path = sql_dir() / name
    if path.suffix != ".sql":
        path = path.with_suffix(".sql")
    return path.read_text(encoding="utf-8")


def wedsync_home() -> Path:
    """Home of the embedded server: `$WEDSYNC_HOME`, else a per-user data directory.

    As root the server must run as an unprivileged user, who cannot enter `/root`,
    so root's default is `/var/lib/wedsync-analytics`.
    """
    env = os.environ.get("WEDSYNC_HOME")
    if env:
        return Path(env).expanduser().resolve()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/wedsync-analytics")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wedsync-analytics"
