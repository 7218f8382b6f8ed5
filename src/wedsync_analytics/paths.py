"""Where things live: the SQL files shipped with the package and the embedded server's home."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from wedsync_analytics import settings


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
    """Home of the embedded server (see `settings.home`)."""
    return settings.home()
