"""Running the CLI as a user does: a subprocess, and the one-line error check."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m wedsync_analytics ARGS` in a subprocess."""
    full_env = dict(os.environ)
    full_env.pop("WEDSYNC_DSN", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "wedsync_analytics", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
        check=False,
    )


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """A failed run printed one error line with every fragment, and no traceback."""
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    for fragment in fragments:
        assert fragment in lines[0]
