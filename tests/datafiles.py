"""A copy of the real data files for tests that edit, cut or lock them."""

from __future__ import annotations

import shutil
from pathlib import Path

from components.data import DEFAULT_DATA_DIR


def copy_data(folder: Path, mode: int | None = None) -> Path:
    """``folder`` (made if missing) holding a copy of every ``data/*.csv``; each copy gets
    ``mode`` (e.g. 0o644) when given. Returns ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in DEFAULT_DATA_DIR.glob("*.csv"):
        shutil.copyfile(path, folder / path.name)
        if mode is not None:
            (folder / path.name).chmod(mode)
    return folder
