"""Serving notebooks on this machine: Voilà dashboards and JupyterLab, started and stopped safely.

Owns the *local server* concept used by ``make present``, the browser tests and the screenshot
tool: a subprocess listening on a free loopback port, started in its own process group and
stopped by its process id (never by name). Also owns how a dashboard reads its parameters from
the URL: Voilà puts the request's query string in the kernel's ``QUERY_STRING`` environment
variable, and :func:`query_parameters` turns it into typed notebook parameters, so that
``http://127.0.0.1:8866/?target=15&volume_per_month=320`` opens the planner preset.
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
from typing import IO, Any
from urllib.parse import parse_qs

from slaplan.errors import SpecError

__all__ = [
    "LocalServer",
    "free_port",
    "query_parameters",
    "start_jupyter_lab",
    "start_server",
    "start_voila",
]

LOOPBACK = "127.0.0.1"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


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
        """Stop the server and its kernels: SIGTERM to its process group, SIGKILL if it lingers."""
        if self.process.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                _signal_group(self.pid, signal.SIGKILL)
                self.process.wait(timeout=timeout_s)
        # kernels the server started share its group; make sure none outlives it
        _signal_group(self.pid, signal.SIGKILL)

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


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


def start_voila(
    notebook: str | os.PathLike[str],
    *,
    port: int | None = None,
    host: str = LOOPBACK,
    ready_timeout_s: float = 60.0,
) -> LocalServer:
    """Serve ``notebook`` as a Voilà dashboard (no code shown) on ``host``; return the server.

    Examples
    --------
    >>> with start_voila("notebooks/02_target_planner.ipynb") as server:  # doctest: +SKIP
    ...     print(server.url + "?target=15")
    """
    notebook_path = Path(notebook).resolve()
    if not notebook_path.is_file():
        raise FileNotFoundError(2, "notebook not found", str(notebook_path))
    port = free_port(host) if port is None else port
    command = [
        *(sys.executable, "-m", "voila", str(notebook_path)),
        *("--no-browser", f"--port={port}", f"--Voila.ip={host}", "--theme=light"),
    ]
    # the notebook runs with cwd = its folder, as under nbval and papermill
    return start_server(
        command,
        port=port,
        host=host,
        cwd=notebook_path.parent,
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


def query_parameters(query_string: str | None = None, /, **defaults: Any) -> dict[str, Any]:
    """Return the notebook parameters ``defaults`` overridden by the page's URL query.

    Under Voilà the query string of the request is in the kernel's ``QUERY_STRING`` environment
    variable; elsewhere (JupyterLab, papermill, nbval) it is absent and the defaults come back
    unchanged. Each value is converted to the type of its default (``int``, ``float``, ``bool``
    from ``1/0/true/false/yes/no``, ``str``); keys that are not parameters are ignored.

    Parameters
    ----------
    query_string : str, optional
        The query to read (``"target=15&volume_per_month=320"``); default ``$QUERY_STRING``.
    **defaults
        Parameter names and their default values, as set in the notebook's parameters cell.

    Raises
    ------
    SpecError
        A query value cannot be read as its parameter's type.

    Examples
    --------
    >>> query_parameters("target=15&x=1", target=12, confidence=0.8)
    {'target': 15, 'confidence': 0.8}
    """
    raw = os.environ.get("QUERY_STRING", "") if query_string is None else query_string
    given = parse_qs(raw, keep_blank_values=False)
    values = dict(defaults)
    for name, default in defaults.items():
        if name in given:
            values[name] = _convert(name, given[name][-1], default)
    return values


def _convert(name: str, text: str, default: Any) -> Any:
    if isinstance(default, bool):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        rule = "one of 1/0/true/false/yes/no/on/off"
    elif isinstance(default, int | float):
        kind = type(default)
        try:
            number = kind(text)
        except ValueError:
            number = None
        if number is not None and number == number and abs(number) != float("inf"):
            return number
        rule = f"a finite {kind.__name__}"
    else:
        return text
    raise SpecError(f"URL parameter {name} must be {rule}, got {text!r}")
