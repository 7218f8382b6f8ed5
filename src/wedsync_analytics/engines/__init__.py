"""The engines that run the analyses, one folder each, registered here by one line.

`wedsync_analytics.engines.<name>` defines `ENGINE`, a subclass of `base.Engine`.
Modules are imported only when an engine is used (Spark's import is heavy); the
interface and `Source` are in `engines.base`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wedsync_analytics.engines.base import Engine

# engine name -> the libraries whose exceptions are that engine's errors (the CLI prints
# those as one line)
ENGINES: dict[str, tuple[str, ...]] = {
    "postgres": ("psycopg", "adbc_driver_manager"),
    "duckdb": ("duckdb", "_duckdb"),
    "polars": ("polars", "pyarrow"),
    "spark": ("pyspark", "py4j", "grpc"),
}
# what `validate` runs unless told otherwise: the in-process engines (Spark starts a JVM)
DEFAULT_ENGINES: tuple[str, ...] = ("postgres", "duckdb", "polars")


def engine_class(name: str) -> type[Engine]:
    """The engine class registered as `name`."""
    if name not in ENGINES:
        from wedsync_analytics.errors import UserError

        raise UserError(f"no engine {name!r}; choose from {', '.join(ENGINES)}")
    cls: type[Engine] = importlib.import_module(f"wedsync_analytics.engines.{name}").ENGINE
    return cls
