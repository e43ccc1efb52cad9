"""Make data text safe for the place it is shown (pure).

Streamlit's markdown would turn data into links, images (a request to a host the data
names), emphasis, colour directives or LaTeX; it shows HTML entities literally. So data
shown through markdown gets every ASCII punctuation mark backslash-escaped, which
CommonMark renders as the plain character, and nothing else. No invisible characters
are inserted: what a reader copies from the page is the data's true text.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
# A bare http(s) URL in data becomes a real link (its own text as the label), so what a
# reader copies from the page is the true URL. GFM's own autolinks of "www." names and
# e-mail addresses stay links to http(s)/mailto: only, and their text stays true too.
_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_URL_TRAIL = ".,;:!?)]}"


def _escape(value: str) -> str:
    return _PUNCT.sub(r"\\\1", value)


def md(text: object, links: bool = True) -> str:
    """Data text as literal markdown text (one line); bare http(s) URLs become links.

    ``links=False`` leaves URLs as (escaped) text: for use inside a link's label.
    """
    value = " ".join(str("" if text is None else text).split())
    if not links:
        return _escape(value)
    out, pos = [], 0
    for found in _URL.finditer(value):
        url = found.group(0).rstrip(_URL_TRAIL)
        if found.start() < pos or len(url) <= len("https://"):
            continue
        out.append(_escape(value[pos : found.start()]))
        out.append(md_link(url, url))
        pos = found.start() + len(url)
    out.append(_escape(value[pos:]))
    return "".join(out)


def safe_url(url: object) -> str | None:
    """The URL if it is absolute http(s), made safe to put inside a markdown link."""
    value = str(url or "").strip()
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(value, safe=":/?#[]@!$&'*+,;=%~.-_")


def md_link(label: object, url: object) -> str:
    """A markdown link for an http(s) URL; plain escaped text for anything else."""
    target = safe_url(url)
    if target is None:
        return md(label)
    label_text = md(label, links=False) or md(target, links=False)
    return f"[{label_text}]({target.replace('(', '%28').replace(')', '%29')})"
