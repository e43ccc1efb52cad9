"""Files the browser fetches from ``static/generated`` (pure: no Streamlit, no folium).

Streamlit serves the project's ``static/`` folder at ``/app/static``: published payloads,
script bundles and place labels are written there, named by their content, through a
temporary file so a reader never sees half a file. Kept apart from
:mod:`components.map.view` so a child process (the place-label build) can write without
importing the map's Streamlit side.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED_DIR = ROOT / "static" / "generated"
GENERATED_URL = "/app/static/generated"
KEEP_PAYLOADS = 32


def publish_text(
    text: str | bytes,
    prefix: str,
    directory: Path = GENERATED_DIR,
    keep: int = KEEP_PAYLOADS,
    compress: bool = False,
    extension: str = ".json",
) -> str:
    """Write ``text`` (str, or its UTF-8 bytes) as ``<prefix>-<sha256 prefix>.json``
    (``extension`` instead of ``.json`` if given; ``.gz`` added, gzip level 5, when
    ``compress``) in ``directory`` (served at :data:`GENERATED_URL`) unless it is there;
    return its URL. Written atomically; all but the ``keep`` newest
    ``<prefix>-*<extension>[.gz]`` files are deleted (each dataset change adds one).
    Raises OSError if it cannot be written."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    digest = hashlib.sha256(data).hexdigest()[:20]
    path = directory / f"{prefix}-{digest}{extension}{'.gz' if compress else ''}"
    if not path.exists():
        if compress:
            # mtime=0: the same text always gives the same bytes.
            write_atomic(path, gzip.compress(data, compresslevel=5, mtime=0))
        else:
            write_atomic(path, data)
        files = sorted(
            [
                *directory.glob(f"{prefix}-*{extension}"),
                *directory.glob(f"{prefix}-*{extension}.gz"),
            ],
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in files[keep:]:
            if old != path:
                old.unlink(missing_ok=True)
    return f"{GENERATED_URL}/{path.name}"


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` (UTF-8 text or bytes) to ``path`` through a temporary file, so a
    reader (the browser fetching it) never sees half a file, and a failed write (full
    disk) leaves none. Raises OSError if it cannot be written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written file behind
        raise
