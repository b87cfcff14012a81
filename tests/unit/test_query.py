"""findings.query.parse_view: the one parser of a view for the app and `python -m reports`."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.selection import Selection
from findings.query import CONTROLS, IGNORED_KEYS, QUERY_KEYS, VALUE_MAX, parse_view, read_view_file
from synthesis.spec import Model

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = {"histology": ["Osteosarcoma", "Soft tissue sarcoma"], "design": [], "regimen": [], "line": []}


@pytest.mark.parametrize(
    ("query", "selection", "model"),
    [
        ("", Selection(), Model()),
        ("reports=all", Selection(reports="all"), Model()),
        ("reports=All+reports+(overlapping+cohorts)", Selection(reports="all"), Model()),
        ("timepoint=Week 12", Selection(timepoint="week_12"), Model()),
        ("timepoint=week_12", Selection(timepoint="week_12"), Model()),
        ("endpoint=dcr", Selection(endpoint="DCR"), Model()),
        ("method=reml&ci_method=t&pi_method=z", Selection(), Model(ci_method="t", pi_method="z")),
        ("method=REML+—+restricted+maximum+likelihood+(REML)&level=90%", Selection(), Model(level=0.9)),
        ("i2=q&study_ci=Wilson+score&prior=half-normal(1.0)", Selection(),
         Model(i2_definition="Q", study_ci_method="wilson", prior_scale=1.0)),
        ("method=GLMM&transform=raw", Selection(), Model(method="GLMM")),
        ("histology=Osteosarcoma&histology=Osteosarcoma", Selection(histology=("Osteosarcoma",)), Model()),
        ("method=DL&method=PM&histology=", Selection(), Model(method="PM")),
        ("https://host/pooled?endpoint=DCR&present=1&ptab=Sensitivity", Selection(endpoint="DCR"), Model()),
    ],
)
def test_every_spelling_of_a_link_is_read(query, selection, model) -> None:
    sel, mod, problems = parse_view(query, options=OPTIONS)
    assert problems == ()
    assert (sel, mod) == (selection, model)


@pytest.mark.parametrize(
    ("query", "key", "showing"),
    [
        ("histology=nonexistent", "histology", "showing all histologies"),
        ("method=<script>", "method", "showing REML"),
        ("level=nan", "level", "showing 95%"),
        ("level=0.8", "level", "showing 95%"),
        ("prior=2", "prior", "showing 0.5"),
        ("reports=every", "reports", "showing one report per cohort"),
        ("timepoint=week_13", "timepoint", "showing headline per study"),
        ("endpoint=PFS", "endpoint", "showing ORR"),
        ("p0=0.5&p1=0.3", "p1", "showing p0 0.2 and p1 0.4"),
        ("power=abc", "power", "showing 0.8"),
        ("forest_sort=size", "forest_sort", "showing the order by year"),
        ("foo=1", "foo", "it was ignored"),
    ],
)
def test_a_value_that_cannot_be_used_is_a_problem_and_the_default_is_kept(query, key, showing) -> None:
    parsed = parse_view(query, options=OPTIONS)
    assert [p.key for p in parsed.problems] == [key]
    assert parsed.problems[0].message.endswith(showing + ".")
    assert parsed.selection == Selection() and parsed.model == Model()


def test_known_filter_values_are_kept_and_unknown_ones_named() -> None:
    parsed = parse_view("histology=Osteosarcoma&histology=Nope", options=OPTIONS)
    assert parsed.selection.histology == ("Osteosarcoma",)
    assert parsed.problems[0].message == (
        "this link asked for histology 'Nope', which is not in the data; showing the others."
    )
    # without the data's options every value is kept (a view file checked later)
    assert parse_view("histology=Nope").selection.histology == ("Nope",)


def test_long_values_are_cut_in_messages() -> None:
    parsed = parse_view({"method": "y" * 5000, "x" * 300: "1"})
    assert len(parsed.problems) == 2
    for p in parsed.problems:
        assert "y" * VALUE_MAX not in p.message and "x" * VALUE_MAX not in p.message
        assert "…" in p.message and len(p.message) < 250


def test_error_lists_every_problem_without_fallbacks() -> None:
    err = parse_view("method=XYZ&foo=1", source="view").error()
    assert err == ("This view has an unknown view key 'foo'. This view asked for method 'XYZ', "
                   "which is not one of CE, DL, REML, PM, ML, HE, SJ, EB or GLMM.")


def test_view_file(tmp_path) -> None:
    p = tmp_path / "v.yaml"
    p.write_text("endpoint: DCR\nhistology: [Osteosarcoma]\nlevel: 0.9\n", encoding="utf-8")
    sel, model, problems = parse_view(read_view_file(p), options=OPTIONS)
    assert (sel.endpoint, sel.histology, model.level, problems) == ("DCR", ("Osteosarcoma",), 0.9, ())
    p.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="mapping"):
        read_view_file(p)


def _widget_calls():
    files = [*ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"]
    for f in files:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                yield f, node


def _name(call: ast.Call) -> str:
    fn = call.func
    return fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""


def _bound_keys() -> set[str]:
    """Literal keys of every widget the pages keep in the URL: bound by Streamlit
    (``bind="query-params"``), written by ``ui.controls.write_link`` (``persist_state=PERSIST``)
    or a page control (``key=linked("by")``, ``controls.tabs("ptab")``)."""
    keys: set[str] = set()
    for _, node in _widget_calls():
        if _name(node) in ("linked", "tabs") and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            keys.add(node.args[0].value)
            continue
        if _name(node) == "kept" and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
            keys.add(node.args[2].value)
            continue
        kw = {k.arg: k.value for k in node.keywords}
        bind, key = kw.get("bind") or kw.get("persist_state"), kw.get("key")
        if bind is None or (isinstance(bind, ast.Constant) and bind.value is None):
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys.add(key.value)
    return keys


def test_every_key_a_page_binds_is_known_to_the_parser() -> None:
    keys = _bound_keys()
    assert {"method", "timepoint", "ptab", "by", "s_grade", "stab", "scope"} <= keys  # the scan finds the pages' widgets
    unknown = sorted(k for k in keys if k not in QUERY_KEYS and k not in IGNORED_KEYS and k not in CONTROLS)
    assert unknown == [], f"add these URL keys to findings.query.IGNORED_KEYS: {unknown}"


def test_page_controls_are_not_bound_by_streamlit_and_every_one_is_drawn() -> None:
    """Streamlit's binding writes a widget's label (``by=Histology``): a key of
    ``findings.query.CONTROLS`` is drawn through ``ui.controls.linked``/``tabs`` instead."""
    bound, drawn = [], set()
    for f, node in _widget_calls():
        kw = {k.arg: k.value for k in node.keywords}
        key = kw.get("key")
        if isinstance(key, ast.Call) and _name(key) == "linked":
            arg = key.args[0]
            if isinstance(arg, ast.Constant):
                drawn.add(arg.value)
            else:  # linked(name) in a loop or helper: the control keys the file names
                drawn |= {n.value for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
                          if isinstance(n, ast.Constant) and n.value in CONTROLS}
        if _name(node) == "tabs" and node.args and isinstance(node.args[0], ast.Constant):
            drawn.add(node.args[0].value)
        if _name(node) == "kept" and len(node.args) > 2:
            if isinstance(node.args[2], ast.Constant):
                drawn.add(node.args[2].value)
            else:  # kept(..., f"{name}_src") in a helper: the control keys the file names
                drawn |= {n.value for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
                          if isinstance(n, ast.Constant) and n.value in CONTROLS}
        if "bind" in kw and isinstance(key, ast.Constant) and key.value in CONTROLS:
            bound.append(f"{f.name}: {key.value}")
    assert bound == []
    assert sorted(set(CONTROLS) - drawn) == []
    assert not set(CONTROLS) & (set(QUERY_KEYS) | IGNORED_KEYS)  # each key in one table


# ---- the CLI uses the same parser and fails naming the problem --------------------------------
def _cli(view: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("APATINIB_STUDIES", None)
    return subprocess.run(
        [sys.executable, "-m", "reports", "--view", view, "--out", str(tmp_path / "r.R"), "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    ("view", "says"),
    [
        ("histology=nonexistent", "histology 'nonexistent', which is not in the data"),
        ("method=<script>", "method '<script>'"),
        ("level=nan", "level 'nan'"),
        ("foo=1", "unknown view key 'foo'"),
    ],
)
def test_cli_exits_non_zero_naming_the_problem(view, says, tmp_path) -> None:
    run = _cli(view, tmp_path)
    assert run.returncode == 2, run.stderr
    assert says in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "r.R").exists()


def test_cli_reads_tokens_and_old_labels(tmp_path) -> None:
    run = _cli("reports=all&timepoint=Week 12&ci_method=t&method=dl", tmp_path)
    assert run.returncode == 0, run.stderr
    script = (tmp_path / "r.R").read_text(encoding="utf-8")
    assert 'method = "DL"' in script and 'test = "t"' in script


# ---- property: any query string is parsed without an exception, and nothing goes unreported ------

_KEYS = st.sampled_from([*QUERY_KEYS, "ci_method", "sort", "present", "zzz", "<b>", ""])
_VALUES = st.one_of(st.text(max_size=300), st.sampled_from(["reml", "Week 12", "all", "0.9", "nan",
                                                            "inf", "-1", "1e308", "95%"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=8))
def test_any_query_is_parsed_and_every_unused_value_is_reported(pairs) -> None:
    parsed = parse_view(pairs, options=OPTIONS)
    assert isinstance(parsed.selection, Selection) and isinstance(parsed.model, Model)
    for p in parsed.problems:
        assert len(p.message) < 400 and "\n" not in p.message
    reported = {p.key for p in parsed.problems}
    last: dict[str, str] = {}
    for key, value in pairs:
        last[key] = value
    for key, value in last.items():
        if key in ("histology", "design", "regimen", "line", "present") or not value.strip():
            continue
        if key not in QUERY_KEYS and key not in ("ci_method", "sort"):
            assert key[:VALUE_MAX - 1] in {k[:VALUE_MAX - 1] for k in reported} or key == "", key


def test_the_appraisal_palette_toggle_is_read_into_the_view_with_its_tokens() -> None:
    from findings.query import VIEW_CONTROLS

    assert VIEW_CONTROLS == ("rob_cb",) and parse_view("").rob_cb is CONTROLS["rob_cb"].default
    for value, flag in (("true", True), ("TRUE", True), ("on", True), ("false", False), ("0", False)):
        parsed = parse_view(f"rob_cb={value}")
        assert parsed.rob_cb is flag and parsed.ok, value
    bad = parse_view("rob_cb=pink&endpoint=dcr")
    assert bad.rob_cb is False and bad.selection.endpoint == "DCR"
    assert [p.message for p in bad.problems] == [
        "this link asked for rob_cb 'pink', which is not one of true or false; showing robvis' cochrane palette."]
