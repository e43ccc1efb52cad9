"""A source's citation line, as markdown escaped for the page (pure: no Streamlit)."""

from __future__ import annotations

import pandas as pd

from components.data.memo import entries_for
from components.ui.text import md, md_link

# Per sources table: each source's citation line, built once (a dossier cites a source up
# to a dozen times, and each lookup filtered the whole table: 4.5 ms under load).
_SOURCE_LINES: dict[int, dict[str, str]] = {}


def source_line(source_id: str, sources: pd.DataFrame) -> str:
    """ "Publisher (linked), date (S001)" for a source id, from the first row of that id in
    ``sources`` (columns source_id, publisher, url, date); the id alone if unknown. Kept
    per sources table (read-only by contract)."""
    lines = entries_for(_SOURCE_LINES, sources)
    if not lines:
        # Built apart, then added in one step: a session on another thread never reads a
        # half-filled index (and would keep an id's bare line in a shared dossier).
        built: dict[str, str] = {}
        columns = ("source_id", "publisher", "url", "date")
        for sid, publisher, url, date in zip(*(sources[c] for c in columns), strict=True):
            if sid not in built:  # the first row of an id, as before
                built[sid] = f"{md_link(publisher, url)}, {md(date or 'undated')} ({md(sid)})"
        lines.update(built)
    return lines.get(source_id) or md(source_id)
