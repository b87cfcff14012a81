"""reports.view.View: the pooled page's URL keys, defaults, round trips and label parsing."""

from __future__ import annotations

import pytest

from findings import planner_inputs as FI
from reports.view import FILTER_KEYS, QUERY_KEYS, View


def test_defaults_are_the_page_defaults() -> None:
    from ui.analysis import DEFAULT_MODEL, Selection

    v = View()
    assert (v.p0, v.p1, v.alpha, v.power) == (0.2, 0.4, 0.05, 0.8)  # Trial planner defaults
    assert v.selection_kwargs() == {
        k: getattr(Selection(), k) for k in v.selection_kwargs()
    }
    assert v.model_kwargs() == {k: getattr(DEFAULT_MODEL, k) for k in v.model_kwargs()}
    assert v.model() == DEFAULT_MODEL and v.selection() == Selection()
    assert v.to_query() == ""


def test_a_view_carries_every_model_choice() -> None:
    # one Model for the pages and the reports: a view's choices reach the pooling arguments
    from synthesis.spec import Model

    v = View.from_query("method=PM&transform=freeman-tukey&ci=z&pi=z&i2=Q&level=0.9&study_ci=wilson&prior=1.0")
    assert v.model() == Model(method="PM", transform="freeman-tukey", ci_method="z", pi_method="z",
                              i2_definition="Q", level=0.9, study_ci_method="wilson", prior_scale=1.0)
    assert v.pool_kwargs() == v.model().pool_kwargs()
    assert View(**{**{f: getattr(v, f) for f in v.__dataclass_fields__}, "method": "DL"}).pool_kwargs()["method"] == "DL"


def test_keys_are_the_keys_bound_by_the_page_controls() -> None:
    import inspect

    import ui.controls as controls

    src = inspect.getsource(controls)
    import ui.planner as planner
    import ui.widgets as widgets

    wsrc = inspect.getsource(widgets)
    psrc = inspect.getsource(planner)
    for key in QUERY_KEYS:
        if key in FILTER_KEYS:
            continue  # the filter widgets are keyed by loop variable (FILTER_LABELS keys)
        if key == "forest_sort":  # the forest panel's order control
            assert 'key: str = "forest_sort"' in src and "sort_control()" in wsrc
            continue
        if key in ("p0", "p1", "alpha", "power"):  # planner: keyed by the binary designs' input fields
            assert key in {f.key for f in (*FI.RATE_FIELDS, *FI.BINARY_ERRORS)}
            assert "in FI.RATE_FIELDS" in psrc and "in FI.BINARY_ERRORS" in psrc
            continue
        assert f'key="{key}"' in src, f"page has no widget keyed {key!r}"
    assert set(FILTER_KEYS) == set(controls.FILTER_LABELS)


@pytest.mark.parametrize(
    "query",
    [
        "endpoint=DCR",
        "method=DL&ci=z&pi=t(k-2)&i2=Q&level=0.9",
        "histology=Osteosarcoma&histology=Soft-tissue sarcoma&reports=all",
        "method=GLMM&ci=t&study_ci=wilson&prior=1&forest_sort=weight",
        "p0=0.1&p1=0.3&alpha=0.1&power=0.9",
        "transform=freeman-tukey&timepoint=week_12&design=prospective&line=second-line",
        "endpoint=DCR&rob_cb=true",
    ],
)
def test_round_trip(query: str) -> None:
    v = View.from_query(query)
    assert View.from_query(v.to_query()) == v
    assert View.from_mapping(v.to_yaml_mapping()) == v
    assert View.from_query("?" + v.to_query()) == v


def test_page_labels_are_understood() -> None:
    v = View.from_query({
        "method": "PM — Paule–Mandel",
        "transform": "Freeman–Tukey double arcsine",
        "ci": "Hartung–Knapp–Sidik–Jonkman, never narrower than Wald",
        "pi": "t with k−2 df (Higgins 2009)",
        "level": "99%",
        "timepoint": "Week 12",
        "reports": "All reports (overlapping cohorts)",
        "prior": "half-normal(1.0)",
    })
    assert (v.method, v.transform, v.ci_method, v.pi_method) == ("PM", "freeman-tukey", "hksj-adhoc", "t(k-2)")
    assert v.level == 0.99 and v.timepoint == "week_12" and v.reports == "all" and v.prior_scale == 1.0


