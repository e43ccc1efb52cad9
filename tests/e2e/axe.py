"""axe-core in the browser tests: WCAG 2.0/2.1/2.2 A and AA checks of what a person meets.

axe-core is pinned in ``components/map/assets.json`` and fetched by ``scripts/setup.sh``
like the map's scripts, so the checks run with no internet. It is injected from the local
file into the document being checked (the Streamlit page, or the map's own iframe) and
run there; the page itself never loads it.

Typical use::

    violations = axe_violations(page)            # the Streamlit page, iframes left out
    assert not violations, format_violations(violations)
    violations = axe_violations(axe_map_frame(page))   # inside the map iframe
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from playwright.sync_api import Frame, Page

from components.map.assets import asset_path

AXE_JS = asset_path("axe-core", "axe.min.js")
# The success criteria of WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe's rule tags).
WCAG_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa")
SERIOUS = ("serious", "critical")
MAP_FRAME_URL = "streamlit_folium"

# Runs in the checked document. Each document is checked on its own (iframes: false):
# the map frame is checked by a separate call, so a result names the document it is in.
# axe skips text scrolled out of view inside a scrolling box (Streamlit's sidebar and main
# area, the panel column): with `scroll`, every such box is scrolled through a screen at a
# time and colour contrast is checked again at each step, as a person scrolling meets it;
# then the boxes are put back. Only plain data comes back (no DOM references), with the
# colours axe measured for contrast failures so a message shows the ratio.
_RUN = """async ({context, tags, impacts, scroll}) => {
  const ctx = context || document;
  const seen = new Map();
  const keep = (violations) => {
    for (const v of violations) {
      if (!impacts.includes(v.impact)) continue;
      const found = seen.get(v.id) || {...v, nodes: []};
      for (const n of v.nodes) {
        const key = JSON.stringify(n.target);
        if (!found.nodes.some((m) => JSON.stringify(m.target) === key)) found.nodes.push(n);
      }
      seen.set(v.id, found);
    }
  };
  const options = {runOnly: {type: "tag", values: tags}, iframes: false,
                   resultTypes: ["violations"]};
  keep((await window.axe.run(ctx, options)).violations);
  if (scroll) {
    const contrast = {runOnly: {type: "rule", values: ["color-contrast"]}, iframes: false,
                      resultTypes: ["violations"]};
    const boxes = [...document.querySelectorAll("*")].filter((el) => {
      const style = getComputedStyle(el);
      return /(auto|scroll)/.test(style.overflowY) && el.clientHeight > 0
        && el.scrollHeight > el.clientHeight + 1;
    });
    const root = document.scrollingElement;
    if (root && root.scrollHeight > root.clientHeight + 1) boxes.unshift(root);
    for (const box of boxes) {
      const start = box.scrollTop;
      const step = Math.max(100, Math.floor(box.clientHeight * 0.8));
      for (let top = step; top < box.scrollHeight - box.clientHeight + step; top += step) {
        box.scrollTop = top;
        await new Promise((done) => setTimeout(done, 50));
        keep((await window.axe.run(ctx, contrast)).violations);
      }
      box.scrollTop = start;
    }
  }
  return [...seen.values()].map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    tags: v.tags.filter((t) => t.startsWith("wcag")),
    nodes: v.nodes.map((n) => {
      const data = [...n.any, ...n.all, ...n.none].map((c) => c.data).find(
        (d) => d && typeof d === "object" && "contrastRatio" in d
      );
      return {
        target: n.target.map(String),
        html: n.html,
        summary: n.failureSummary || "",
        contrast: data ? {
          ratio: data.contrastRatio,
          expected: data.expectedContrastRatio,
          fg: data.fgColor,
          bg: data.bgColor,
          fontSize: data.fontSize,
          fontWeight: data.fontWeight,
        } : null,
      };
    }),
  }));
}"""


def inject_axe(target: Page | Frame) -> None:
    """Load the local axe.min.js into ``target``'s document (once per document)."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(
            f"{AXE_JS} is missing: run scripts/setup.sh (it fetches axe-core with the map assets)."
        )
    if not target.evaluate("() => typeof window.axe !== 'undefined'"):
        target.add_script_tag(path=str(AXE_JS))


def axe_map_frame(page: Page) -> Frame:
    """The map's iframe (the streamlit-folium component), found by its URL."""
    frames = [f for f in page.frames if MAP_FRAME_URL in f.url and not f.is_detached()]
    if not frames:
        urls = [f.url for f in page.frames]
        raise AssertionError(f"No frame with {MAP_FRAME_URL!r} in its URL; frames: {urls}")
    return frames[0]


_SETTLED = """() =>
    !!document.querySelector("[data-testid='stApp'][data-test-script-state='notRunning']")
    && !document.querySelector("[data-stale='true']")"""


def axe_violations(
    target: Page | Frame,
    impacts: Sequence[str] = SERIOUS,
    context: str | Mapping[str, Any] | None = None,
    tags: Iterable[str] = WCAG_AA_TAGS,
    scroll: bool = True,
) -> list[dict[str, Any]]:
    """WCAG A/AA violations of the given ``impacts`` in ``target``'s document.

    Parameters
    ----------
    target
        A Playwright Page (the Streamlit page; its iframes are not entered) or Frame
        (e.g. :func:`axe_map_frame`).
    impacts
        axe impact levels to keep: by default "serious" and "critical".
    context
        An axe context (a selector, or ``{"include": [...], "exclude": [...]}``);
        the whole document when None. Exclude only the narrowest node, and say why.
    tags
        axe rule tags to run; WCAG 2.0, 2.1 and 2.2 at levels A and AA by default.
    scroll
        Also scroll every scrolling box (and the page) through, a screen at a time,
        checking colour contrast at each step: axe alone skips text scrolled out of
        view. The boxes are scrolled back afterwards.

    Returns
    -------
    One dict per violated rule: ``id``, ``impact``, ``help``, ``helpUrl``, ``tags`` and
    ``nodes`` (each with its CSS ``target``, ``html``, axe's ``summary`` and, for
    contrast, the measured ``contrast``). Pass it to :func:`format_violations` for an
    assertion message.
    """
    if isinstance(target, Page):
        # Streamlit fades what a running rerun has not redrawn yet (data-stale): axe
        # would measure the fade, not the page. A click's rerun may start late, so wait
        # until the script is idle and nothing is stale.
        target.wait_for_function(_SETTLED, timeout=30_000)
    inject_axe(target)
    arg = {"context": context, "tags": list(tags), "impacts": list(impacts), "scroll": scroll}
    return target.evaluate(_RUN, arg)


def format_violations(violations: Sequence[Mapping[str, Any]], max_nodes: int = 8) -> str:
    """A readable report: one block per rule, one line per failing node."""
    if not violations:
        return "no axe violations"
    lines = [f"{len(violations)} axe violation(s):"]
    for v in violations:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} node(s))")
        lines.append(f"    {', '.join(v['tags'])}  {v['helpUrl']}")
        for node in v["nodes"][:max_nodes]:
            lines.append(f"    * {' >>> '.join(node['target'])}")
            lines.append(f"      {_short(node['html'])}")
            c = node.get("contrast")
            if c:
                lines.append(
                    f"      contrast {c['ratio']} (needs {c['expected']}): {c['fg']} on "
                    f"{c['bg']}, {c['fontSize']} {c['fontWeight']}"
                )
            else:
                summary = " ".join(node["summary"].split())
                lines.append(f"      {_short(summary, 240)}")
        if len(v["nodes"]) > max_nodes:
            lines.append(f"    ... and {len(v['nodes']) - max_nodes} more")
    return "\n".join(lines)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
