"""charts.survival: figures build with the expected traces, honest labels and no ``nan`` text."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from numpy.testing import assert_allclose

from charts import theme
from charts.survival import (
    NOT_KM,
    annotate_curves,
    annotate_pooled,
    median_dot_whisker,
    parametric_curves,
    pooled_median_panel,
    response_vs_pfs,
)
from synthesis.survival_curves import fit_exponential, fit_weibull
from synthesis.survival_medians import median_of_medians, pool_log_medians

NAN = math.nan


def _row(study_id, label, endpoint, statistic, estimate, lo=NAN, hi=NAN, kind="not stated",
         nr=False, t=NAN, method="not stated", subgroup=None, n=NAN, fu=NAN):
    return {
        "study_id": study_id, "label": label, "year": 2020, "design": "retrospective",
        "histology_group": "mixed", "regimen": "monotherapy", "endpoint": endpoint,
        "statistic": statistic, "time_months": t, "estimate": estimate, "ci_low": lo,
        "ci_high": hi, "interval_kind": kind, "not_reached": nr, "milestone_method": method,
        "follow_up_months": fu, "n": n, "subgroup": subgroup, "status": "verified",
        "source": f"https://example.org/{study_id}", "location": "Abstract, Results",
        "derivation": "as printed", "record_kind": "study", "pooled_by_default": True,
    }


@pytest.fixture
def survival_frame() -> pd.DataFrame:
    """A survival frame in the evidence schema with the dossier's numbers."""
    rows = [
        _row("S1", "Xie 2018", "OS", "median", 9.9, 7.6, 12.2, "95% CI", n=56, fu=6.0),
        _row("S1", "Xie 2018", "DoR", "median", 3.8, 1.9, 5.6, "95% CI", n=56),
        _row("S1", "Xie 2018", "PFS", "milestone", 46.3, t=4.0, method="Kaplan–Meier"),
        _row("S1", "Xie 2018", "PFS", "milestone", 36.5, t=6.0, method="Kaplan–Meier"),
        _row("S2", "Liao 2019", "PFS", "median", 7.93, n=59),
        _row("S4", "Liao 2020", "PFS", "median", 7.89, 4.56, 11.21, "95% CI", n=33),
        _row("S4", "Liao 2020", "OS", "median", 17.61, 10.85, 24.37, "95% CI", n=33),
        _row("S5", "Xie 2019", "PFS", "median", 4.50, 3.47, 6.27, n=37),
        _row("S6", "Tian 2019", "PFS", "median", 3.5, 2.5, 4.8, "95% CI", n=27),
        _row("S8", "Xie 2020 CMAR", "PFS", "median", 12.4, 7.0, 21.2, "IQR", n=33, fu=22.1),
        _row("S8", "Xie 2020 CMAR", "OS", "median", NAN, nr=True, n=33, fu=22.1),
        _row("S9", "Wang 2019", "PFS", "median", 18.53, 12.23, NAN, "95% CI", n=6, fu=20.6),
        _row("S9", "Wang 2019", "OS", "median", NAN, nr=True, n=6),
        {**_row("S13", "Ye 2023", "PFS", "median", 24.3, subgroup="ASPS"),
         "source": NAN, "location": None, "derivation": pd.NA, "interval_kind": None},
        _row("SX", "<script>alert(1)</script>", "TTP", "median", 4.6, 1.8, 11.6, "range", n=31),
    ]
    return pd.DataFrame(rows)


def _all_text(fig: go.Figure) -> list[str]:
    """Every string a reader can see: names, text, customdata, hover, annotations, titles."""
    out: list[str] = []
    js = fig.to_plotly_json()
    for tr in js["data"]:
        out.append(str(tr.get("name", "")))
        for key in ("text", "hovertext"):
            v = tr.get(key)
            if v is not None:
                out += [str(x) for x in np.atleast_1d(v)]
        cd = tr.get("customdata")
        if cd is not None:
            out += [str(x) for x in np.asarray(cd, dtype=object).ravel()]
    lay = js["layout"]
    out.append(str(lay.get("title", {}).get("text", "")))
    out += [str(a.get("text", "")) for a in lay.get("annotations", [])]
    return out


def _assert_clean(fig: go.Figure) -> None:
    for s in _all_text(fig):
        assert not re.search(r"\bnan\b", s, flags=re.IGNORECASE), s
        assert "<script" not in s.lower(), s
        assert "None" not in s, s


