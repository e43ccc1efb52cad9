"""The page's frame: a compact header, the map filling the window's height, and beside
it a column of panels (sites, dossier, people held, events, export).

Streamlit lays the page out; this module only adds the CSS it cannot express: the
map's frame height follows the window (``100dvh`` less the header), the panel column
scrolls inside itself, and on a phone (under 640 px, where Streamlit stacks columns)
the map comes first at most of the screen's height.
"""

from __future__ import annotations

import streamlit as st

# Tabs of the panel column, in order. The first is the table of shown sites.
SITES, DOSSIER, PEOPLE, EVENTS, EXPORT = "Sites", "Dossier", "People held", "Events", "Export"
PANELS = (SITES, DOSSIER, PEOPLE, EVENTS, EXPORT)
# Share of the main area's width the map takes beside the panel column.
MAP_SHARE = 0.66
# Pixels above the map on a wide screen: Streamlit's top bar and the one-line header.
HEADER_PX = 128
MIN_MAP_PX = 420

_CSS = f"""
<style>
/* Compact page: less padding above and beside the content. */
[data-testid="stMainBlockContainer"] {{
  padding-top: 1.6rem; padding-bottom: 1rem; padding-left: 1.5rem; padding-right: 1.5rem;
  max-width: none;
}}
.st-key-atlas_header h1 {{
  font-size: 1.55rem; padding: 0.1rem 0 0 0; margin: 0; line-height: 1.2;
}}
.st-key-atlas_header [data-testid="stMetric"] {{ padding: 0; }}
.st-key-atlas_header [data-testid="stMetricValue"] {{ font-size: 1.3rem; line-height: 1.2; }}
.st-key-atlas_header [data-testid="stMetricLabel"] p {{ font-size: 0.8rem; }}
.st-key-atlas_header [data-testid="stMetricDelta"] {{ font-size: 0.8rem; padding: 0 0.3rem; }}
.st-key-atlas_header [data-testid="stMetricDelta"] p {{ font-size: 0.8rem; }}
/* Streamlit's top bar holds only the menu button (top right): let the header sit
   under its empty part instead of below it. */
[data-testid="stHeader"] {{ background: transparent; height: 2.5rem; pointer-events: none; }}
[data-testid="stHeader"] * {{ pointer-events: auto; }}
/* The map fills the window below the header. */
iframe[title="streamlit_folium.st_folium"] {{
  height: max({MIN_MAP_PX}px, calc(100dvh - {HEADER_PX}px)) !important;
  width: 100%;
  display: block;
}}
/* The panel column scrolls inside itself, beside the map, so the map stays in view. */
@media (min-width: 641px) {{
  .st-key-atlas_side {{
    max-height: max({MIN_MAP_PX}px, calc(100dvh - {HEADER_PX}px));
    overflow-y: auto; overflow-x: hidden; padding-right: 0.25rem;
  }}
}}
/* On a phone the columns stack: the map first, most of the screen, then the panels. */
@media (max-width: 640px) {{
  /* Room above the title for the sidebar's open button, which sits at the top left. */
  [data-testid="stMainBlockContainer"] {{
    padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 2.6rem;
  }}
  /* Header: the title on its own line, the three counts side by side under it; the
     people-held figures are in the panel column's caption, after the map. */
  .st-key-atlas_header [data-testid="stHorizontalBlock"] {{
    flex-wrap: wrap !important; gap: 0 0.75rem !important;
  }}
  .st-key-atlas_header [data-testid="stColumn"] {{
    min-width: 0 !important; width: auto !important; flex: 1 1 0 !important;
  }}
  .st-key-atlas_header [data-testid="stColumn"]:first-child {{ flex-basis: 100% !important; }}
  .st-key-atlas_header [data-testid="stColumn"]:last-child {{ display: none !important; }}
  .st-key-atlas_header h1 {{ font-size: 1.3rem; margin-bottom: 0.35rem; }}
  iframe[title="streamlit_folium.st_folium"] {{ height: max(320px, 62dvh) !important; }}
}}
</style>
"""


def page_style() -> None:
    """Add the page's layout CSS (once per run; it is not visible content)."""
    st.html(_CSS)
