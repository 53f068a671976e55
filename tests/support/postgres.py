"""A real PostgreSQL server for the tests, started by the test run itself.

It uses the server binaries of the machine (the distribution's postgresql package, which
`.ci/run` installs when they are missing). The cluster lives in a temporary folder, listens on
loopback only, trusts local connections and skips fsync: it exists for one test run. Each test
gets a database of its own.

PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.sandbox.world import free_port

# Set by .ci/run: there, a missing server is a failure, not a reason to skip.
REQUIRED_ENV = "MEETERGO_TESTS_NEED_POSTGRES"


class NoPostgres(Exception):
    """No PostgreSQL server can be started on this machine."""


@dataclass(frozen=True)
class PostgresServer:
    """A running server: connect as `user` to `host`:`port`."""

    host: str
    port: int
    user: str

    def url(self, database: str = "postgres") -> str:
        """The connection URL of one database."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"


def _binaries() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if candidates:
        return Path(candidates[-1]).parent
    raise NoPostgres("no PostgreSQL server binaries (initdb, postgres) on this machine")


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway cluster, yield it, stop and delete it."""
    binaries = _binaries()
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise NoPostgres("running as root and there is no postgres user to run as") from None
        as_user = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="meetergo-pg-"))
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data = base / "data"
    user = "bot"
    server: subprocess.Popen[bytes] | None = None
    log_path = base / "server.log"
    log = log_path.open("wb")
    try:
        try:
            subprocess.run(
                [
                    *as_user,
                    *(str(binaries / "initdb"), "-D", str(data), "-U", user, "-A", "trust"),
                    *("-E", "UTF8", "--no-sync", "--no-instructions"),
                ],
                check=True,
                capture_output=True,
            )
            port = free_port()
            postgres = [str(binaries / "postgres"), "-D", str(data), "-p", str(port)]
            settings = ["listen_addresses=127.0.0.1", "fsync=off", "synchronous_commit=off"]
            settings += ["full_page_writes=off", "max_connections=300"]
            server = subprocess.Popen(
                [*as_user, *postgres, "-k", str(base), *(a for s in settings for a in ("-c", s))],
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
            _wait_until_up(port, server, log_path)
        except (OSError, subprocess.CalledProcessError) as error:
            raise NoPostgres(f"could not start PostgreSQL: {error}") from error
        # Outside the start's except: a failure of the caller's own is not the server's.
        yield PostgresServer("127.0.0.1", port, user)
    finally:
        if server is not None:
            server.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=20)
            if server.poll() is None:
                server.kill()
                server.wait()
        log.close()
        shutil.rmtree(base, ignore_errors=True)


def _wait_until_up(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = log.read_text(errors="replace")[-500:]
            raise NoPostgres(f"PostgreSQL exited at start: {said}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            # Accepting connections is not yet accepting logins; give it a moment more.
            time.sleep(0.2)
            return
        time.sleep(0.05)
    raise NoPostgres("PostgreSQL did not start within 30 s")
