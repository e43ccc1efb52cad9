"""Make data text safe for the place it is shown (pure).

Streamlit's markdown would turn data into links, images (a request to a host the data
names), emphasis, colour directives or LaTeX; it shows HTML entities literally. So data
shown through markdown gets every ASCII punctuation mark backslash-escaped, which
CommonMark renders as the plain character, and nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
# GFM turns bare URLs, www. names and e-mail addresses into links even when escaped; a
# WORD JOINER (invisible, zero width) after the scheme, before '.' or '@' stops it.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|mailto)(?=[:.])|(?=@)")
_JOINER = "\u2060"


def md(text: object) -> str:
    """Data text as literal markdown text (one line)."""
    value = " ".join(str("" if text is None else text).split())
    value = _AUTOLINK.sub(lambda m: (m.group(1) or "") + _JOINER, value)
    return _PUNCT.sub(r"\\\1", value)


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
    label_text = md(label) or md(target)
    return f"[{label_text}]({target.replace('(', '%28').replace(')', '%29')})"
