"""The SparkSession: local (`local[*]`, a modest JVM, quiet logs) or Spark Connect.

A remote cluster is used when `--spark-remote sc://host:15002` (Source option
`spark_remote`) or the environment variable SPARK_REMOTE names one; otherwise a local
session starts in this process's JVM, which needs Java 17+. One session per process,
reused by every engine instance (`getOrCreate`); `stop()` ends it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

JAVA_HINT = (
    "Spark needs Java 17 or newer: install it (e.g. `apt-get install openjdk-17-jre-headless`) "
    "or point JAVA_HOME at one, or use a Spark Connect server with --spark-remote / SPARK_REMOTE"
)
LOCAL_SETTINGS = {
    "spark.master": "local[*]",
    "spark.app.name": "wedsync-analytics",
    "spark.driver.memory": "1g",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",  # small results; the default 200 tasks cost seconds
    "spark.pyspark.python": sys.executable,  # the analyses need no Python workers; if any, ours
    "spark.driver.extraJavaOptions": (
        f"-Dlog4j2.configurationFile={Path(__file__).with_name('log4j2.properties').as_uri()}"
    ),
}
SESSION_SETTINGS = {"spark.sql.session.timeZone": "UTC"}  # hours, days, weekdays, months in UTC


def java_version() -> int | None:
    """Major version of `$JAVA_HOME/bin/java` (else `java` on PATH), None when absent."""
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        return None
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def remote_url(options: Mapping[str, str] | None = None) -> str | None:
    """The Spark Connect URL to use, if any: the option, else SPARK_REMOTE."""
    return (options or {}).get("spark_remote") or os.environ.get("SPARK_REMOTE") or None


def missing_requirement(options: Mapping[str, str] | None = None) -> str | None:
    """Why a Spark session cannot start here, or None."""
    if remote_url(options):
        return None
    version = java_version()
    if version is None or version < 17:
        found = "no Java found" if version is None else f"found Java {version}"
        return f"{JAVA_HINT} ({found})"
    return None


_SESSIONS: dict[str | None, Any] = {}


def spark_session(remote: str | None) -> Any:
    """The process's SparkSession (local when `remote` is None), started on first use."""
    if remote in _SESSIONS:
        return _SESSIONS[remote]
    warnings.filterwarnings("ignore", message=".*pandas >= 3.0.0.*")  # pyspark 4.3's notice
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    if remote:
        spark = builder.remote(remote).getOrCreate()
    else:
        # Python workers (a cluster task's map) run this interpreter, which has the package;
        # pyspark reads the variable, not only `spark.pyspark.python`, when it starts them
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        for key, value in LOCAL_SETTINGS.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
    for key, value in SESSION_SETTINGS.items():
        spark.conf.set(key, value)
    _SESSIONS[remote] = spark
    return spark


def stop() -> None:
    """Stop the sessions this process started (the tests do so once, at the end)."""
    while _SESSIONS:
        _SESSIONS.popitem()[1].stop()
