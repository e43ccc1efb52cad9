"""Everything the page needs that depends only on the dataset, computed once (pure).

A rerun then only applies the analyst's filters: at 100,000 sites, per-rerun pandas work
on whole columns (building options, matching events to sites, sorting names) used to
cost more than the rest of the rerun together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from components.analysis.filters import Options, event_site_rows, search_text
from components.data import EVENT_TYPES, Atlas, columns
from components.data.labels import CONFIDENCE_LABELS, ZONE_LABELS, country_name
from components.data.memory import release_freed_memory
from components.data.status import StatusTable, data_dates
from components.map import places
from components.map import view as map_view


@dataclass(frozen=True)
class Prepared:
    payload_url: str  # the published site payload atlas.js fetches
    places_url: str  # the offline basemap's place names (built in the background)
    bounds: tuple[tuple[float, float], tuple[float, float]]
    country_names: dict[str, str]
    haystack: pd.Series  # normalised search text per site
    options: Options  # what filters and links may choose from
    event_rows: np.ndarray  # each event's site row (-1: at no mapped site)
    status: StatusTable  # each site's status at any date, one searchsorted per rerun


def prepare(atlas: Atlas, publish_dir: Path = map_view.GENERATED_DIR) -> Prepared:
    """Everything the page needs from ``atlas`` (validated tables), computed once.

    Publishes the site payload into ``publish_dir`` and starts building the place labels
    there in the background (their URL is returned at once). Raises OSError if the
    payload cannot be written.
    """
    loc = atlas.locations
    # As JSON bytes at once: the payload dict's Python lists (several hundred MB at
    # 1,000,000 sites) are gone before the search text and status table are built.
    payload = map_view.payload_json(
        map_view.build_payload(loc, atlas.events, atlas.sources, arrays=True)
    )
    # Published before anything else is built (1M sites: 3 s of gzip): the payload's JSON
    # (96 MB) is never alive with the search text's or the status table's build, the
    # server's largest peaks (done in a second thread until 2 Dec, it cost 110 MB more).
    payload_url = map_view.publish_payload(payload, publish_dir)  # OSError if it cannot
    del payload
    release_freed_memory()  # the payload's lists and JSON
    haystack = search_text(loc)
    release_freed_memory()  # the folded columns the search text was joined from
    prepared = _derived(atlas, haystack)
    # The place labels are built in a child process (the map asks for them until they
    # are there): neither its memory nor its CPU time is the server's.
    places_url = places.ensure_places(loc, publish_dir)
    release_freed_memory()  # what the builds above freed (see components.data.memory)
    return Prepared(payload_url=payload_url, places_url=places_url, **prepared)


def _derived(atlas: Atlas, haystack: pd.Series) -> dict:
    """Prepared's fields other than the URLs (``haystack``: the search text)."""
    loc = atlas.locations
    zones, confidences = set(loc["zone_type"].unique()), set(loc["confidence"].unique())
    event_types = set(atlas.events["event_type"].unique())
    countries = sorted(loc["country"].unique())
    first_date, last_date = data_dates(atlas.events, atlas.sources)
    return dict(
        bounds=map_view.data_bounds(loc),
        country_names={c: country_name(c) for c in countries},
        haystack=haystack,
        options=Options(
            countries=tuple(countries),
            zones=tuple(z for z in ZONE_LABELS if z in zones),
            confidences=tuple(c for c in CONFIDENCE_LABELS if c in confidences),
            sites=columns.TextSet(loc["site_id"]),
            event_types=tuple(t for t in EVENT_TYPES if t in event_types),
            first_date=first_date or None,
            last_date=last_date or None,
        ),
        event_rows=event_site_rows(atlas.events, loc),
        status=StatusTable.build(loc, atlas.events, atlas.sources),
    )