def _legend(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data if t.showlegend is not False]


def _points(fig: go.Figure, name: str) -> go.Scatter:
    """The data trace of an endpoint (its legend entry is a separate, empty trace)."""
    (tr,) = [t for t in fig.data if t.name == name and t.x is not None and t.x[0] is not None]
    return tr


def _assert_themed(fig: go.Figure) -> None:
    assert fig.layout.template.layout.font.family == theme.FONT


# ---------------------------------------------------------------------------------------------
def test_median_dot_whisker_traces_and_provenance(survival_frame: pd.DataFrame) -> None:
    fig = median_dot_whisker(survival_frame)
    assert _legend(fig) == ["PFS", "TTP", "OS", "DoR", "not reached"]
    pfs = _points(fig, "PFS")
    # milestones are not drawn; every PFS median is
    assert len(pfs.x) == 7
    row = {y: i for i, y in enumerate(pfs.y)}
    i4 = row["Liao 2020 (PFS)"]
    assert pfs.x[i4] == 7.89
    assert_allclose([pfs.error_x.arrayminus[i4], pfs.error_x.array[i4]], [7.89 - 4.56, 11.21 - 7.89])
    # NE upper bound: no right whisker, hover says NE
    i9 = row["Wang 2019 (PFS)"]
    assert pfs.error_x.array[i9] == 0 and pfs.error_x.arrayminus[i9] > 0
    assert "12.23–NE" in pfs.customdata[i9][2]
    # interval kind as a marker shape and in the hover
    assert pfs.marker.symbol[row["Xie 2020 CMAR (PFS)"]] == "square-open"
    assert pfs.customdata[row["Xie 2020 CMAR (PFS)"]][3] == "IQR"
    assert pfs.marker.symbol[i4] == "circle"
    assert pfs.marker.symbol[row["Liao 2019 (PFS)"]] == "x"
    assert "Ye 2023 · ASPS (PFS)" in row
    # provenance in the hover data
    cd = pfs.customdata[i4]
    assert "https://example.org/S4" in cd and "Abstract, Results" in cd and "verified" in cd
    assert "as printed" in cd
    assert "%{customdata[8]}" in pfs.hovertemplate
    # not reached: placed at follow-up when known
    nr = _points(fig, "not reached")
    assert list(nr.text) == ["NR", "NR"]
    assert nr.marker.symbol == "triangle-right"
    assert dict(zip(nr.y, nr.x, strict=True))["Xie 2020 CMAR (OS)"] == 22.1
    _assert_clean(fig)
    _assert_themed(fig)


def test_median_dot_whisker_escapes_data_text(survival_frame: pd.DataFrame) -> None:
    fig = median_dot_whisker(survival_frame)
    ttp = _points(fig, "TTP")
    assert ttp.customdata[0][0].startswith("&lt;script&gt;")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (TTP)" in fig.layout.yaxis.categoryarray
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (TTP)" in ttp.y
    assert ttp.customdata[0][3] == "range"


def test_median_dot_whisker_filters_and_empty(survival_frame: pd.DataFrame) -> None:
    fig = median_dot_whisker(survival_frame, endpoints=["OS"])
    assert _legend(fig) == ["OS", "not reached"]
    empty = median_dot_whisker(survival_frame[survival_frame["statistic"] == "milestone"])
    assert len(empty.data) == 0
    assert "No reported medians" in empty.layout.annotations[0].text
    with pytest.raises(ValueError, match="missing column"):
        median_dot_whisker(survival_frame.drop(columns=["ci_high"]))


