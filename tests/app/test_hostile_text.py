"""Text from a shared data file never becomes an image, a link or styling on any page or report.

A study label and note carrying markdown (an outside image that would load when the card opens,
a link, bold, a coloured span, raw HTML) are fed through every page under AppTest and through the
HTML report; every element that renders markdown must show them as literal text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ui.pages import PAGES

pytestmark = pytest.mark.app
ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "![t](http://evil.test/t.png) **B** :red[R] [L](http://evil.test) <b>H</b>"
# what rendered markdown would contain if the text were not escaped
UNSAFE = re.compile(r"!\[t\]\(|\]\(http://evil|(?<!\\)\*\*B(?<!\\)\*\*|(?<!\\):red\[|(?<!\\)<b>")
MARKDOWN_KINDS = ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                  "error", "success", "exception")


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory) -> Path:
    data = yaml.safe_load((ROOT / "data" / "studies.yaml").read_text(encoding="utf-8"))
    for s in data["studies"]:
        if s["id"] in ("S1", "S4"):
            s["label"] = HOSTILE[:120]
            s["notes"] = f"Note {HOSTILE}"
    path = tmp_path_factory.mktemp("hostile") / "hostile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _rendered(at) -> list[str]:
    out: list[str] = []
    for kind in MARKDOWN_KINDS:
        out += [str(e.value) for e in getattr(at, kind, [])]
    out += [str(e.label) for e in at.expander]
    out += [str(getattr(e, "label", "")) for e in at.tabs]
    out += [str(e.label) for e in at.button]
    out += [str(e.label) for e in at.metric]
    return out


@pytest.mark.parametrize("page", [p.file for p in PAGES])
def test_hostile_label_is_literal_on_every_page(app_test, monkeypatch, hostile_file, page) -> None:
    monkeypatch.setenv("APATINIB_STUDIES", str(hostile_file))
    query = {"study": "S1"} if page == "pages/studies.py" else None
    at = app_test(page=page, query=query, timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    bad = [t for t in _rendered(at) if UNSAFE.search(t)]
    assert not bad, bad[:3]
    if page == "pages/studies.py":  # the card of the hostile study is open, heading and note
        heads = " ".join(h.value for h in at.subheader)
        assert "evil\\.test" in heads and "\\!\\[t\\]" in heads  # shown, escaped
        assert any("Note" in c.value and "evil\\.test" in c.value for c in at.caption)


def test_hostile_label_is_literal_in_the_html_report(hostile_file) -> None:
    import evidence
    from reports.content import build_content
    from reports.html import build_html

    page = build_html(build_content(evidence=evidence.load_studies(hostile_file)))
    page = page.decode() if isinstance(page, bytes) else page
    assert "evil.test" in page  # the label is there, as text
    assert '<img src="http://evil.test' not in page and 'href="http://evil.test' not in page
    assert "<b>H</b>" not in page
