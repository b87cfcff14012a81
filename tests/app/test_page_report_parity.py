"""The page and the report show the same words and numbers for the same view.

For several views the Pooled efficacy page is rendered under AppTest and the report content is
built headless from the same URL query; the pooled label, the intervals, the heterogeneity and
agreement tables, the methods paragraph and the published comparison must be identical.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pandas as pd
import pytest

from findings import text
from reports.content import build_content
from reports.view import View

pytestmark = pytest.mark.app
PAGE = "pages/pooled.py"
VIEWS = [
    "",  # ORR, page defaults
    "endpoint=DCR&method=PM",
    "histology=osteosarcoma&method=GLMM",
]


def _page(app_test, query: str, tab: str | None = None):
    q = dict(parse_qsl(query))
    if tab:
        q["ptab"] = tab
    at = app_test(page=PAGE, query=q)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def _frame(at, first_column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if d.value.columns[0] == first_column)


def _same(page: pd.DataFrame, report: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(page.reset_index(drop=True).astype(str),
                                  report.reset_index(drop=True).astype(str))


@pytest.fixture(scope="module", params=VIEWS)
def case(request):
    view = View.from_query(request.param)
    content = build_content(view)
    return request.param, view, content, content.views[view.endpoint]


def test_pooled_label_and_intervals(app_test, case) -> None:
    query, view, content, v = case
    at = _page(app_test, query)
    lvl = text.level(view.level)
    r = v.result
    assert _metric(at, f"Pooled {view.endpoint}") == text.pct(r.estimate)
    assert _metric(at, f"{lvl} confidence interval") == text.interval(r.ci.low, r.ci.high)
    assert _metric(at, f"{lvl} prediction interval") == text.interval(r.pi.low, r.pi.high)
    section = content.section(f"{view.endpoint.lower()}_forest")
    # the report states the same intervals, in the same format, in its pooled sentence
    assert f"({lvl} CI {text.interval(r.ci.low, r.ci.high)})" in section.bullets[0]
    assert text.interval(r.pi.low, r.pi.high) in section.bullets[1]
    # the forest plots of both are the same figure: same rows, same order, same pooled-row label
    page_data = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    report_data = json.loads(section.figure.to_json())["data"]
    assert page_data == report_data
    assert v.label == text.pooled_label(view.method)
    assert f"<b>{v.label}</b>" in json.dumps(page_data, ensure_ascii=False)
    # the forest's number column prints the page's interval words (one formatter, findings.text)
    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    column = [a["text"] for a in layout["annotations"] if a.get("yref") == "y" and a["x"] > 0.8 and a["x"] < 1]
    ci, pi = _metric(at, f"{lvl} confidence interval"), _metric(at, f"{lvl} prediction interval")
    assert f"<b>{_metric(at, f'Pooled {view.endpoint}')} ({ci})</b>" in column
    assert pi in column
    assert column == [a["text"] for a in json.loads(section.figure.to_json())["layout"]["annotations"]
                      if a.get("yref") == "y" and a["x"] > 0.8 and a["x"] < 1]


def test_heterogeneity_and_agreement_tables(app_test, case) -> None:
    query, view, content, v = case
    at = _page(app_test, query, "Heterogeneity & models")
    _same(_frame(at, "Statistic"), content.section(f"{view.endpoint.lower()}_forest").tables[0][1])
    agreement = content.section("agreement").table
    page_agreement = _frame(at, "Analysis")
    _same(page_agreement, agreement)
    assert page_agreement["Analysis"].iloc[0] == f"Chosen model: {v.label}"


def test_methods_paragraph_and_published_table(app_test, case) -> None:
    query, view, content, v = case
    at = _page(app_test, query, "Methods & literature")
    code = [c.value for c in at.code]
    assert v.methods in code
    assert f"{view.endpoint}. {v.methods}" in content.methods
    for phrase in ("half-normal", "prediction interval"):
        assert phrase in v.methods
    if view.method != "GLMM":
        assert "one-step binomial–normal GLMM" in v.methods
    published = content.section("published")
    if published.available:
        _same(_frame(at, "Meta-analysis"), published.table)