# ---------------------------------------------------------------------------------------------
def test_parametric_curves_say_not_km_and_pass_through_points() -> None:
    pts = [(4.0, 0.463), (6.0, 0.365)]
    fe = fit_exponential(pts, labels=["PFS 4 mo (KM)", "PFS 6 mo (KM)"])
    fw = fit_weibull(pts, labels=["PFS 4 mo (KM)", "PFS 6 mo (KM)"])
    fig = parametric_curves({"S1 PFS exponential": fe, "S1 PFS Weibull": fw})
    names = [t.name for t in fig.data]
    assert names == [
        "S1 PFS exponential (assumed model, not KM)",
        "S1 PFS Weibull (assumed model, not KM)",
        "reported points",
    ]
    assert fig.layout.title.text == NOT_KM
    assert "not Kaplan–Meier" in fig.layout.title.text
    assert any("exponential and a Weibull assumption — not Kaplan–Meier curves."
               in a.text.replace("<br>", " ") for a in fig.layout.annotations)
    assert fig.data[0].line.dash == "dash" and fig.data[1].line.dash == "dot"
    # curve values are the fit's survival function
    assert_allclose(fig.data[1].y, fw.survival(np.asarray(fig.data[1].x)), rtol=1e-14)
    assert fig.data[1].y[0] == 1.0
    # the reported points are overlaid and the Weibull passes through them
    p = fig.data[2]
    assert list(p.text) == ["PFS 4 mo (KM)", "PFS 6 mo (KM)"]
    assert_allclose(fw.survival(np.asarray(p.x)), p.y, atol=1e-12)
    _assert_clean(fig)
    _assert_themed(fig)


def test_parametric_curves_external_points_and_errors() -> None:
    fit = fit_exponential([(13.1, 0.5)])
    pts = pd.DataFrame({"time_months": [6.0, 12.0, 13.1, NAN], "survival": [0.762, 0.554, 0.5, 0.3],
                        "label": ["6 mo", "12 mo", "median", None],
                        "method": ["not stated", "not stated", None, None]})
    fig = parametric_curves([fit], pts, t_max=30)
    assert [t.name for t in fig.data] == ["Exponential (assumed model, not KM)", "reported points"]
    assert len(fig.data[1].x) == 3  # the NaN row is dropped
    assert fig.layout.xaxis.range == (0, 30)
    _assert_clean(fig)
    with pytest.raises(ValueError, match="t_max"):
        parametric_curves(fit, t_max=-1)
    with pytest.raises(ValueError, match="missing column"):
        parametric_curves(fit, pd.DataFrame({"time_months": [1.0]}))


# ---------------------------------------------------------------------------------------------
def test_response_vs_pfs() -> None:
    df = pd.DataFrame({
        "label": ["Xie 2019", "Liao 2020", "Wang 2019", "Tian 2019", "Liao 2019"],
        "median_months": [4.5, 7.89, 18.53, 3.5, NAN],
        "response_percent": [43.24, 6.06, 100.0, 25.93, 15.25],
        "histology_group": ["osteosarcoma", "osteosarcoma", "ASPS", "osteosarcoma", None],
        "status": ["verified", None, NAN, "unverified", None],
        "n": [37, 33, 6, 27, 59],
        "source": ["a", "b", "c", "d", "e"],
    })
    fig = response_vs_pfs(df, response="ORR")
    assert [t.name for t in fig.data] == ["osteosarcoma", "ASPS"]
    assert list(fig.data[0].text) == ["Xie 2019", "Liao 2020", "Tian 2019"]
    assert "different stories" in fig.layout.title.text
    assert "1 row(s)" in fig.layout.annotations[0].text
    assert fig.data[0].marker.size[0] > fig.data[1].marker.size[0]  # n 37 vs 6
    _assert_clean(fig)
    _assert_themed(fig)
    one = response_vs_pfs(df.drop(columns=["histology_group", "n"]), response="DCR")
    assert [t.name for t in one.data] == ["studies"]
    assert one.layout.yaxis.title.text == "DCR (%)"
    none = response_vs_pfs(df.iloc[[4]])
    assert len(none.data) == 0


# ---------------------------------------------------------------------------------------------
def test_pooled_median_panel_random_effects() -> None:
    res = pool_log_medians(
        [7.89, 4.50, 3.5, 12.4, 18.53], [4.56, 3.47, 2.5, 7.0, 12.23], [11.21, 6.27, 4.8, 21.2, NAN],
        interval_kind=["95% CI", "95% CI", "95% CI", "IQR", "95% CI"],
        labels=["S4", "S5", "S6", "S8", "S9"],
    )
    fig = pooled_median_panel(res, endpoint="PFS")
    assert [t.name for t in fig.data] == ["studies", "pooled", "prediction interval"]
    assert list(fig.data[0].y) == ["S4", "S5", "S6"]
    assert fig.data[1].x[0] == pytest.approx(res.estimate)
    assert fig.layout.xaxis.type == "log"
    cap = fig.layout.annotations[0].text
    assert "S8 (interval is an IQR, not a 95% CI)" in cap
    assert "S9 (upper bound not estimable (NE))" in cap
    assert "restricted maximum likelihood" in cap
    assert fig.layout.title.text.startswith("Pooled median PFS: ")
    _assert_clean(fig)
    _assert_themed(fig)


