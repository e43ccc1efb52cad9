"""Every CSV the atlas hands out opens correctly in Excel: UTF-8 with a BOM, CRLF line
ends, and no cell Excel would run as a formula.

Case file ``khmer_name_download.csv`` (issue 10, "Analysts' real files"): a site named in
Khmer, uploaded in the sidebar, then "Download your sites with coordinates". The download
had no BOM and LF line ends, so Excel read the UTF-8 as a legacy code page (mojibake);
the export CSV already had both. The test uses the shared case folder when it is there
(``/work/shared/cases/files``), else the byte-identical copy in ``tests/cases``.
"""

from __future__ import annotations

import ast
import io
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from components import upload
from components.ui import layout
from tests.apptest import APP, fresh_caches  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "files"
KHMER_CASE = "khmer_name_download.csv"
KHMER_NAME = "បាវិត (Bavet) compound"
KHMER_ADMIN1 = "ស្វាយរៀង"
KHMER_NOTE = "ឈ្មោះជាភាសាខ្មែរ"
BOM = b"\xef\xbb\xbf"
SOURCES = set(pd.read_csv(ROOT / "data" / "sources.csv", dtype=str)["source_id"])
ATLAS_IDS = set(pd.read_csv(ROOT / "data" / "locations.csv", dtype=str)["site_id"])


def case_file(name: str) -> Path:
    """The case file from the shared case folder when present, else the test's copy."""
    shared = SHARED_CASES / name
    return shared if shared.is_file() else ROOT / "tests" / "cases" / name


