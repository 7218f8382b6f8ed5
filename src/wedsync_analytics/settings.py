"""Every environment variable the package reads: read and validated here, and only here.

Each is read when asked for (so a bad benchmark size never stops `db url`), and a bad
value is a UserError naming the variable and what it takes. An empty value counts as unset.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wedsync_analytics.errors import UserError


@dataclass(frozen=True)
class Variable:
    """One environment variable (what each sets: README, "Settings")."""

    name: str
    default: str | None = None

    def raw(self) -> str | None:
        value = os.environ.get(self.name, "")
        return value if value.strip() else None


DSN = Variable("WEDSYNC_DSN")
HOME = Variable("WEDSYNC_HOME")
PG_PORT = Variable("WEDSYNC_PG_PORT", "54329")
DEBUG = Variable("WEDSYNC_DEBUG", "0")
BENCH_ROWS = Variable("WSA_BENCH_ROWS", "10000000")
BENCH_COPY_ROWS = Variable("WSA_BENCH_COPY_ROWS", "300000")
BENCH_SCALE = Variable("WSA_BENCH_SCALE", "season")
BENCH_DAYS = Variable("WSA_BENCH_DAYS")
NOTEBOOK_DATA = Variable("WEDSYNC_NOTEBOOK_DATA")
NOTEBOOK_BENCH = Variable("WEDSYNC_NOTEBOOK_BENCH")
NOTEBOOK_CAPACITY = Variable("WEDSYNC_NOTEBOOK_CAPACITY")

VARIABLES = (
    DSN,
    HOME,
    PG_PORT,
    DEBUG,
    BENCH_ROWS,
    BENCH_COPY_ROWS,
    BENCH_SCALE,
    BENCH_DAYS,
    NOTEBOOK_DATA,
    NOTEBOOK_BENCH,
    NOTEBOOK_CAPACITY,
)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _positive(var: Variable, what: str) -> int | None:
    text = var.raw()
    if text is None:
        return None
    if not text.strip().isdigit() or int(text) < 1:
        raise UserError(f"{var.name}={text!r} is not {what}: use a positive whole number")
    return int(text)


def dsn() -> str | None:
    """`$WEDSYNC_DSN`, or None (the embedded server)."""
    return DSN.raw()


def home() -> Path:
    """Home of the embedded server: `$WEDSYNC_HOME`, else a per-user data directory.

    As root the server must run as an unprivileged user, who cannot enter `/root`,
    so root's default is `/var/lib/wedsync-analytics`.
    """
    chosen = HOME.raw()
    if chosen:
        return Path(chosen).expanduser().resolve()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/wedsync-analytics")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "wedsync-analytics"


def pg_port() -> int:
    """`$WEDSYNC_PG_PORT` (1-65535), else 54329."""
    text = PG_PORT.raw() or str(PG_PORT.default)
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise UserError(f"WEDSYNC_PG_PORT={text!r} is not a port number: use 1 to 65535")
    return int(text)


def debug() -> bool:
    """Whether `$WEDSYNC_DEBUG` asks for tracebacks."""
    text = (DEBUG.raw() or str(DEBUG.default)).strip().lower()
    if text not in _TRUE | _FALSE:
        raise UserError(f"WEDSYNC_DEBUG={text!r}: use 1 or 0")
    return text in _TRUE


def bench_rows() -> int:
    return _positive(BENCH_ROWS, "a row count") or int(str(BENCH_ROWS.default))


def bench_copy_rows() -> int:
    return _positive(BENCH_COPY_ROWS, "a row count") or int(str(BENCH_COPY_ROWS.default))


def bench_scale() -> str:
    from wedsync_analytics.generate.scenario import PRESETS

    text = BENCH_SCALE.raw() or str(BENCH_SCALE.default)
    if text not in PRESETS:
        raise UserError(f"WSA_BENCH_SCALE={text!r} is not a scale: use one of {', '.join(PRESETS)}")
    return text


def bench_days() -> int | None:
    return _positive(BENCH_DAYS, "a number of days")


def _folder(var: Variable) -> Path | None:
    text = var.raw()
    return Path(text.strip()).expanduser() if text is not None else None


def notebook_data() -> Path | None:
    """`$WEDSYNC_NOTEBOOK_DATA`: the export or `generate --out` folder the notebooks read."""
    return _folder(NOTEBOOK_DATA)


def notebook_bench() -> Path | None:
    """`$WEDSYNC_NOTEBOOK_BENCH`: the `bench --out` folder the capacity notebook reads."""
    return _folder(NOTEBOOK_BENCH)


def notebook_capacity() -> Path | None:
    """`$WEDSYNC_NOTEBOOK_CAPACITY`: the `capacity --out` folder the capacity notebook reads."""
    return _folder(NOTEBOOK_CAPACITY)
