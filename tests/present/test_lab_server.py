"""JupyterLab starts headless on loopback, answers, lists the notebooks, and stops by its PID."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from slaplan.present.voila import start_jupyter_lab


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def test_jupyter_lab_answers_and_lists_the_notebooks(project_root: Path) -> None:
    notebook_dir = project_root / "notebooks"
    expected = sorted(path.name for path in notebook_dir.glob("*.ipynb"))
    server = start_jupyter_lab(notebook_dir)
    try:
        status, body = _get(server.url + "api/status")
        assert status == 200 and "started" in json.loads(body)

        status, body = _get(server.url + "api/contents/")
        listed = sorted(
            item["name"] for item in json.loads(body)["content"] if item["type"] == "notebook"
        )
        assert status == 200 and listed == expected and expected

        status, body = _get(server.url + "lab")
        assert status == 200 and "JupyterLab" in body
    finally:
        server.stop()
    assert server.process.poll() is not None, f"jupyter lab (pid {server.pid}) still running"
