"""The data version: the SHA-256 of the atlas's data files (``locations.csv``,
``figures.csv``, ``events.csv``, ``sources.csv`` and ``contradictions.csv`` when there), so
two exports or caches that name the same version come from byte-identical data (pure).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

# The files the version covers, in the order they are hashed (absent ones are skipped).
DATA_FILES = ("locations.csv", "figures.csv", "events.csv", "sources.csv", "contradictions.csv")
SHORT = 12  # hex characters of the version shown on screen and in citations


@dataclass(frozen=True)
class DataVersion:
    """The SHA-256 of the data files: ``sha256`` over each file's name and hash in
    :data:`DATA_FILES` order; ``files`` maps each file name to its own SHA-256 (hex)."""

    sha256: str
    files: dict[str, str] = field(default_factory=dict)

    @property
    def short(self) -> str:
        """The first 12 hex characters, e.g. ``'3f2a9c1b7d4e'``."""
        return self.sha256[:SHORT]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_version(directory: Path | str) -> DataVersion:
    """The :class:`DataVersion` of the data folder ``directory``.

    Raises ``FileNotFoundError`` when ``locations.csv`` is missing (no atlas to version).
    """
    folder = Path(directory)
    if not (folder / DATA_FILES[0]).is_file():
        raise FileNotFoundError(f"{folder / DATA_FILES[0]} not found")
    files = {n: file_sha256(folder / n) for n in DATA_FILES if (folder / n).is_file()}
    overall = hashlib.sha256("".join(f"{h}  {n}\n" for n, h in files.items()).encode()).hexdigest()
    return DataVersion(overall, files)
