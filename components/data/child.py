"""Run one of the project's own modules in a child process (pure; no Streamlit).

Work whose memory peak or CPU time should not be the long-lived server's (validating a
large dataset, building the offline place labels) runs as ``python -m <module>`` in a
child: its memory goes back to the system when it exits, and it does not share the
server's interpreter lock. The child runs in the project folder with the project first
on ``PYTHONPATH`` (so it finds ``components`` whatever the server's own working folder
or ``PYTHONSAFEPATH``), and its output is read as UTF-8 (bytes that are not UTF-8 are
replaced, never an error).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_module(
    module: str, *args: str, stdin_text: str | None = None, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m module *args`` and wait for it; its stdout and stderr captured.

    ``args`` that are paths should be absolute (the child runs in :data:`ROOT`).
    Returns the finished process (any exit code; negative: killed by that signal).
    Raises OSError when it cannot be started (also when this interpreter has no
    executable, as when embedded) and ``subprocess.TimeoutExpired`` after ``timeout``
    seconds (the child is killed first).
    """
    if not sys.executable:
        raise OSError("no Python executable to start a child process with")
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *([path] if path else [])])}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        input=stdin_text,
        stdin=None if stdin_text is not None else subprocess.DEVNULL,
        capture_output=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
        check=False,
    )