def test_full_app_url_and_ignored_keys() -> None:
    v = View.from_query("http://localhost:8501/pooled?endpoint=DCR&present=1&slide=3&tab=x")
    assert v.endpoint == "DCR"
    assert View.from_query("forest_sort=weight") == View.from_query("sort=weight")


def test_repeated_scalar_key_last_wins_and_empty_filter_means_all() -> None:
    v = View.from_query("method=DL&method=PM&histology=")
    assert v.method == "PM" and v.histology == ()


@pytest.mark.parametrize(
    "query, match",
    [
        ("foo=1", "unknown view key"),
        ("method=XYZ", "method"),
        ("level=1.5", "level"),
        ("level=abc", "level"),
        ("prior=2", "prior"),
        ("endpoint=PFS", "endpoint"),
        ("p0=0.5&p1=0.3", "p0"),
        ("power=0.3", "power"),
        ("rob_cb=pink", "rob_cb 'pink', which is not one of true or false"),
    ],
)
def test_bad_values_raise_value_error_naming_the_key(query: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        View.from_query(query)


def test_glmm_forces_logit_and_view_is_hashable() -> None:
    v = View.from_query("method=GLMM&transform=arcsine")
    assert v.transform == "logit"
    assert hash(v) == hash(View.from_query("method=GLMM"))


def test_view_file(tmp_path) -> None:
    p = tmp_path / "choices.yaml"
    p.write_text("endpoint: DCR\nmethod: DL\nhistology: [Osteosarcoma]\nlevel: 0.9\n", encoding="utf-8")
    v = View.from_file(p)
    assert (v.endpoint, v.method, v.histology, v.level) == ("DCR", "DL", ("Osteosarcoma",), 0.9)
    p.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        View.from_file(p)


def test_to_query_writes_the_lowercase_tokens_the_pages_write() -> None:
    # one spelling of a view: the CLI's to_query and the pages' address bar (findings.query.url_values)
    v = View.from_query("endpoint=DCR&timepoint=Week 12&reports=All reports (overlapping cohorts)"
                        "&forest_sort=Estimate&method=REML — restricted maximum likelihood (REML)"
                        "&ci=z&pi=t(k-2)&i2=Q&level=90%&study_ci=Wilson&prior=1.0&transform=Freeman-Tukey")
    assert v.to_query() == ("endpoint=dcr&timepoint=week_12&reports=all&transform=freeman-tukey&ci=z&pi=t%28k-2%29&i2=q"
                            "&level=0.9&study_ci=wilson&prior=1.0&forest_sort=estimate")
    w = View.from_query("method=PM&transform=freeman-tukey&histology=Osteosarcoma&histology=Ewing+sarcoma")
    assert w.to_pairs() == [("histology", "Osteosarcoma"), ("histology", "Ewing sarcoma"),
                            ("method", "pm"), ("transform", "freeman-tukey")]
    for view in (v, w):
        assert all(val == val.lower() for key, val in view.to_pairs() if key != "histology")
        assert View.from_query(view.to_query(), strict=True) == view


def test_links_copied_from_the_pages_are_accepted_headless() -> None:
    # A URL copied from Pooled efficacy / Designs & subtypes carries tab and chart-local keys;
    # `python -m reports --view` must accept it (strict mode) and read the analysis keys.
    v = View.from_query(
        "endpoint=DCR&method=PM&ptab=Sensitivity&ctab=Meta-regression&by=Histology"
        "&moderator=year&tau2_mode=common",
        strict=True,
    )
    assert v.endpoint == "DCR"
    assert v.method == "PM"
    with pytest.raises(ValueError, match="unknown view key"):
        View.from_query("endpoint=DCR&no_such_key=1", strict=True)
