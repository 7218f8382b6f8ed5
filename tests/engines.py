"""Which engines the tests run: every registered engine that can run on this machine."""

from __future__ import annotations

from wedsync_analytics.engines import ENGINES, engine_class
from wedsync_analytics.engines.spark.session import missing_requirement

JAVA_MISSING = missing_requirement({})  # None where Spark can start a local session


def runnable_engines() -> list[str]:
    """Registered engines whose requirements are met here (Spark needs Java 17+)."""
    return [name for name in ENGINES if engine_class(name).missing({}) is None]
