"""Human labels for codes shown on screen (pure; shared by the map, panels and exports)."""

from __future__ import annotations

from functools import cache

import pycountry

ZONE_LABELS = {
    "compound": "Compound",
    "casino_complex": "Casino complex",
    "special_economic_zone": "Special economic zone",
    "freeport_zone": "Freeport zone",
    "self_administered_zone": "Self-administered zone",
    "border_town": "Border town",
    "city": "City",
    "province": "Province",
    "enabler": "Enabler (financial or infrastructure node, not a compound)",
}
# Okabe-Ito palette: distinguishable with the common colour-vision deficiencies.
ZONE_COLOURS = {
    "compound": "#D55E00",
    "casino_complex": "#CC79A7",
    "special_economic_zone": "#0072B2",
    "freeport_zone": "#56B4E9",
    "self_administered_zone": "#009E73",
    "border_town": "#E69F00",
    "city": "#000000",
    "province": "#F0E442",
    # Grey: the neutral colour used alongside the eight Okabe-Ito colours.
    "enabler": "#999999",
}
PRECISION_LABELS = {
    "compound": "compound (the point is the site itself)",
    "town": "town (the point is a town centre; the site is nearby)",
    "district": "district (a point inside a large zone, or an estimate >5 km off)",
    "province": "province (the point only stands for the province)",
}
# Radius of the uncertainty halo drawn around a point, by what the point stands for.
HALO_METRES = {"compound": 0, "town": 5_000, "district": 15_000, "province": 40_000}
CONFIDENCE_LABELS = {"high": "High", "medium": "Medium", "low": "Low (unverified estimate)"}
QUALIFIER_LABELS = {
    "at_least": "lower bound",
    "estimate": "estimate",
    "range": "range",
    "up_to": "upper bound",
    "qualitative": "words only, no number",
    "reported": "reported count",
}
_SHORT_NAMES = {
    "LA": "Laos",
    "VN": "Vietnam",
    "KR": "South Korea",
    "TW": "Taiwan",
    "RU": "Russia",
    "IR": "Iran",
    "BO": "Bolivia",
    "TZ": "Tanzania",
    "SY": "Syria",
}


@cache
def country_name(code: str) -> str:
    """Short English name for an ISO alpha-2 code ('' -> 'Regional / multi-country')."""
    if not code:
        return "Regional / multi-country"
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


# A site's status at a date (components.data.status), in the order a site's life runs.
STATUS_LABELS = {
    "reported": "Reported (named in a source)",
    "operating": "Operating (reported active)",
    "raided": "Raided",
    "closed": "Sealed / closed",
    "seized": "Seized by an armed group",
    "struck": "Struck (military strike)",
    "demolished_claimed": "Demolition claimed",
    "demolished_verified": "Demolition verified",
    "relocated": "Relocated",
    "forfeited": "Forfeited to the state",
}
EVENT_TYPE_LABELS = {
    "report": "Report",
    "raid": "Raid (police or army operation)",
    "rescue": "Rescue / repatriation",
    "sanction": "Sanction",
    "policy": "Policy",
    "pledge": "Pledge",
    "prosecution": "Prosecution (conviction, execution, extradition, warrant)",
    "strike": "Military strike",
}
# What a figure covers (components.data.tables.FIGURE_SCOPES).
SCOPE_LABELS = {
    "national": "National",
    "subnational": "Part of a country",
    "site": "One site",
    "regional": "Several countries",
}
