"""Page-wide style fixes for WCAG 2.2 AA that the Streamlit theme options cannot make.

Streamlit 1.67 draws secondary text (``st.caption``) and markdown block quotes (the
sources' quotes in the dossier) at ``opacity: 0.6``: #2f2d2b text comes out as #828180,
3.9:1 on white and 3.8:1 on the sidebar's #f8f8f7, under the 4.5:1 that WCAG 1.4.3 asks
for body-size text; a link inside a caption fades with it (#244fb4 becomes #7c95d2,
3.0:1). No ``[theme]`` option sets that fade: ``textColor`` is faded with it, so only
pure black text would lift captions over 4.5:1 (5.7:1), turning every text black and
leaving links in captions at 3.0:1. So the fade is overridden here, and
``.streamlit/config.toml`` keeps the light theme's colours.

The fix keeps captions secondary without fading the whole element: the caption is drawn
opaque and only its own text colour is the inherited colour at 75 % alpha (6.1:1 on
white, 5.9:1 on the sidebar, and still about 8.9:1 in Streamlit's dark theme, since it
follows the theme's text colour); links inside keep their full link colour (7.4:1).
Block quotes are the sources' own words, the atlas's evidence, not secondary text: they
are drawn at full colour (13.7:1 on white; inside a yellow ``st.warning``, the warning's
#956b0f on #fffae5, 4.6:1, where any fade would fail), set apart by their rule alone.
"""

from __future__ import annotations

import streamlit as st

# Alpha of secondary text over its background. 0.75 of the light theme's #2f2d2b gives
# 6.1:1 on #ffffff and 5.9:1 on #f8f8f7; 0.70 would still pass (5.1:1 / 5.1:1).
SECONDARY_TEXT_ALPHA = 0.75

# `.stApp` raises the specificity above Streamlit's single emotion class, so the rule
# wins whatever order the style sheets load in. `currentColor` in `color` is the
# inherited (theme) text colour.
_CSS = f"""
.stApp [data-testid="stCaptionContainer"] {{
  opacity: 1;
  color: color-mix(in srgb, currentColor {SECONDARY_TEXT_ALPHA:.0%}, transparent);
}}
.stApp [data-testid="stMarkdownContainer"] blockquote {{
  opacity: 1;
}}
"""


def apply_theme() -> None:
    """Inject the page's accessibility CSS. Call once per run, at the top of ``main()``
    (after ``st.set_page_config``); it draws nothing visible and takes no space."""
    st.html(f"<style>{_CSS}</style>")
