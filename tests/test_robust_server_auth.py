"""No one else in: the embedded server asks every connection for the password, which only
its owner can read; another OS user (`nobody`) is refused, by TCP and by the socket."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest

from wedsync_analytics.server import EmbeddedServer, _bin_dir, free_port

RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
QUERY = ("-Atc", "SELECT current_user")


def _as_nobody(conninfo: str) -> subprocess.CompletedProcess[str]:
    """`psql -w` (never prompt) run as the OS user `nobody`, with no password given."""
    env = {"PATH": "/usr/bin:/bin", "HOME": "/", "PGCONNECT_TIMEOUT": "10"}
    return subprocess.run(
        [RUNUSER, "-u", "nobody", "--", str(_bin_dir() / "psql"), "-w", conninfo, *QUERY],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


def _require_root_and_embedded() -> None:
    if os.geteuid() != 0:
        pytest.fail("this test runs a command as `nobody` and needs root (as CI runs)")


def _check_refused(server: EmbeddedServer) -> None:
    for conninfo in (
        f"host=127.0.0.1 port={server.port} user=postgres dbname=postgres",
        server.url("postgres"),  # the owner's URL: its password file is unreadable to nobody
        f"host={server.socket_dir} port={server.port} user=postgres dbname=postgres",
    ):
        done = _as_nobody(conninfo)
        assert done.returncode != 0 and "postgres" not in done.stdout, (conninfo, done)
        assert "password" in done.stderr, done.stderr
    mode = stat.S_IMODE(server.passfile.stat().st_mode)
    assert mode == 0o600 and server.passfile.stat().st_uid == os.geteuid()
    with psycopg.connect(server.url("postgres")) as conn:  # the owner gets in
        assert conn.execute("SELECT current_user").fetchone() == ("postgres",)


def test_another_os_user_is_refused(pg_admin_dsn: str) -> None:
    _require_root_and_embedded()
    if os.environ.get("WEDSYNC_DSN"):
        pytest.skip("the suite runs on an external server, not the embedded one")
    info = psycopg.conninfo.conninfo_to_dict(pg_admin_dsn)
    home = Path(str(info["passfile"])).parent
    _check_refused(EmbeddedServer(home=home, port=int(str(info["port"]))))


def test_a_trust_data_directory_is_moved_to_passwords(capfd: pytest.CaptureFixture[str]) -> None:
    _require_root_and_embedded()
    # Outside pytest's tmp tree, which pytest keeps at 0700 (the server's user must enter it).
    home = Path(tempfile.mkdtemp(prefix="wsa-trust-"))
    home.chmod(0o755)
    server = EmbeddedServer(home=home / "old", port=free_port())
    server._prepare_home()
    made = server._run(  # what earlier versions did
        "initdb",
        ["-D", str(server.data_dir), "-U", "postgres", "--auth=trust", "--locale=C", "-E", "UTF8"],
    )
    assert made.returncode == 0, made.stderr
    try:
        assert server.start()
        assert (
            "trusted every local connection; it now requires a password" in capfd.readouterr().err
        )
        _check_refused(server)
        server.stop()
        assert server.start()  # the setting stays
        _check_refused(server)
    finally:
        server.destroy()
        shutil.rmtree(home, ignore_errors=True)
