"""A real PostgreSQL server for the tests: a temporary cluster, started once per session.

The server runs from the system's binaries (Debian's ``postgresql`` package, installed by
``.ci/run``) on a temporary data directory, listening on 127.0.0.1 at a free port, with a
password (scram-sha-256) so that the tests exercise real credentials, and in the
America/New_York time zone so that ``timestamptz`` values really are converted. As root it
runs as the ``postgres`` user (PostgreSQL refuses to run as root). :func:`start` raises
:class:`Unavailable` with the reason when the server cannot start; the fixture turns that into
a skip that says why.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

USER = "slaplan"
PASSWORD_VARIABLE = "SLAPLAN_TEST_PGPASSWORD"


class Unavailable(RuntimeError):
    """The server cannot start here (the message says why)."""


@dataclass(frozen=True)
class Server:
    """A running server: ``url`` refers to the password through ``${SLAPLAN_TEST_PGPASSWORD}``."""

    root: Path
    port: int
    password: str
    run_as: tuple[str, ...]
    bindir: Path

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:${{{PASSWORD_VARIABLE}}}@127.0.0.1:{self.port}/postgres"

    @property
    def conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
             "fast", "-w", "stop"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.root, ignore_errors=True)


def _bindir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version)
    if versions:
        return Path(versions[-1]).parent
    raise Unavailable("no PostgreSQL server binaries (pg_ctl) on PATH or in /usr/lib/postgresql")


def _version(path: str) -> float:
    try:
        return float(Path(path).parents[1].name)
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run_as(root: Path) -> tuple[str, ...]:
    """Run as ``postgres`` when we are root (PostgreSQL refuses root), owning ``root``."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser to start PostgreSQL as 'postgres'")
    try:
        shutil.chown(root, user="postgres")
    except LookupError as exc:
        raise Unavailable("running as root and there is no 'postgres' user") from exc
    return ("runuser", "-u", "postgres", "--")


def start() -> Server:
    """Initialise a cluster in a new temporary folder and start it (stop it with ``stop``)."""
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="slaplan-pg-"))
    try:
        run_as = _run_as(root)
        password = secrets.token_urlsafe(18)
        (root / "pw").write_text(password + "\n")
        if run_as:
            shutil.chown(root / "pw", user="postgres")
        _check(
            [*run_as, str(bindir / "initdb"), "-D", str(root / "data"), "-U", USER,
             f"--pwfile={root / 'pw'}", "-A", "scram-sha-256", "-E", "UTF8", "--locale=C",
             "--no-sync"],
            "initdb",
        )  # fmt: skip
        (root / "pw").unlink()
        port = _free_port()
        options = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c timezone=America/New_York"
        )
        _check(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(root / "data"), "-o", options, "-l",
             str(root / "server.log"), "-w", "-t", "60", "start"],
            "pg_ctl start",
            log=root / "server.log",
        )  # fmt: skip
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return Server(root=root, port=port, password=password, run_as=run_as, bindir=bindir)


def _check(command: list[str], what: str, log: Path | None = None) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        if log is not None and log.exists():
            detail += log.read_text(errors="replace").strip().splitlines()
        raise Unavailable(f"{what} failed: {' | '.join(detail[-3:])}")
