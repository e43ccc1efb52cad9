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

# Sources whose quote (or, for the seed, whose list) names the site as a scam location.
SITE_SOURCES = {
    "shwe_kokko": "KP2;S111;S113;S135",
    "myawaddy": "KP2;S061;S111;S116;S117",
    "kk_park": "S111;S113;S120b;S121;S122",
    "kokang_laukkai": "KP2;S072;S073b",
    "mong_la": "KP2",
    "golden_triangle_sez": "KP3;S080;S081;S082;S083",
    "phnom_penh": "KP1;S050;S140",
    "kandal": "KP1",
    "pursat": "KP1",
    "koh_kong": "KP1",
    "preah_sihanouk": "KP1;S140",
    "oddar_meanchey": "KP1;S133",
    "svay_rieng": "KP1",
    "bavet": "KP1",
    "dara_sakor_sez": "KP1",
    "henge_thmorda_sez": "KP1",
    # No stored source names Poipet as a scam location; the research cites a UNODC map only.
    "poipet": "",
    "clark_freeport": "KP3;S093",
    "las_pinas_pogo": "S090;S091",
    "bamban_pogo": "S094",
    "porac_pogo": "S096;S096c",
    # Transit town, named as where people crossed, not as a scam site.
    "mae_sot": "S114;S120",
}
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
    return pd.concat([seeds, src], ignore_index=True)


def build_locations() -> pd.DataFrame:
    g = pd.read_csv(RESEARCH / "gazetteer.csv", dtype=str, keep_default_na=False)
    g["source_ids"] = g["site_id"].map(SITE_SOURCES)
    if g["source_ids"].isna().any():
        raise SystemExit(f"no source mapping for {list(g[g['source_ids'].isna()]['site_id'])}")
    g["note"] = [
        (n + (" " + EXTRA_NOTES[s] if s in EXTRA_NOTES else "")).strip()
        for s, n in zip(g["site_id"], g["note"], strict=True)
    ]
    cols = [
        "site_id", "name", "aliases", "country", "admin1", "zone_type", "precision",
        "lat", "lon", "coord_source", "coord_evidence", "confidence", "source_ids", "note",
    ]  # fmt: skip
    return g[cols]


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
    return pd.concat([f, crypto], ignore_index=True)


def build_events() -> pd.DataFrame:
    e = pd.read_csv(RESEARCH / "events.csv", dtype=str, keep_default_na=False)
    e["site_id"] = [
        EVENT_SITES.get((d, s), "") for d, s in zip(e["date"], e["source_id"], strict=True)
    ]
    return e


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
