"""Real file-system faults for tests: a full disk, a read-only folder, a file the app's
user may not read. Each is made for real (a tiny tmpfs mount; a subprocess running as
``nobody``) or the test is skipped saying why; nothing is mocked."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

NOBODY = 65534


def _mount(target: Path, options: str) -> None:
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")


@contextlib.contextmanager
def tiny_tmpfs(target: Path, size: str = "16k") -> Iterator[Path]:
    """``target`` as a tmpfs of ``size``: writes beyond it fail with ENOSPC."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    target.mkdir(parents=True, exist_ok=True)
    _mount(target, f"size={size},mode=0777")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@contextlib.contextmanager
def read_only(target: Path) -> Iterator[Path]:
    """``target`` as an empty read-only tmpfs: every write fails with EROFS."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    target.mkdir(parents=True, exist_ok=True)
    _mount(target, "size=16k,ro")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def run_as_nobody(code: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    """Run ``python -c code`` as user ``nobody`` (so file permissions hold, unlike for
    root); the finished process. Skips when the test cannot switch users."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("running as nobody needs root and setpriv(1)")
    return subprocess.run(
        [
            setpriv,
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            sys.executable,
            "-c",
            code,
        ],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
