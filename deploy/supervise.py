"""`make run`'s process manager: supervisord, running every line of deploy/Procfile and restarting what dies.

A process that exits (a crash, an OOM kill, a `kill -9`) is started again at once, as compose's
`restart: unless-stopped` does; one that keeps dying within its first seconds is retried after 1 s,
2 s, 3 s... (supervisord's back-off). Every start and exit is a log line. Ctrl-C or SIGTERM stops them
all: SIGTERM to each process group, SIGKILL after the grace period.

The Procfile stays the one list of processes (readable, and what a Heroku-like platform takes); this
writes supervisord's configuration from it into the run folder and hands over to supervisord.
Usage: python deploy/supervise.py PROCFILE RUN_DIR, or --check PROCFILE (what `make lint` runs).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Lines a process may need to start (imports, migrations already done, a port bound) before a quick
# exit counts as a failed start rather than a crash of a running process.
START_SECONDS = 3
GRACE_SECONDS = 15
# Processes whose clean exit is the end of their work (exit status 0 is not restarted).
ONE_SHOT = frozenset({"demo"})


def read_procfile(path: Path) -> list[tuple[str, str]]:
    """The (name, command) lines of a Procfile, comments and blank lines left out."""
    processes = []
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, command = line.partition(":")
        processes.append((name.strip(), command.strip()))
    return processes


def _quoted(command: str) -> str:
    # supervisord reads %(...)s in its values: a literal percent is written twice.
    return command.replace("%", "%%")


def configuration(processes: list[tuple[str, str]], *, root: Path, run_dir: Path) -> str:
    """supervisord's configuration: itself in the foreground, logging to stdout, then one program a process."""
    sections = [
        "[supervisord]\nnodaemon = true\nlogfile = /dev/stdout\nlogfile_maxbytes = 0\n"
        f"pidfile = {run_dir}/supervisord.pid\n",
        f"[unix_http_server]\nfile = {run_dir}/supervisor.sock\n",
        f"[supervisorctl]\nserverurl = unix://{run_dir}/supervisor.sock\n",
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n",
    ]
    for name, command in processes:
        one_shot = name in ONE_SHOT
        sections.append(
            f"[program:{name}]\n"
            f"command = /bin/sh -c '{_quoted(command)}'\n"
            f"directory = {root}\n"
            f"autorestart = {'unexpected' if one_shot else 'true'}\n"
            "exitcodes = 0\n"
            f"startsecs = {0 if one_shot else START_SECONDS}\n"
            "startretries = 1000\n"
            "stopasgroup = true\nkillasgroup = true\n"
            f"stopwaitsecs = {GRACE_SECONDS}\n"
            "redirect_stderr = true\nstdout_logfile = /dev/stdout\nstdout_logfile_maxbytes = 0\n"
        )
    return "\n".join(sections)


def _write(procfile: Path, run_dir: Path) -> Path:
    processes = read_procfile(procfile)
    if not processes:
        sys.exit(f"supervise: {procfile} names no process")
    for name, command in processes:
        if "'" in command or not name or not command:
            sys.exit(f"supervise: the Procfile line {name!r} needs a name, a command and no single quote")
    config = run_dir / "supervisord.conf"
    config.write_text(configuration(processes, root=procfile.parents[1], run_dir=run_dir))
    return config


def check(procfile: Path) -> None:
    """Write the configuration into a scratch folder and have supervisord's own parser read it."""
    from supervisor.options import ServerOptions

    with tempfile.TemporaryDirectory() as scratch:
        options = ServerOptions()
        options.realize(args=["--configuration", str(_write(procfile, Path(scratch)))])
        names = [group.name for group in options.process_group_configs]
    print(f"supervise: {procfile} holds {len(names)} processes: {', '.join(names)}")


def main(argv: list[str]) -> None:
    """Write the configuration and become supervisord (or only check it)."""
    if argv[1] == "--check":
        check(Path(argv[2]).resolve())
        return
    procfile, run_dir = Path(argv[1]).resolve(), Path(argv[2]).resolve()
    config = _write(procfile, run_dir)
    supervisord = Path(sys.executable).with_name("supervisord")
    os.execv(supervisord, [str(supervisord), "--nodaemon", "--configuration", str(config)])


if __name__ == "__main__":
    main(sys.argv)
