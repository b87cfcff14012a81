"""Survival page under AppTest: filters change the table, the pooled-median method switch changes
the numbers (which equal synthesis), flag 1 is visible, every tab renders without exception or 'nan'."""

from __future__ import annotations

import json
import re

import pytest

from findings import survival_evidence as SE
from findings import text as ft
from findings.frames import Frames, frames_of
from ui import survival_view as V
from ui.data import get_evidence

pytestmark = pytest.mark.app
PAGE = "pages/survival.py"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)
TABS = ["Table & medians", "Approximate curves", "Pooled medians", "Pooled milestones", "Response vs PFS"]


def visible_text(at) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "text", "error",
                 "warning", "info", "success", "code"):
        parts += [str(el.value) for el in getattr(at, kind, [])]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [d.value.to_csv(index=False) for d in at.dataframe]
    return "\n".join(parts).replace("\\", "")


def check_clean(at) -> str:
    assert not at.exception, [e.value for e in at.exception]
    text = visible_text(at)
    assert not NAN.search(text), text[max(0, NAN.search(text).start() - 200):][:400]
    return text


def table(at):
    return next(d.value for d in at.dataframe if "Estimate" in d.value.columns)


def metric(at, label: str) -> str:
    for m in at.metric:
        if m.label.startswith(label):
            return m.value
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def frames() -> Frames:
    return frames_of(get_evidence())


def test_default_view_shows_every_value_and_flag_1(app_test) -> None:
    at = app_test(page=PAGE)
    text = check_clean(at)
    assert len(table(at)) == len(frames().survival)
    assert "Median PFS 6.6 months is incompatible with S1's PFS 46.3% at 4 months" in text
    assert any("dossier flag 1" in e.value for e in at.error)
    assert "dossier flag 8" in text  # S7 crude vs Kaplan–Meier, in the flag table
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    fig = json.loads(charts[0].proto.spec)
    assert any(SE.FLAG in str(y) for tr in fig["data"] for y in (tr.get("y") or []))
    assert at.download_button  # CSV of the table


def test_url_filters_change_what_is_shown(app_test) -> None:
    at = app_test(page=PAGE, query={"histology": "osteosarcoma", "endpoints": "OS"})
    check_clean(at)
    t = table(at)
    assert set(t["Histology"]) == {"osteosarcoma"} and set(t["Endpoint"]) == {"OS"}
    expected = SE.apply_filters(frames().survival, endpoints=("OS",), histology=("osteosarcoma",))
    assert len(t) == len(expected)


def test_widget_filters_change_what_is_shown(app_test) -> None:
    at = app_test(page=PAGE)
    n_all = len(table(at))
    at.multiselect(key="endpoints").set_value(["PFS"]).run()
    check_clean(at)
    assert set(table(at)["Endpoint"]) == {"PFS"} and len(table(at)) < n_all
    at.multiselect(key="design").set_value(["prospective"]).run()
    assert set(table(at)["Design"]) == {"prospective"}
    at.toggle(key="subgroups").set_value(False).run()
    check_clean(at)
    assert set(table(at)["Subgroup"]) == {"whole cohort"}


def test_empty_selection_is_explained(app_test) -> None:
    at = app_test(page=PAGE, query={"histology": "chondrosarcoma", "design": "prospective"})
    check_clean(at)
    assert any("No survival figure matches" in w.value for w in at.warning)


def test_pooled_method_switch_changes_the_numbers(app_test) -> None:
    at = app_test(page=PAGE, query={"stab": "Pooled medians"})
    text = check_clean(at)
    cands, pre = V.pool_candidates(frames().survival, "PFS", "one")
    # the page opens on the method that uses the most studies, and says how many it used
    best = V.run_pool(cands, V.default_pool_method(cands))
    assert best.k >= 2
    assert metric(at, "Pooled median PFS") == f"{ft.decimal(best.estimate)} months"
    assert metric(at, "Studies used / candidates") == f"{best.k} / {len(cands) + len(pre)}"
    assert f"from {best.k} of {len(cands) + len(pre)} studies" in text
    # inverse variance uses fewer PFS medians (only stated 95% CIs); never a value from one study
    at.radio(key="pool_method").set_value("REML").run()
    text = check_clean(at)
    reml = V.run_pool(cands, "REML")
    assert reml.k < best.k
    head = V.pooled_headline(reml, "PFS", "REML", len(cands) + len(pre))
    assert metric(at, "Pooled median PFS") == (head.value if reml.k >= 2 else "not pooled")
    assert metric(at, "Studies used / candidates") == f"{reml.k} / {len(cands) + len(pre)}"
    assert head.sentence in text
    assert "interval is an IQR, not a 95% CI" in text and "secondary report of S1" in text
    at.radio(key="pool_method").set_value("median").run()
    check_clean(at)
    mom = V.run_pool(cands, "median")
    assert metric(at, "Pooled median PFS") == f"{ft.decimal(mom.estimate)} months"
    assert metric(at, "95% order-statistic interval") == f"{ft.decimal(mom.ci.low)}–{ft.decimal(mom.ci.high)}"
    assert mom.estimate != reml.estimate
    at.radio(key="pool_method").set_value("REML").run()
    at.toggle(key="unstated").set_value(True).run()
    check_clean(at)
    sens = V.run_pool(cands, "REML", include_unstated=True)
    assert metric(at, "Pooled median PFS") == f"{ft.decimal(sens.estimate)} months"
    assert sens.k >= reml.k  # unstated intervals can only add studies


