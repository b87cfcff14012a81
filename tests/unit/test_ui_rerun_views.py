"""Cached rerun views of the Studies and Data checks pages equal the pure functions they wrap;
downloads build their CSV only on click, with the same bytes as before."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

import evidence
from evidence import userdata as U
from findings import studies as study_views
from findings import text as ft
from findings.checks_summary import checks_summary
from findings.frames import frames_key
from findings.study_flags import merge_confirmed
from synthesis.spec import PRIOR_SCALES
from synthesis.vocabulary import CHOICES
from ui import analysis as A
from ui import evidence_view as V
from ui import widgets


@pytest.fixture(autouse=True)
def _clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture(scope="module")
def base() -> evidence.EvidenceBase:
    return evidence.load_studies()


@pytest.fixture(scope="module")
def merged(base) -> evidence.EvidenceBase:
    return U.merge(base, U.import_csv(U.template_bytes("csv"), "mine.csv"))


@pytest.mark.parametrize("kw", [
    {},
    {"severity": ["error"]},
    {"severity": ["warning", "info"], "search": "ORR"},
    {"kinds": ["percent_mismatch"], "studies": ["S1", "S8"]},
    {"search": "nothing matches this"},
])
def test_flag_view_equals_the_pure_filters(base, kw) -> None:
    fr = V.frames(base)
    view = V.flag_view(fr, **kw)
    sel = study_views.filter_flags(fr.flags, **kw)
    assert view.flags.equals(sel)
    kinds = study_views.flag_kinds(sel)
    assert view.kinds.equals(study_views.display_frame(kinds))
    assert [k for k, _, _ in view.kind_rows] == list(kinds["kind"])
    assert [(n, w) for _, n, w in view.kind_rows] == [(int(n), w) for n, w in zip(kinds["flags"], kinds["worst"],
                                                                                  strict=True)]
    counts = sel["severity"].value_counts()
    assert all(view.counts.get(s, 0) == int(counts.get(s, 0)) for s in ("error", "warning", "info"))
    assert list(view.study_ids) == list(dict.fromkeys(sel["study_id"]))
    assert V.flag_view(fr, **kw) is view  # cached


def test_flag_options(base) -> None:
    fr = V.frames(base)
    kinds, studies = V.flag_options(fr)
    assert kinds == sorted(fr.flags["kind"].unique()) and studies == sorted(fr.flags["study_id"].unique())


def test_views_key_on_content(base, merged) -> None:
    a, b = V.frames(base), V.frames(merged)
    assert a.key != b.key and a.key == frames_key(base)
    assert len(V.flag_view(b).flags) == len(merged.flags) != len(V.flag_view(a).flags)
    assert "U1" in set(V.browser(b).table["id"]) and "U1" not in set(V.browser(a).table["id"])
    assert list(V.comparison(b, ["U1"]).columns) == ["U1"]
    assert V.comparison(a, ["U1"]).empty or list(V.comparison(a, ["U1"]).columns) != ["U1"]


@pytest.mark.parametrize("kw", [
    {},
    {"histology": ["ASPS"]},
    {"design": ["Retrospective"], "search": "2019"},
    {"years": (2018, 2020)},
    {"origin": ["user"]},
    {"kind": ["Meta-analysis", "Study"], "search": "  "},
])
def test_browser_rows_equal_the_pure_filter(merged, kw) -> None:
    fr = V.frames(merged)
    uids = frozenset({"U1", "U2"})
    table = study_views.browser_table(fr.studies, uids)
    b = V.browser(fr, uids)
    assert b.table.equals(table)
    assert b.options == {c: study_views.filter_options(table, c) for c in ("histology", "design", "regimen", "kind")}
    years = [int(y) for y in fr.studies["year"].dropna()]
    assert b.years == (min(years), max(years))
    assert V.browser_rows(fr, uids, **kw).equals(study_views.filter_browser(table, **kw))


def test_comparison_and_candidates_equal_the_pure_functions(base) -> None:
    fr = V.frames(base)
    assert V.comparison(fr, ["S2", "S4"]).equals(study_views.comparison_table(fr.studies, ["S2", "S4"]))
    for args in (("24.3%", None, 60, 1, "half-up"), ("81.39", 2, 100, 1, "truncate"), ("abc", None, 60, 1, "half-up")):
        got, want = V.cached_candidates(*args), study_views.candidates(*args)
        assert got.pairs.equals(want.pairs) and (got.message, got.ok) == (want.message, want.ok)


def _capture(monkeypatch, module) -> list[dict]:
    calls: list[dict] = []
    monkeypatch.setattr(module.st, "download_button", lambda label, **kw: calls.append({"label": label, **kw}))
    return calls


def test_downloads_are_built_on_click_with_the_same_bytes(monkeypatch) -> None:
    df = pd.DataFrame({"a": ["=1+1", "x"], "b": [1.5, None]})
    calls = _capture(monkeypatch, V)
    V.csv_download(df, "t.csv", key="k")
    V.csv_download(lambda: df, "t.csv", key="k2")
    assert all(callable(c["data"]) for c in calls)
    assert calls[0]["data"]() == calls[1]["data"]() == ft.csv_bytes(df)
    assert calls[0]["file_name"] == "t.csv" and calls[0]["mime"] == "text/csv" and calls[0]["on_click"] == "ignore"
    calls = _capture(monkeypatch, widgets)
    widgets.csv_download(df, "u.csv", key="k3", label="Get")
    assert calls[0]["label"] == "Get" and callable(calls[0]["data"]) and calls[0]["data"]() == ft.csv_bytes(df)


def _other_value(cls: type, name: str, v: object) -> object:
    """A different value of field ``name`` that the class accepts (Model validates its fields)."""
    if cls is A.Model and name in CHOICES:
        return next(c for c in CHOICES[name] if c != v)
    if cls is A.Model and name == "prior_scale":
        return next(s for s in PRIOR_SCALES if s != v)
    return v + 0.01 if isinstance(v, float) else ("x",) if isinstance(v, tuple) else v + "x"


def test_cache_keys_of_models_and_selections_name_every_field() -> None:
    import dataclasses

    for cls, base in ((A.Model, A.DEFAULT_MODEL), (A.Selection, A.Selection())):
        keys = {A.HASH_FUNCS[cls](base)}
        for f in dataclasses.fields(cls):
            other = _other_value(cls, f.name, getattr(base, f.name))
            keys.add(A.HASH_FUNCS[cls](dataclasses.replace(base, **{f.name: other})))
        assert len(keys) == len(dataclasses.fields(cls)) + 1, cls
    assert A.HASH_FUNCS[A.Model](A.Model(level=0.9)) == A.HASH_FUNCS[A.Model](A.Model(level=0.9))


def test_cached_pool_tells_models_apart() -> None:
    ev, n, labels = (3, 5, 7), (10, 20, 30), ("a", "b", "c")
    a = A.cached_pool(ev, n, labels, A.DEFAULT_MODEL)
    b = A.cached_pool(ev, n, labels, A.Model(level=0.9))
    assert a.fit.level == 0.95 and b.fit.level == 0.9 and a.ci.low < b.ci.low


def test_shared_figure_builds_its_dict_once_with_the_same_content() -> None:
    import plotly.graph_objects as go
    import plotly.io as pio

    def make() -> go.Figure:
        return go.Figure(go.Scatter(x=[1, 2, 3], y=[0.1, 0.5, 0.2], customdata=[["S1"], ["S2"], ["S3"]]),
                         layout={"title": {"text": "t"}})

    fig = A.shared_figure(make())
    assert isinstance(fig, go.Figure) and fig.to_dict() is fig.to_dict()
    assert pio.to_json(fig, validate=False) == pio.to_json(make(), validate=False)
    assert fig.layout.title.text == "t" and list(fig.data[0].x) == [1, 2, 3]
    sub = type("Sub", (go.Figure,), {})()
    assert A.shared_figure(sub) is sub and type(sub).__name__ == "Sub"  # other classes untouched


def test_pure_flag_view_and_overlap_members(base) -> None:
    fr = V.frames(base)
    pure = study_views.flag_view(fr.flags, severity=["warning"], search="ORR")
    sel = study_views.filter_flags(fr.flags, severity=["warning"], search="ORR")
    assert pure.flags.equals(sel) and set(pure.counts) <= {"warning"}
    assert pure.kinds.equals(study_views.display_frame(study_views.flag_kinds(sel)))
    empty = study_views.flag_view(fr.flags.iloc[:0])
    assert empty.kind_rows == () and empty.counts == {} and empty.study_ids == ()
    group = base.overlap_group(base.by_id["S1"].overlap_group)
    members = study_views.overlap_members(base, group)
    assert list(members.columns) == ["record", "label", "pooled by default"]
    assert members["record"].tolist() == list(group.members)
    assert [p == "yes" for p in members["pooled by default"]] == [m in group.pooled_by_default for m in group.members]
    assert all(lab == (base.by_id[m].label if m in base.by_id else "(not in this data set)")
               for m, lab in zip(members["record"], members["label"], strict=True))


def test_study_card_is_built_once_per_study_and_equals_the_pure_functions(base, merged) -> None:
    fr = V.frames(base)
    for sid in ("S1", "S5", "S8"):
        study = base.study(sid)
        card = V.card(base, fr, study)
        assert V.card(base, fr, study) is card  # cached: a rerun of the card recomputes nothing
        f = merge_confirmed(fr.flags[fr.flags["study_id"] == sid],
                            {(r.kind, r.field): r.check for r in study.flags if r.check})
        assert card.flags.equals(f) and card.n_errors == int((f["severity"] == "error").sum())
        assert card.tables["outcomes"].equals(study_views.outcome_rows(fr.outcomes, card.flags, sid))
        assert card.tables["toxicity"].equals(study_views.toxicity_rows(fr.toxicity, sid))
        assert card.messages["rates"] == V.flag_messages(study_views._section_flags(card.flags, "rates"))
    s1 = merged.study("S1")
    other = V.card(merged, V.frames(merged), s1)  # other data content: another entry
    assert other is not V.card(base, fr, base.study("S1"))


def test_flag_messages_escape_data_text_and_put_errors_first() -> None:
    flags = pd.DataFrame({"severity": ["info", "error"], "kind": ["k*1", "k2"], "field": ["f", "g"],
                          "message": ["a <b>", "c_d"], "dossier_flag": [None, 3]})
    msgs = V.flag_messages(flags)
    assert [s for s, _ in msgs] == ["error", "info"]
    assert "(dossier flag 3)" in msgs[0][1] and ft.md("k*1") in msgs[1][1] and ft.md("a <b>") in msgs[1][1]


def test_checks_summary_is_cached_per_data_content(base, merged) -> None:
    fr = V.frames(base)
    got = V.summary(base, fr)
    want = checks_summary(records=len(base.studies), problems=base.problems, flags=fr.flags)
    assert (got.level, got.sentence) == (want.level, want.sentence) and got.table.equals(want.table)
    assert V.summary(base, fr) is got
    other = V.summary(merged, V.frames(merged))
    assert other is not got and other.sentence.startswith("The file loaded (") and str(len(merged.studies)) in other.sentence
