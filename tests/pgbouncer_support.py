"""A PgBouncer in transaction pooling mode in front of the local PostgreSQL, started by the test that needs it."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.access_support import free_port


def pgbouncer_binary() -> str:
    """PgBouncer's binary; deploy/ensure-infra.sh installs it (Debian's package) for `make test` and CI."""
    found = os.environ.get("NEGOCE_PGBOUNCER_BIN") or shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not os.access(found, os.X_OK):
        raise RuntimeError(
            "PgBouncer is not installed: run deploy/ensure-infra.sh pgbouncer (apt-get install pgbouncer)"
        )
    return found


@contextmanager
def pgbouncer(*, server_pool_size: int = 4, ignored_parameters: str = "") -> Iterator[int]:
    """Run PgBouncer on a free port, transaction pooling, ``server_pool_size`` server connections per database.

    Every database of the local server is reachable through it by its name, as user postgres
    without a password (the server trusts that user on the loopback). ``ignored_parameters``: startup
    parameters PgBouncer drops instead of refusing the connection (ignore_startup_parameters).
    """
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="negoce-pgbouncer-"))
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(
        "\n".join(
            [
                "[databases]",
                "* = host=127.0.0.1 port=5432",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {folder / 'users.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {server_pool_size}",
                "max_client_conn = 500",
                f"logfile = {folder / 'pgbouncer.log'}",
                f"pidfile = {folder / 'pgbouncer.pid'}",
                f"ignore_startup_parameters = {ignored_parameters}",
            ]
        )
        + "\n"
    )
    command = [pgbouncer_binary(), "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: it switches to the postgres user
        postgres = pwd.getpwnam("postgres")
        for path in [folder, *folder.iterdir()]:
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_for(port, process, folder)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return
        if process.poll() is not None:
            break
        time.sleep(0.05)
    log = (folder / "pgbouncer.log").read_text() if (folder / "pgbouncer.log").exists() else ""
    stderr = process.stderr.read().decode() if process.stderr and process.poll() is not None else ""
    raise RuntimeError(f"PgBouncer did not start on port {port}:\n{stderr}\n{log}")


def through(url: str, port: int) -> str:
    """The same database URL, through PgBouncer on ``port``."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
