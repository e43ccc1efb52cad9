"""components.data.child: the project's modules run in a child process from anywhere."""

from __future__ import annotations

import subprocess

import pytest

from components.data.child import run_module


def test_a_module_is_found_from_another_folder_with_a_safe_path(tmp_path, monkeypatch):
    """PYTHONSAFEPATH keeps ``python -m`` from adding the working folder: the project
    is put on the path itself (the server may run from anywhere)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONSAFEPATH", "1")
    done = run_module("components.map.places", timeout=120)
    assert done.returncode == 2, done.stderr  # its own usage message, not an import error
    assert "usage: python -m components.map.places" in done.stderr


def test_input_reaches_the_child_and_its_output_is_text():
    done = run_module("json.tool", stdin_text='{"name": "Café"}', timeout=60)
    assert done.returncode == 0
    assert '"Caf\\u00e9"' in done.stdout


def test_no_interpreter_to_start_is_an_os_error(monkeypatch):
    monkeypatch.setattr("sys.executable", "")
    with pytest.raises(OSError, match="no Python executable"):
        run_module("json.tool", timeout=10)


def test_a_child_past_its_time_is_stopped():
    with pytest.raises(subprocess.TimeoutExpired):
        run_module("timeit", "-n", "1", "import time; time.sleep(30)", timeout=1)