def test_pooled_medians_show_reconstruction_based_row(app_test) -> None:
    at = app_test(page=PAGE, query={"stab": "Pooled medians"})
    at.session_state["digitised_medians"] = [("PFS", "S7", 6.1), ("PFS", "S10", 13.3), ("OS", "S10", 20.0)]
    at.run()
    check_clean(at)
    comp = next(d.value for d in at.dataframe if "studies used" in d.value.columns)
    row = comp[comp["method"].str.contains("reconstructed from the published Kaplan–Meier figure")]
    assert len(row) == 1 and row.iloc[0]["studies used"] == 2


def test_pooled_all_reports_warns_and_os_endpoint(app_test) -> None:
    at = app_test(page=PAGE, query={"stab": "Pooled medians", "reports": "All reports (overlapping cohorts)",
                                    "pool_endpoint": "OS", "pool_method": "DL"})
    check_clean(at)
    assert any("count the same patients twice" in w.value for w in at.warning)
    cands, _ = V.pool_candidates(frames().survival, "OS", "all")
    res = V.run_pool(cands, "DL")
    assert metric(at, "Pooled median OS") == f"{ft.decimal(res.estimate)} months"
    # the label link is rewritten to the token the pooled pages and the CLI write
    assert at.query_params["reports"] == "all"


def test_overlap_and_filter_choices_are_written_to_the_url_as_tokens(app_test) -> None:
    at = app_test(page=PAGE)
    check_clean(at)
    at.radio(key="reports").set_value("all").run()
    at.multiselect(key="histology").set_value(["osteosarcoma"]).run()
    check_clean(at)
    assert at.query_params["reports"] == "all" and at.query_params["histology"] == "osteosarcoma"
    at.radio(key="reports").set_value("one").run()
    assert "reports" not in at.query_params


def test_curves_are_labelled_as_reconstructions(app_test) -> None:
    at = app_test(page=PAGE, query={"stab": "Approximate curves"})
    text = check_clean(at)
    assert "not Kaplan–Meier curves" in text
    assert any("incompatible" in e.value for e in at.error)  # claim (b) against S1's milestones
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [tr.get("name", "") for tr in fig["data"]]
    assert "exponential (assumed model, not KM)" in names and "weibull (assumed model, not KM)" in names
    at.selectbox(key="curve").set_value("S7:PFS").run()
    text = check_clean(at)
    assert "two reported points" in text and "crude proportion, not a Kaplan–Meier estimate" in text
    assert any("crude 30.23%" in w.value.replace("\\", "") for w in at.warning)


def test_pooled_milestones_tab(app_test) -> None:
    at = app_test(page=PAGE, query={"stab": "Pooled milestones", "ms_time": "6"})
    text = check_clean(at)
    view = V.milestone_view(frames().survival, "PFS", 6.0)
    assert view.headline.replace("\\", "") in text
    assert "crude proportion: not pooled with Kaplan–Meier rates" in text
    at.radio(key="ms_scale").set_value("logit").run()
    text = check_clean(at)
    assert V.milestone_view(frames().survival, "PFS", 6.0, scale="logit").headline in text
    at.selectbox(key="ms_time").set_value(3.0).run()
    text = check_clean(at)
    assert "van Glabbeke" in text and "12 weeks = 2.76 months" in text


def test_response_tab(app_test) -> None:
    at = app_test(page=PAGE, query={"stab": "Response vs PFS"})
    text = check_clean(at)
    assert "Response and durability tell different stories" in text
    assert len(at.get("plotly_chart")) == 1
    at.radio(key="response").set_value("DCR").run()
    text = check_clean(at)
    assert "DCR (%)" in text


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_renders_with_a_filter(app_test, tab) -> None:
    at = app_test(page=PAGE, query={"stab": tab, "histology": "soft-tissue sarcoma"})
    check_clean(at)