def test_pooled_median_panel_median_of_medians_and_empty() -> None:
    mm = median_of_medians([7.93, 8.84, 7.89, 4.5, 3.5], labels=list("ABCDE"))
    fig = pooled_median_panel(mm)
    assert [t.name for t in fig.data] == ["studies", "pooled"]
    assert fig.data[1].error_x.array[0] == 0  # k = 5: no 95% interval
    assert "needs k ≥ 6" in fig.layout.annotations[0].text
    _assert_clean(fig)
    empty = pool_log_medians([12.4], [7.0], [21.2], interval_kind=["IQR"], labels=["S8"])
    fe = pooled_median_panel(empty)
    assert len(fe.data) == 0
    assert "not estimable" in fe.layout.title.text
    assert any("Nothing was pooled" in a.text for a in fe.layout.annotations)
    _assert_clean(fe)


def test_median_dot_whisker_shortens_long_row_labels_but_not_hover() -> None:
    long_sub = "hypertension, hand-foot-skin reaction or proteinuria"
    df = pd.DataFrame([_row("S2", "Liao 2019", "OS", "median", 18.2, subgroup=long_sub, n=22)])
    tr = _points(median_dot_whisker(df), "OS")
    assert tr.y[0] == "Liao 2019 · hypertension, hand-foot-ski… (OS)"
    assert long_sub in tr.customdata[0][0]
    # legend entries use one neutral symbol; the data trace keeps the interval-kind shapes
    leg = [t for t in median_dot_whisker(df).data if t.showlegend is not False][0]
    assert leg.marker.symbol == "circle" and tr.marker.symbol == ("x",)


def test_pooled_panel_single_study_has_no_prediction_interval() -> None:
    one = pool_log_medians([3.5], [2.5], [4.8], labels=["Tian 2019"])
    assert math.isnan(one.pi.low)
    fig = pooled_median_panel(one)
    assert [t.name for t in fig.data] == ["studies", "pooled"]
    assert "I² = –" not in fig.layout.annotations[0].text
    _assert_clean(fig)


def test_response_pfs_table_joins_headline_whole_cohort_rows() -> None:
    outcomes = pd.DataFrame([
        {"study_id": "S2", "endpoint": "ORR", "timepoint": "week_12", "headline": True,
         "events": 10, "total": 59, "percent_reported": 16.95, "subgroup": None,
         "record_kind": "study", "status": "reported"},
        {"study_id": "S2", "endpoint": "ORR", "timepoint": "final", "headline": False,
         "events": 9, "total": 59, "percent_reported": 15.25, "subgroup": None,
         "record_kind": "study", "status": "reported"},
        {"study_id": "S9c", "endpoint": "ORR", "timepoint": "best_overall", "headline": True,
         "events": 1, "total": 1, "percent_reported": NAN, "subgroup": None,
         "record_kind": "study", "status": "reported"},
        {"study_id": "C-a", "endpoint": "ORR", "timepoint": "best_overall", "headline": True,
         "events": pd.NA, "total": pd.NA, "percent_reported": 33.3, "subgroup": None,
         "record_kind": "untraced_claim", "status": "reported"},
        {"study_id": "S15", "endpoint": "ORR", "timepoint": "best_overall", "headline": True,
         "events": pd.NA, "total": pd.NA, "percent_reported": 26.7, "subgroup": None,
         "record_kind": "study", "status": "reported"},
    ])
    survival = pd.DataFrame([
        _row("S2", "Liao 2019", "PFS", "median", 7.93),
        _row("S9c", "Zhou 2017", "PFS", "median", 12.0),
        _row("C-a", "Seed (a)", "TTP", "median", 4.6),
        _row("S15", "Union Hospital", "PFS", "median", 4.1),
        _row("S15", "Union Hospital", "PFS", "median", 6.4, subgroup="USRCS"),
    ])
    survival["record_kind"] = ["study", "study", "untraced_claim", "study", "study"]
    from charts.survival import response_pfs_table

    t = response_pfs_table(outcomes, survival)
    assert list(t["study_id"]) == ["S2", "S15"]  # case report (n = 1) and claims left out
    assert t.loc[0, "response_percent"] == pytest.approx(1000 / 59)  # counts, not the print
    assert t.loc[1, "response_percent"] == 26.7  # printed percentage when counts are missing
    assert t.loc[1, "median_months"] == 4.1  # the whole cohort, not the subgroup
    fig = response_vs_pfs(t)
    assert "week 12" in fig.data[0].customdata[0][6]
    _assert_clean(fig)
    assert len(response_pfs_table(outcomes, survival, min_n=1)) == 3


