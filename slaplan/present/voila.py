"""Serving notebooks on this machine: Voilà dashboards and JupyterLab, started and stopped safely.

Owns the *local server* concept used by ``make present``, the browser tests and the screenshot
tool: a subprocess listening on a loopback port, started in its own process group and stopped
by its process id (never by name). :func:`start_voila` serves one notebook or a folder of them
with the project's Voilà settings (:func:`voila_config_dir`: the page is the dashboard, kernels
end with their page, kernels on IPC); :meth:`LocalServer.kernel_pids` lists the kernels the
server is running, which is how the tests see that a closed page's kernel has ended. What the
page itself runs (dashboard cells, URL parameters) is :mod:`slaplan.present.voila_page`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

__all__ = [
    "LocalServer",
    "free_port",
    "start_jupyter_lab",
    "start_server",
    "start_voila",
    "voila_config_dir",
]

LOOPBACK = "127.0.0.1"
VOILA_PORT = 8866  # the port `make present` states in the README
_KERNEL_MODULE = "ipykernel_launcher"


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port that is free on ``host`` right now (the OS picks it).

    Examples
    --------
    >>> 0 < free_port() < 65536
    True
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, kw_only=True)
class LocalServer:
    """A server subprocess listening on ``url``; a context manager that stops it on exit.

    Attributes
    ----------
    url : str
        Base URL, ending with ``/``.
    pid : int
        Process id of the server (also the id of its process group, which holds its kernels).
    log_path : pathlib.Path
        File collecting the server's stdout and stderr (read it when something fails).

    Examples
    --------
    >>> import sys, urllib.request
    >>> port = free_port()
    >>> command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    >>> with start_server(command, port=port, name="http.server") as server:
    ...     urllib.request.urlopen(server.url, timeout=10).status
    200
    >>> server.process.poll() is not None  # stopped on leaving the block
    True
    """

    url: str
    pid: int
    log_path: Path
    process: subprocess.Popen = field(repr=False, compare=False)

    def log_tail(self, chars: int = 3000) -> str:
        """Return the last ``chars`` characters of the server log."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    def stop(self, *, timeout_s: float = 15.0) -> None:
        """Stop the server and its kernels: SIGTERM to its process group, SIGKILL if it lingers.

        The server shuts its kernels down on SIGTERM; a kernel still alive afterwards (the
        server was killed) is killed by its process id.
        """
        kernels = self.kernel_pids() if self.process.poll() is None else []
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout_s)
        _signal_group(self.pid, signal.SIGKILL)  # helpers left in the server's group
        for pid in kernels:  # kernels run in sessions of their own (jupyter_client)
            if _is_kernel(pid):  # still that kernel, not a process that reused its id
                _kill(pid)

    def kernel_pids(self) -> list[int]:
        """Process ids of the kernels this server runs now (its child processes, via ``ps``).

        jupyter_client starts each kernel in a session of its own, so the kernels are found as
        the server's children, not in its process group.

        Examples
        --------
        >>> import sys
        >>> port = free_port()
        >>> command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
        >>> with start_server(command, port=port, name="http.server") as server:
        ...     server.kernel_pids()  # an HTTP server starts no kernel
        []
        """
        listing = subprocess.run(
            ["ps", "-e", "-ww", "-o", "pid=,ppid=,args="],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        pids = []
        for line in listing.splitlines():
            fields = line.split(None, 2)
            if len(fields) == 3 and int(fields[1]) == self.pid and _KERNEL_MODULE in fields[2]:
                pids.append(int(fields[0]))
        return sorted(pids)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _is_kernel(pid: int) -> bool:
    shown = subprocess.run(
        ["ps", "-ww", "-p", str(pid), "-o", "args="], capture_output=True, text=True
    )
    return _KERNEL_MODULE in shown.stdout


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def start_server(
    command: list[str],
    *,
    port: int,
    host: str = LOOPBACK,
    cwd: str | os.PathLike[str] | None = None,
    ready_timeout_s: float = 60.0,
    name: str = "server",
) -> LocalServer:
    """Start ``command`` (a server that will listen on ``host:port``) and wait until it accepts.

    The process runs in a new session, so :meth:`LocalServer.stop` can end it and the kernels it
    started by its process id. Raises ``RuntimeError`` with the end of the server log if the
    process exits or does not listen within ``ready_timeout_s`` seconds.
    """
    log_file: IO[bytes] = tempfile.NamedTemporaryFile(
        prefix=f"slaplan-{name}-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log_file.close()
    server = LocalServer(
        url=f"http://{host}:{port}/", pid=process.pid, log_path=Path(log_file.name), process=process
    )
    deadline = time.monotonic() + ready_timeout_s
    while not _accepts(host, port):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            state = "exited" if process.poll() is not None else "did not listen in time"
            raise RuntimeError(f"{name} {state} (port {port}):\n{server.log_tail()}")
        time.sleep(0.1)
    return server


def _accepts(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1.0).close()
    except OSError:
        return False
    return True


def voila_config_dir() -> Path:
    """The folder holding the project's Voilà settings (``etc/voila.py`` beside ``slaplan/``).

    Examples
    --------
    >>> (voila_config_dir() / "voila.py").is_file()
    True
    """
    import slaplan

    return Path(slaplan.__file__).resolve().parent.parent / "etc"


def start_voila(
    path: str | os.PathLike[str],
    *,
    port: int | None = None,
    host: str = LOOPBACK,
    ready_timeout_s: float = 60.0,
    options: tuple[str, ...] = (),
) -> LocalServer:
    """Serve a notebook, or a folder of notebooks, with Voilà (no code shown); return the server.

    The server reads the project's settings (:func:`voila_config_dir`); ``options`` are more
    command-line settings, which win over the file (e.g.
    ``("--MappingKernelManager.cull_idle_timeout=5",)``). A folder is served as Voilà's tree:
    the list of notebooks at the server's root, each at ``voila/render/<name>.ipynb``.

    Examples
    --------
    >>> with start_voila("notebooks") as server:  # doctest: +SKIP
    ...     print(server.url + "voila/render/02_target_planner.ipynb?target=15")
    """
    target = Path(path).resolve()
    if not target.exists():
        raise FileNotFoundError(2, "notebook not found", str(target))
    port = free_port(host) if port is None else port
    command = [
        *(sys.executable, "-m", "voila", str(target)),
        *("--no-browser", f"--port={port}", f"--Voila.ip={host}", "--theme=light"),
        f"--Voila.config_file_paths={voila_config_dir()}",
        *options,
    ]
    # the notebook runs with cwd = its folder, as under nbval and papermill
    return start_server(
        command,
        port=port,
        host=host,
        cwd=target if target.is_dir() else target.parent,
        ready_timeout_s=ready_timeout_s,
        name="voila",
    )


def start_jupyter_lab(
    notebook_dir: str | os.PathLike[str],
    *,
    port: int | None = None,
    host: str = LOOPBACK,
    ready_timeout_s: float = 60.0,
) -> LocalServer:
    """Start JupyterLab headless on ``host`` with the token disabled (loopback only); return it.

    ``--allow-root`` is passed only when running as root (containers, CI).

    Examples
    --------
    >>> with start_jupyter_lab("notebooks") as lab:  # doctest: +SKIP
    ...     print(lab.url + "lab")
    http://127.0.0.1:40123/lab
    """
    port = free_port(host) if port is None else port
    command = [
        *(sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}"),
        *(f"--ServerApp.ip={host}", f"--ServerApp.root_dir={Path(notebook_dir).resolve()}"),
        *("--IdentityProvider.token=", "--ServerApp.password="),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    return start_server(
        command, port=port, host=host, ready_timeout_s=ready_timeout_s, name="jupyterlab"
    )
