"""components.ui.dossier_view: a site's dossier built once per site and dataset, rebuilt
for other tables, escaped throughout, and kept within MAX_KEPT per table."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from components.analysis import dossier
from components.data import load_atlas
from components.data.labels import repeated_names
from components.ui import dossier_view
from tests.apptest import ROOT


@pytest.fixture(scope="module")
def atlas():
    return load_atlas(ROOT / "data").atlas


@pytest.fixture
def own(atlas):
    """The real atlas with a locations table of this test's own: nothing cached for it."""
    return replace(atlas, locations=atlas.locations.copy())


@pytest.fixture
def counted(monkeypatch):
    """How often the dossier's sources were looked up (once per build)."""
    calls = []
    real = dossier.site_sources

    def site_sources(site, sources):
        calls.append(site["site_id"])
        return real(site, sources)

    monkeypatch.setattr(dossier, "site_sources", site_sources)
    return calls


def _texts(found: dossier_view.Dossier) -> str:
    parts = [found.heading]
    for block in found.blocks:
        if isinstance(block.body, pd.DataFrame):
            parts += [*map(str, block.body.index), *block.body.to_numpy().ravel().tolist()]
        elif isinstance(block.body, tuple):
            parts += list(block.body)
        else:
            parts.append(block.body)
    return "\n".join(parts)


def test_a_dossier_is_built_once_per_site_and_table(own, counted):
    first = dossier_view.site_dossier("kk_park", own).blocks
    assert counted == ["kk_park"]
    assert dossier_view.site_dossier("kk_park", own).blocks is first
    assert counted == ["kk_park"]  # nothing looked up again
    dossier_view.site_dossier("shwe_kokko", own)
    assert counted == ["kk_park", "shwe_kokko"]


def test_other_tables_give_a_new_dossier(own, counted):
    first = dossier_view.site_dossier("kk_park", own)
    edited = own.sources.assign(quote=own.sources["quote"] + " (edited)")
    again = dossier_view.site_dossier("kk_park", replace(own, sources=edited))
    assert again.blocks is not first.blocks and len(counted) == 2
    assert "edited" in _texts(again) and "edited" not in _texts(first)
    withheld = {own.locations.set_index("site_id").at["kk_park", "source_ids"].split(";")[0]: "x"}
    flagged = dossier_view.site_dossier("kk_park", replace(own, withheld_sources=withheld))
    assert flagged.blocks is not first.blocks
    assert any(b.kind == "warning" for b in flagged.blocks)


def test_the_heading_names_the_id_when_another_site_bears_the_name(own):
    name = own.locations.set_index("site_id").at["kk_park", "name"]
    plain = dossier_view.site_dossier("kk_park", own, frozenset())
    assert plain.heading == dossier_view.md(name)
    named = dossier_view.site_dossier("kk_park", own, repeated_names([name, name]))
    assert named.heading == dossier_view.md(f"{name} (kk_park)")
    assert named.blocks is plain.blocks  # one site's blocks, whatever its heading


def test_an_unknown_site_has_no_dossier(own):
    assert dossier_view.site_dossier("no_such_site", own) is None


def test_no_more_than_max_kept_dossiers_per_table(own, monkeypatch):
    monkeypatch.setattr(dossier_view, "MAX_KEPT", 3)
    ids = list(own.locations["site_id"])[:5]
    for site_id in ids:
        dossier_view.site_dossier(site_id, own)
    kept = dossier_view._BLOCKS[id(own.locations)]
    assert list(kept) == ids[-3:]  # the oldest built went first


def test_every_data_text_is_escaped(own):
    hostile = "![x](http://evil.example/x.png) <b>bold</b> {{ 7*7 }} *em*"
    locations = own.locations.copy()
    row = locations.index[locations["site_id"] == "kk_park"][0]
    for column in ("name", "aliases", "admin1", "note", "coord_evidence"):
        locations.at[row, column] = hostile
    found = dossier_view.site_dossier("kk_park", replace(own, locations=locations))
    text = _texts(found)
    assert hostile not in text  # nowhere as raw markdown
    assert dossier_view.md(hostile) in found.heading
    fields = next(b.body for b in found.blocks if b.kind == "table")
    assert (fields.to_numpy() == dossier_view.md(hostile)).sum() == 4


def test_the_page_gets_the_heading_before_the_blocks_are_built(own, monkeypatch):
    """A first opening at 100,000 sites builds the blocks for about 0.1 s: the heading
    is sent first (Streamlit sends each element as it is drawn)."""
    from components.ui import panels

    order = []

    class Page:
        def __getattr__(self, kind):
            def draw(*args, **kwargs):
                order.append(kind)
                return [Page() for _ in range(args[0])] if kind == "columns" else None

            return draw

    real = dossier_view.blocks

    def blocks(atlas, head):
        order.append("built")
        return real(atlas, head)

    monkeypatch.setattr(panels, "st", Page())
    monkeypatch.setattr(dossier_view, "blocks", blocks)
    panels.dossier_panel("kk_park", own, is_shown=False)
    assert order[:3] == ["subheader", "caption", "built"]
    assert "table" in order[3:]


def test_text_from_sources_events_and_contradictions_is_escaped(own):
    """KK Park cites sources, has status events and a contradiction: hostile text in
    each reaches the dossier escaped only."""
    hostile = "![x](http://evil.example/x.png) <b>b</b> *em*"
    sources = own.sources.assign(quote=hostile, publisher=hostile)
    events = own.events.assign(summary=hostile)
    contradictions = own.contradictions.assign(topic=hostile, note=hostile)
    atlas = replace(own, sources=sources, events=events, contradictions=contradictions)
    found = dossier_view.site_dossier("kk_park", atlas)
    text = _texts(found)
    assert hostile not in text
    kinds = {b.kind for b in found.blocks if dossier_view.md(hostile) in _texts_of(b)}
    assert {"markdown", "caption", "columns"} <= kinds  # quotes, timeline; note; sides


def _texts_of(block: dossier_view.Block) -> str:
    return _texts(dossier_view.Dossier("", (block,)))