def test_median_dot_whisker_panels_label_every_row_once_per_study_and_endpoint() -> None:
    df = pd.DataFrame([
        _row("S1", "Xie 2018", "OS", "median", 9.9, 7.6, 12.2, "95% CI"),
        _row("S1", "Xie 2018", "OS", "median", 12.0, subgroup="responders"),
        _row("S1", "Xie 2018", "DoR", "median", 3.8, 1.9, 5.6, "95% CI"),
        _row("S2", "Liao 2019", "PFS", "median", 7.93),
        _row("S2", "Liao 2019", "PFS", "median", 9.1, subgroup="with hypertension"),
        _row("S3", "Tian 2019", "PFS", "median", 3.1, subgroup="low dose"),
        _row("S6", "Sun 2020", "TTP", "median", 4.5),
    ])
    fig = median_dot_whisker(df, panels=True)
    left, right = fig.layout.yaxis, fig.layout.yaxis2
    # every row has a label (no skipped ticks), in the plotted order
    assert list(left.ticktext) == list(left.categoryarray)[::-1]
    assert set(left.ticktext) == {"Liao 2019", "Tian 2019 · low dose", "Sun 2020 (TTP)"}
    assert set(right.ticktext) == {"Xie 2018", "Xie 2018 (DoR)"} and right.side == "right"
    # subgroup rows left out only where the whole cohort is reported, and the caption counts them
    assert any("2 subgroup medians not shown" in a.text for a in fig.layout.annotations)
    assert "PFS / TTP" in fig.layout.xaxis.title.text and "OS / DoR" in fig.layout.xaxis2.title.text
    assert fig.layout.xaxis.range == fig.layout.xaxis2.range
    # the single-column figure keeps every row
    assert len(median_dot_whisker(df).layout.yaxis.categoryarray) == 7


def test_annotate_curves_escapes_provenance_and_marks_claims() -> None:
    pts = [(4.0, 0.463), (6.0, 0.365)]
    fig = parametric_curves([fit_exponential(pts)])
    plain = annotate_curves(parametric_curves([fit_exponential(pts)]))
    assert plain.layout.margin.t == 125 and len(plain.data) == len(fig.data)
    out = annotate_curves(fig, ["<b>p1</b>", "p2 & co"], [("<i>Claim</i>: 56 patients", 6.6)])
    rep = next(t for t in out.data if t.name == "reported points")
    assert [c[2] for c in rep.customdata] == ["&lt;b&gt;p1&lt;/b&gt;", "p2 &amp; co"]
    assert "%{customdata[2]}" in rep.hovertemplate
    claim = out.data[-1]
    assert claim.name == "claimed median of a secondary report (not used in the fit)"
    assert list(claim.text) == ["&lt;i&gt;Claim&lt;/i&gt;: median 6.6 mo?"] and list(claim.x) == [6.6]
    assert out.layout.margin.t == 160
    short = annotate_curves(parametric_curves([fit_exponential(pts)]), ["only one"])
    assert len(next(t for t in short.data if t.name == "reported points").customdata[0]) == 2  # counts differ


def test_annotate_pooled_adds_escaped_provenance_by_label() -> None:
    r = pool_log_medians([7.89, 3.5], [4.56, 2.5], [11.21, 4.8], labels=["S<4>", "S6"])
    fig = annotate_pooled(pooled_median_panel(r), {"S<4>": "doi <x>", "other": "unused"})
    st_tr = next(t for t in fig.data if t.name == "studies")
    assert [c[5] for c in st_tr.customdata] == ["doi &lt;x&gt;", "–"]
    assert st_tr.hovertemplate.endswith("<br>%{customdata[5]}<extra></extra>")