def assert_excel_safe(data: bytes, what: str) -> None:
    """BOM first, every line end CRLF (none bare LF or CR outside quoted cells)."""
    assert data.startswith(BOM), f"{what}: no UTF-8 BOM, Excel shows mojibake"
    text = data[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n"), f"{what}: the last line does not end with CRLF"
    # Outside quoted cells every line end is CRLF; a bare LF may only sit inside a
    # quoted cell (a line break in a note). Splitting on quotes: even parts are outside.
    outside = "".join(text.replace("\r\n", "").split('"')[0::2])
    assert "\n" not in outside and "\r" not in outside, f"{what}: LF or CR line ends"


def excel_read(data: bytes) -> pd.DataFrame:
    """How Excel (and an analyst's pandas) reads the file: BOM-aware UTF-8."""
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_the_case_copy_is_byte_identical():
    shared = SHARED_CASES / KHMER_CASE
    copy = ROOT / "tests" / "cases" / KHMER_CASE
    if not shared.is_file():
        pytest.skip("the shared case folder is not on this machine")
    assert copy.read_bytes() == shared.read_bytes()


def test_khmer_case_download_is_excel_safe():
    """check_upload -> download(): BOM, CRLF, the Khmer text exactly as uploaded."""
    raw = case_file(KHMER_CASE).read_bytes()
    result = upload.check_upload(raw, KHMER_CASE, SOURCES, ATLAS_IDS)
    assert result.error is None and result.problems == []
    data = result.download()
    assert_excel_safe(data, KHMER_CASE)
    assert KHMER_NAME in data.decode("utf-8-sig")
    back = excel_read(data)
    assert back.loc[0, "name"] == KHMER_NAME
    assert back.loc[0, "admin1"] == KHMER_ADMIN1
    assert back.loc[0, "note"] == KHMER_NOTE
    assert float(back.loc[0, "lat"]) == pytest.approx(11.07)


def test_burmese_and_formula_looking_names_download_safely():
    """A second input: Burmese and Thai names, and names Excel would run as formulas."""
    header = "site_id,name,country,zone_type,precision,lat,lon,confidence,note\r\n"
    rows = [
        "u_my,မြဝတီ compound,MM,compound,town,16.69,98.51,medium,Myawaddy in Burmese",
        'u_f1,"=HYPERLINK(""http://evil.invalid"",""Click"")",KH,compound,town,'
        "11.07,106.1,medium,+formula",
        "u_f2,@SUM(A1),KH,compound,town,11.08,106.1,medium,-1+2",
        'u_th,แว้ง,TH,compound,town,6.0,101.9,medium,"two\nlines"',
    ]
    raw = (header + "\r\n".join(rows) + "\r\n").encode("utf-8")
    result = upload.check_upload(raw, "mine.csv", SOURCES, ATLAS_IDS)
    assert result.error is None and result.problems == [], result.problems
    data = result.download()
    assert_excel_safe(data, "mine.csv")
    back = excel_read(data).set_index("site_id")
    assert back.loc["u_my", "name"] == "မြဝတီ compound"
    assert back.loc["u_th", "name"] == "แว้ง"
    assert back.loc["u_th", "note"] == "two\nlines"  # a line break inside a cell survives
    # Formula-looking text is kept as text: one leading apostrophe, nothing else changed.
    assert back.loc["u_f1", "name"] == '\'=HYPERLINK("http://evil.invalid","Click")'
    assert back.loc["u_f1", "note"] == "'+formula"
    assert back.loc["u_f2", "name"] == "'@SUM(A1)"
    assert back.loc["u_f2", "note"] == "'-1+2"
    # Coordinates stay numbers, written as read (no apostrophe).
    assert back.loc["u_my", "lat"] == "16.69"


def test_excel_csv_truth_table():
    from components.data.spreadsheet import excel_csv

    frame = pd.DataFrame(
        {
            "text": ["plain", "=1+1", "+1", "-x", "@x", "\tx", "\rx", "", None, "a'b", "ข้อความ"],
            "num": [1.5, -2.0, 3.0, float("nan"), 0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    data = excel_csv(frame)
    assert_excel_safe(data, "truth table")
    back = excel_read(data)
    assert list(back["text"]) == [
        "plain", "'=1+1", "'+1", "'-x", "'@x", "'\tx", "'\rx", "", "", "a'b", "ข้อความ",
    ]  # fmt: skip
    assert list(back["num"]) == ["1.5", "-2.0", "3.0", "", "0.0", "1.0", "2.0", "3.0"] + [
        "4.0",
        "5.0",
        "6.0",
    ]
    assert excel_csv(frame.iloc[0:0]) == BOM + b"text,num\r\n"


# --- every download the app offers -------------------------------------------------


class Downloads:
    """Every file the app registers for download in a run (st.download_button's data,
    given as bytes or as a callable that builds them on click)."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[str | None, Callable[[], bytes] | bytes]] = {}

    def data(self, name: str) -> bytes:
        mime, data = self.files[name]
        out = data() if callable(data) else data
        return out.encode("utf-8") if isinstance(out, str) else bytes(out)


@pytest.fixture
def downloads(monkeypatch) -> Downloads:
    found = Downloads()
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record_add(self, data, mimetype, coordinates, file_name=None, **kw):
        if kw.get("is_for_static_download"):
            found.files[file_name or f"(unnamed {coordinates})"] = (mimetype, data)
        return add(self, data, mimetype, coordinates, file_name=file_name, **kw)

    def record_deferred(self, data, mimetype, coordinates, file_name=None, **kw):
        found.files[file_name or f"(unnamed {coordinates})"] = (mimetype, data)
        return add_deferred(self, data, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return found


def test_every_download_the_app_offers_is_excel_safe(downloads):
    """Upload the Khmer case file through the sidebar, open every panel, collect every
    download button's file: each CSV must be Excel-safe, each other file known."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    raw = case_file(KHMER_CASE).read_bytes()
    at.file_uploader(key="upload_file").upload(KHMER_CASE, raw, "text/csv")
    labels = set()
    for panel in layout.PANELS:
        at.session_state["panel"] = panel
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        labels |= {b.label for b in at.get("download_button")}
    assert "Download your sites with coordinates" in labels
    starts = ("Download sites (CSV", "Download sites (GeoJSON", "Download events (CSV")
    assert all(any(label.startswith(s) for label in labels) for s in starts), labels
    assert any(label.startswith("Download figures (CSV") for label in labels), labels
    names = set(downloads.files)
    assert {f"geocoded-{KHMER_CASE}", "scam-centre-atlas-sites.csv"} <= names
    for name in sorted(names):
        mime, _ = downloads.files[name]
        data = downloads.data(name)
        if name.endswith(".csv") or mime == "text/csv":
            assert_excel_safe(data, name)
        elif name.endswith(".geojson"):
            assert json.loads(data)["type"] == "FeatureCollection"
        else:
            pytest.fail(f"{name} ({mime}): a download this test does not know; check it")
    mine = excel_read(downloads.data(f"geocoded-{KHMER_CASE}"))
    assert list(mine["name"]) == [KHMER_NAME]
    export = excel_read(downloads.data("scam-centre-atlas-sites.csv"))
    assert KHMER_NAME in set(export["name"])  # the upload joins the export of the view


# Where a DataFrame is turned into CSV text that is not handed to a user.
NOT_A_DOWNLOAD = {
    "components/map/places.py": "hashes the place cells (a cache key, never a file)",
    "components/data/spreadsheet.py": "the one Excel-safe writer",
}


def test_no_other_csv_writer_in_the_app():
    """Every CSV written for a user goes through components.data.spreadsheet: no other
    ``.to_csv(`` or ``csv.writer`` in components/ (the geocoder CLI rewrites the user's
    own file in its own style) or dashboard.py."""
    files = [ROOT / "dashboard.py", *sorted((ROOT / "components").rglob("*.py"))]
    offenders = []
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("components/geocode/") or rel in NOT_A_DOWNLOAD:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            if not isinstance(func, ast.Attribute):
                continue
            owner = getattr(func.value, "id", "")
            if (func.attr == "to_csv" and owner != "export") or (
                func.attr in ("writer", "DictWriter") and owner == "csv"
            ):
                offenders.append(f"{rel}:{node.lineno} {owner or '…'}.{func.attr}(")
    assert not offenders, f"CSV written outside spreadsheet.excel_csv: {offenders}"
