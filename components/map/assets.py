"""Map assets: fetch from the npm registry, verify, and locate for serving.

The map must work with no internet, so every script, style and outline file it
needs is fetched once by the setup step (``python -m components.map.assets fetch``)
and served by Streamlit's static file serving at ``/app/static/vendor/...``.

Each tarball is verified against the integrity hash pinned in ``assets.json``
before anything is extracted; only the listed files are written.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).with_name("assets.json")
VENDOR_DIR = ROOT / "static" / "vendor"
# Streamlit serves ./static/<path> at /app/static/<path>.
STATIC_URL = "/app/static/vendor"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    integrity: str
    files: tuple[str, ...]

    @property
    def folder(self) -> str:
        return f"{self.name}@{self.version}"


def load_manifest(path: Path = MANIFEST) -> list[Package]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return [
        Package(p["name"], p["version"], p["integrity"], tuple(p["files"])) for p in raw["packages"]
    ]


@functools.lru_cache(maxsize=1)
def _packages() -> dict[str, Package]:
    """The manifest's packages by name, read once per process (as is its fallback URL
    template): the page asks for nine assets on every rerun (18 reads of the file per
    rerun before)."""
    return {pkg.name: pkg for pkg in load_manifest()}


def _package(name: str) -> Package:
    try:
        return _packages()[name]
    except KeyError:
        raise KeyError(f"No map asset package named {name!r} in {MANIFEST.name}.") from None


def asset_path(name: str, file: str, vendor_dir: Path = VENDOR_DIR) -> Path:
    """Local path of one file of a pinned package (it may not exist yet)."""
    return vendor_dir / _package(name).folder / file


def asset_url(name: str, file: str) -> str:
    """URL at which the running app serves one file of a pinned package."""
    return f"{STATIC_URL}/{_package(name).folder}/{file}"


def missing_assets(vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    """Files of the manifest that are not on disk."""
    return [
        vendor_dir / pkg.folder / f
        for pkg in load_manifest()
        for f in pkg.files
        if not (vendor_dir / pkg.folder / f).is_file()
    ]


def verify_integrity(data: bytes, integrity: str) -> None:
    """Raise ValueError unless ``data`` matches an npm ``sha512-...`` integrity string."""
    algo, _, expected = integrity.partition("-")
    if algo != "sha512":
        raise ValueError(f"Unsupported integrity algorithm {algo!r}; expected sha512.")
    actual = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if actual != expected:
        raise ValueError(
            f"Integrity check failed: expected sha512-{expected}, got sha512-{actual}."
        )


def extract(tarball: bytes, pkg: Package, vendor_dir: Path = VENDOR_DIR) -> None:
    """Verify ``tarball`` and write only the manifest's files into ``vendor_dir``."""
    verify_integrity(tarball, pkg.integrity)
    target = vendor_dir / pkg.folder
    with tempfile.TemporaryDirectory() as tmp:
        tgz = Path(tmp) / "pkg.tgz"
        tgz.write_bytes(tarball)
        with tarfile.open(tgz, "r:gz") as tar:
            for rel in pkg.files:
                member = tar.getmember(f"package/{rel}")
                if not member.isfile():
                    raise ValueError(f"{pkg.folder}: {rel} is not a regular file.")
                source = tar.extractfile(member)
                assert source is not None
                out = target / rel
                out.parent.mkdir(parents=True, exist_ok=True)
                tmp_out = out.with_suffix(out.suffix + ".part")
                with source, tmp_out.open("wb") as fh:
                    shutil.copyfileobj(source, fh)
                tmp_out.replace(out)


def _npm_pack(spec: str, dest: Path) -> bytes:
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    )
    filename = json.loads(result.stdout)[0]["filename"]
    return (dest / filename).read_bytes()


def fetch(vendor_dir: Path = VENDOR_DIR) -> int:
    """Fetch every package whose files are not all present. Returns how many were fetched."""
    fetched = 0
    for pkg in load_manifest():
        if all((vendor_dir / pkg.folder / f).is_file() for f in pkg.files):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            tarball = _npm_pack(f"{pkg.name}@{pkg.version}", Path(tmp))
        extract(tarball, pkg, vendor_dir)
        print(f"fetched {pkg.folder} ({len(pkg.files)} files, integrity verified)")
        fetched += 1
    return fetched


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["fetch"]:
        fetch()
        missing = missing_assets()
        if missing:
            print(f"error: still missing after fetch: {missing[0]}", file=sys.stderr)
            return 1
        print(f"map assets ready in {VENDOR_DIR.relative_to(ROOT)}")
        return 0
    if args[:1] == ["check"]:
        missing = missing_assets()
        for path in missing:
            print(f"missing: {path}")
        return 1 if missing else 0
    print("usage: python -m components.map.assets fetch|check", file=sys.stderr)
    return 2


@functools.lru_cache(maxsize=4)
def _fallback_template(manifest: Path) -> str:
    return json.loads(manifest.read_text(encoding="utf-8"))["fallback_url_template"]


def fallback_url(name: str, file: str, manifest: Path = MANIFEST) -> str:
    """Public copy of one pinned file, used only when the local copy is missing."""
    template = _fallback_template(manifest)
    pkg = _package(name)
    return template.format(name=pkg.name, version=pkg.version, file=file)


def resolve(name: str, file: str, vendor_dir: Path = VENDOR_DIR) -> tuple[str, bool]:
    """URL to load one asset from, and whether it is the local copy."""
    if asset_path(name, file, vendor_dir).is_file():
        return asset_url(name, file), True
    return fallback_url(name, file), False


if __name__ == "__main__":
    raise SystemExit(main())
