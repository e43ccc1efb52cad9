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
    # No stored source names Poipet as a scam location; the research cites a UNODC map only.
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
    "poipet": "UNVERIFIED as a scam location: no source in sources.csv names Poipet; the "
    "research cites a UNODC map that is not in the store.",
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
    return e[EVENT_COLUMNS]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, frame in {
        "sources": build_sources(),
        "locations": build_locations(),
        "figures": build_figures(),
        "events": build_events(),
    }.items():
        frame.to_csv(OUT / f"{name}.csv", index=False, lineterminator="\n")
        print(f"data/{name}.csv: {len(frame)} rows")


if __name__ == "__main__":
    main()
