"""Selection and model controls shared by the Pooled efficacy, Designs & subtypes, Appraisal and
Trial planner pages, and the page's link.

Every view choice lives in the URL as a stable lowercase token (:func:`findings.query.url_values`,
the spelling ``python -m reports --view`` writes and :func:`findings.query.parse_view` reads):
``?endpoint=dcr&method=pm&ci=hksj&timepoint=week_12``. A copied link reproduces the view; a value
equal to its default leaves the URL. Streamlit's own binding (``bind="query-params"``) would write
a widget's *formatted* option instead (``timepoint=Week 12``, ``method=REML``), so these widgets
are not bound: :func:`read_link` hands a new URL's values to the widgets (every spelling the
parser reads, old label links included) and :func:`write_link` writes the tokens back after every
run, only for keys whose value changed (a write does not rerun the script). The widgets keep their
values across pages (``persist_state="session"``), and the same keys are used on every page, so a
link keeps its meaning when moved from one page to another.

URL keys: ``endpoint, timepoint, reports, histology, design, regimen, line`` (data),
``method, transform, ci, pi, i2, level, study_ci, prior`` (model) and ``forest_sort``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from evidence.selection import (
    ENDPOINTS,
    FILTER_COLUMNS,
    OVERLAP_RULE,
    REPORTS,
    TIMEPOINTS,
    Selection,
    filter_options,
)
from findings import text
from findings.conventions import CI_SHORT
from findings.pooled import DEFAULT_MODEL
from findings.query import (
    ALIASES,
    CONTROLS,
    DESIGN_DEFAULTS,
    FILTER_KEYS,
    QUERY_KEYS,
    SORTS,
    ParsedView,
    Problem,
    control_rewrites,
    parse_view,
    url_values,
)
from reports.view import View
from synthesis.spec import Model
from synthesis.vocabulary import (
    CI_METHODS,
    I2_DEFINITIONS,
    LABELS,
    METHODS,
    PI_METHODS,
    STUDY_CI_METHODS,
    TRANSFORMS,
    URL_KEYS,
)
from ui.analysis import LEVELS, PRIOR_SCALES, cached_options, data_key
from ui.bootstrap import drawn_here, will_draw

PERSIST = "session"  # a view choice survives a page switch (the URL is written from it)
FILTER_LABELS = {
    "histology": "Histology group",
    "design": "Design",
    "regimen": "Regimen",
    "line": "Line of therapy",
}
_SEEN = "_link_seen"
_CONTROLS_SEEN = "_link_controls"  # control key -> its URL values as last written or handed over
_SELECTION = Selection()  # the page defaults  # the URL as last read or written by this module


def start(key: str, value: object) -> None:
    """A widget's value before it is drawn: a link's or the session's, else ``value`` (the default).

    The value kept for the session (``persist_state``) is assigned in the widget's first run on a
    page, so a widget of another page with the same key starts from it, not from its own first
    option (Streamlit gives each page's widget its own id). See :func:`assign`.
    """
    assign(key, st.session_state.get(key, value))


def assign(key: str, value: object) -> None:
    """Give the widget ``key`` the value ``value`` before it is drawn.

    Assigned only when the widget holds another value or was not drawn by the last completed run
    on this page (:func:`ui.bootstrap.drawn_here`). An assignment marks the value new, and
    Streamlit then tells the browser to set the widget again: done for every view widget in every
    run, that cost about 70 ms of browser script per click on the Pooled efficacy page.
    """
    if not drawn_here(key) or key not in st.session_state or st.session_state[key] != value:
        st.session_state[key] = value
    will_draw(key)


def _url() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def _widget_values(parsed: ParsedView) -> dict[str, object]:
    """The value each view widget takes for ``parsed`` (its option, not its label)."""
    sel, m = parsed.selection, parsed.model
    return {
        "endpoint": sel.endpoint, "timepoint": sel.timepoint, "reports": sel.reports,
        **{k: list(getattr(sel, k)) for k in FILTER_KEYS},
        "method": m.method, "transform": m.transform, "ci": m.ci_method, "pi": m.pi_method,
        "i2": m.i2_definition, "level": f"{m.level:g}", "study_ci": m.study_ci_method,
        "prior": f"{m.prior_scale:.1f}", "forest_sort": parsed.forest_sort,
    }


def read_link(options: dict[str, list[str]], keys=None) -> ParsedView:
    """Parse this page's URL with the app's and the CLI's parser (:func:`findings.query.parse_view`).

    Every problem (unknown key, value outside the vocabulary or the data) is shown above the
    page, escaped. When the URL is new (opened, pasted, or changed by the browser's back button;
    not one this module wrote), each view key it carries is handed to its widget through
    ``st.session_state`` — every spelling the parser reads: tokens (``method=reml``), literals,
    labels (``timepoint=Week 12``) and long keys (``ci_method=t``, then removed from the URL).
    ``keys`` limits this, and the problems shown, to the view keys of a page's own widgets
    (default: all). After the browser's back or forward button every view key is handed over,
    a key the restored link lacks as its default.
    """
    raw = _url()
    parsed = parse_view(raw, options=options)
    seen = repr(sorted(raw.items()))
    history = history_navigation()
    if history or st.session_state.get(_SEEN) != seen:
        values = _widget_values(parsed)
        bad = {p.key for p in parsed.problems}
        carried = {ALIASES.get(key, key) for key in raw}
        for key, vals in raw.items():
            k = ALIASES.get(key, key)
            if k not in values or (keys is not None and k not in keys):
                continue
            if k in FILTER_KEYS or (k not in bad and vals and vals[-1].strip()):
                st.session_state[k] = values[k]
            if key != k:
                del st.query_params[key]
        if history:  # back/forward: the restored link is the view; a key it lacks is the default
            for k, v in values.items():
                if k not in carried and (keys is None or k in keys):
                    st.session_state[k] = v
        st.session_state[_SEEN] = repr(sorted(_url().items()))
    # p0, p1, alpha, power belong to the Trial planner's own widgets (and checks) on these pages
    show_link_problems([p for p in parsed.problems if p.key not in DESIGN_DEFAULTS
                        and (keys is None or p.key in keys)])
    return parsed


def write_link(fields: dict[str, object]) -> None:
    """Write these view fields to the URL as tokens (:func:`findings.query.url_values`).

    ``fields`` maps field names (``method``, ``ci_method``, ``histology`` ...) to the values the
    widgets returned. A key is set (or removed, at its default) only when the URL spells it
    otherwise — a label from an old link, a value outside the vocabulary, or an earlier choice — so
    an unchanged view writes nothing. Setting ``st.query_params`` updates the address bar without a
    rerun.
    """
    changed = False
    for key, tokens in url_values(fields).items():
        if key in CONTROLS:
            st.session_state.setdefault(_CONTROLS_SEEN, {})[key] = tokens
        if st.query_params.get_all(key) == tokens:
            continue
        if tokens:
            st.query_params[key] = tokens
        elif key in st.query_params:
            del st.query_params[key]
        else:
            continue
        changed = True
    if changed:
        st.session_state[_SEEN] = repr(sorted(_url().items()))


def history_navigation() -> bool:
    """True in a run started by the browser's back or forward button (the restored address is
    then the view: a key it lacks means the default)."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.is_history_navigation)


def linked(key: str, options: Sequence[object] | None = None, *, default: object = None,
           labels: dict | None = None) -> str:
    """Before a page control (:data:`findings.query.CONTROLS`) is drawn: hand it the link's value.

    When the link carries a value this module did not write (a link opened or pasted, a label
    link such as ``by=Histology``, a page link) or after the browser's back or forward button, the
    widget takes the value the link spells (:meth:`findings.query.Control.read`: tokens, old
    labels; an unknown value, or on back/forward a missing key, gives the default). Otherwise it
    keeps its value of this session. ``options`` are the widget's options when they come from
    the data (a value outside them gives the default); ``default`` the page's default when it
    depends on the data, ``labels`` the labels those options are shown with (read from old links).
    Returns ``key``, for the widget call; after the widget, :func:`write_link` writes its tokens.
    """
    _tidy_controls()
    c = CONTROLS[key]
    if default is not None:
        c = replace(c, default=default)
    raw = st.query_params.get_all(key)
    alias = next((a for a in c.aliases if not raw and a in st.query_params), None)
    if alias is not None:
        raw = st.query_params.get_all(alias)
    seen = st.session_state.setdefault(_CONTROLS_SEEN, {})
    if history_navigation() or (raw and raw != seen.get(key)):
        value = c.read(raw, None if options is None else [str(o) for o in options], labels)
        seen[key] = raw
    else:
        value = st.session_state.get(key, c.default)
        if c.kind == "tab":
            value = c.token(value) or c.default
    assign(key, c.widget_value(value, options))
    if alias is not None and c.read(raw) != c.default:
        del st.query_params[alias]  # the control's own key is written instead
    return key


def _tidy_controls() -> None:
    """Rewrite every page control in the address to its tokens, also those of a tab not open
    (``by=Histology`` in a link that opens another tab); its widget reads the link when drawn."""
    for k, tokens in control_rewrites(_url()).items():
        if tokens:
            st.query_params[k] = tokens
        else:
            del st.query_params[k]


def kept(widget, label: str, key: str, options: Sequence[object] | None = None, *,
         default: object = None, **kw):
    """Draw a page control kept in the link and write it: ``widget`` (``st.selectbox``, a
    column's ``radio`` ...) with the control's tokens as options and its labels shown (unless
    ``options``, from the data, are given), its value from :func:`linked`; returns the value.
    ``default``: the page's default when it depends on the data (left out of the link)."""
    c = CONTROLS[key]
    if options is None and c.choices and c.kind != "flag":
        options = list(c.choices)
        kw.setdefault("format_func", c.label)
    labels = kw.get("format_func") and {o: kw["format_func"](o) for o in options or ()}
    args = (label,) if c.kind == "flag" else (label, options)
    value = widget(*args, key=linked(key, options, default=default, labels=labels or None),
                   persist_state=PERSIST, **kw)
    write_link({key: None if default is not None and value == default else value})
    return value


def tabs(key: str) -> Sequence:
    """``st.tabs`` of a page's tab control (:data:`findings.query.CONTROLS`): only the open tab
    runs; the link holds its token (``ptab=sensitivity``), old links their label."""
    c = CONTROLS[key]
    containers = st.tabs(list(c.choices.values()), key=linked(key), on_change="rerun")
    write_link({key: st.session_state.get(key)})
    return containers


def preset_view(query: str) -> tuple[Problem, ...]:
    """Set the view controls (endpoint, timepoint, filters, overlap, model) to a view query
    before they are drawn — another page's pool carried under a key of its own, such as the
    Trial planner's link to the certainty table — (:func:`write_link` then writes the URL);
    returns the parser's problems."""
    parsed = parse_view(query, options=filter_choices())
    for k, v in _widget_values(parsed).items():
        if k != "forest_sort":
            st.session_state[k] = v
    return parsed.problems


def show_link_problems(problems) -> None:
    """One warning per problem of a link (text from the URL: escaped; cut by the parser)."""
    for p in problems:
        st.warning(text.md(p.message[0].upper() + p.message[1:]), icon=":material/link_off:")


def filter_choices(outcomes: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Values of each filter key in ``outcomes`` (default: the cached current evidence)."""
    return {
        name: (cached_options(column, data_key()) if outcomes is None else filter_options(outcomes, column))
        for name, column in FILTER_COLUMNS.items()
    }


def current_view(options: dict[str, list[str]]) -> tuple[View, str, tuple[Problem, ...]]:
    """The view of Present & export: ``(view, where it came from, problems)``: the URL first (read by the app's and the CLI's
    parser, :func:`findings.query.parse_view`), else the choices last made on the Pooled efficacy
    page in this session (its widget values are still in ``st.session_state`` at the start of this
    page's first run; they are kept under a key of this page), else defaults. The palette of the
    risk-of-bias figures is the link's ``rob_cb``, else the Appraisal page's toggle of this session."""
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    parsed = parse_view(raw, options=options)
    # the risk-of-bias palette: the link's rob_cb, else the Appraisal page's toggle (kept for the session)
    note = ""
    if "rob_cb" not in raw and isinstance(st.session_state.get("rob_cb"), bool):
        parsed = replace(parsed, rob_cb=st.session_state["rob_cb"])
        note = " with the colour-blind palette chosen on Appraisal & certainty" if parsed.rob_cb else ""
    if any(k in QUERY_KEYS or k in ALIASES or k == "rob_cb" for k in raw) or parsed.problems:
        return View.from_parsed(parsed, strict=False), "the link" + note, parsed.problems
    carried = []
    for key in QUERY_KEYS:
        value = st.session_state.get(key)
        if isinstance(value, list | tuple):
            carried.extend((key, str(v)) for v in value)
        elif value is not None and not isinstance(value, bool):
            carried.append((key, str(value)))
    if carried:
        try:
            st.session_state["_present_view"] = View.from_pairs(carried, strict=False).to_query()
        except ValueError:
            pass
    query = st.session_state.get("_present_view")
    if query:
        view = replace(View.from_query(query, strict=False), rob_cb=parsed.rob_cb)
        return view, "your last choices on Pooled efficacy" + note, ()
    return View(rob_cb=parsed.rob_cb), "page defaults" + note, ()


def selection_controls(
    outcomes: pd.DataFrame | None = None, *, container=None, endpoint: bool = True
) -> Selection:
    """Endpoint, timepoint, filters and overlap handling; returns a :class:`Selection`.

    Filter options come from ``outcomes`` or, when ``None``, from the cached current evidence.
    The page's link is read first (:func:`read_link`): its problems are shown above the page.
    """
    options = filter_choices(outcomes)
    read_link(options)
    box = container or st.sidebar
    with box:
        st.subheader("What to pool")
        ep = "ORR"
        if endpoint:
            start("endpoint", _SELECTION.endpoint)
            ep = st.segmented_control(
                "Endpoint", list(ENDPOINTS), required=True, key="endpoint",
                format_func=lambda k: k, persist_state=PERSIST,
                help="ORR: complete + partial responses. DCR: complete + partial responses + stable disease.",
            ) or "ORR"
        start("timepoint", _SELECTION.timepoint)
        tp = st.selectbox(
            "Timepoint", list(TIMEPOINTS), format_func=TIMEPOINTS.get, key="timepoint", persist_state=PERSIST,
            help="Headline: each study's own primary readout (best overall response, or the final "
            "analysis of trials that report several). The others keep only studies reporting "
            "that readout.",
        )
        filters: dict[str, tuple[str, ...]] = {}
        for name, opts in options.items():
            start(name, [])
            chosen = st.multiselect(
                FILTER_LABELS[name], opts, key=name, persist_state=PERSIST,
                placeholder="All", help="Empty = no restriction.",
            )
            filters[name] = tuple(v for v in chosen if v in opts)
        start("reports", _SELECTION.reports)
        reports = st.radio(
            "Overlapping cohorts", list(REPORTS), format_func=REPORTS.get, key="reports", persist_state=PERSIST,
            help="The same patients are sometimes reported in an abstract, an interim and a final "
            f"paper. By default one report per cohort is pooled. {OVERLAP_RULE}",
        )
    sel = Selection(endpoint=ep, timepoint=tp, reports=reports, **filters)
    write_link({"timepoint": tp, "reports": reports, **filters, **({"endpoint": ep} if endpoint else {})})
    return sel


def model_controls(*, container=None, expanded: bool = False) -> Model:
    """Estimator, transform, intervals, I² definition, level, study CI and Bayesian prior.

    Options are shown as the project's vocabulary literals and written to the URL as their
    lowercase tokens (``?method=pm&ci=hksj``); the plain-language meaning is in each control's
    help and in the model line under the controls.
    """
    box = container or st.sidebar
    d = DEFAULT_MODEL
    for key, name in URL_KEYS.items():
        value = getattr(d, key)
        start(name, f"{value:g}" if key == "level" else f"{value:.1f}" if key == "prior_scale" else value)
    with box, st.expander("Statistical model", expanded=expanded):
        method = st.selectbox(
            "Estimator", METHODS, key="method", persist_state=PERSIST,
            help=_help("Random-effects τ² estimator, common effect (CE), or the one-step "
                       "binomial–normal GLMM (recommended for few, small studies).", METHODS),
        )
        transform = st.selectbox(
            "Transform", TRANSFORMS, key="transform",
            persist_state=PERSIST, disabled=method == "GLMM",
            help=_help("Scale on which inverse-variance models pool. The GLMM always uses the "
                       "logit link.", TRANSFORMS),
        )
        ci = st.selectbox(
            "Confidence interval", CI_METHODS, key="ci",
            persist_state=PERSIST,
            help=_help('The default, HKSJ ad hoc (metafor test = "adhoc"), scales the variance '
                       "by max(1, q) with a t(k−1) quantile: never narrower than Wald, never of "
                       "zero width. Plain HKSJ can be narrower than Wald, and of zero width when "
                       "the studies agree exactly. A GLMM has no HKSJ analogue and uses t(k−1) "
                       "instead (stated under the plot).", CI_METHODS, CI_SHORT),
        )
        pi = st.selectbox(
            "Prediction interval", PI_METHODS, key="pi",
            persist_state=PERSIST,
            help=_help("Where the response rate of a new, similar study is expected to fall; "
                       "unreliable with fewer than about 5 studies.", PI_METHODS),
        )
        i2 = st.radio(
            "I² definition", I2_DEFINITIONS, key="i2", persist_state=PERSIST, captions=[LABELS[v] for v in I2_DEFINITIONS],
        )
        level = st.selectbox(
            "Interval level", list(LEVELS), key="level",
            persist_state=PERSIST, help="Level of every interval (study, pooled, prediction, τ²).",
        )
        study_ci = st.radio(
            "Study intervals", STUDY_CI_METHODS, key="study_ci", persist_state=PERSIST, captions=[LABELS[v] for v in STUDY_CI_METHODS],
        )
        prior = st.selectbox(
            "Bayesian τ prior: half-normal scale", list(PRIOR_SCALES), key="prior",
            persist_state=PERSIST, help="Scale of the half-normal prior on τ (logit scale) used by the "
            "Bayesian sensitivity model: 0.5 (moderate heterogeneity) or 1.0 (wider).",
        )
    model = Model(
        transform=transform,  # Model forces the logit link under the GLMM
        method=method,
        ci_method=ci,
        pi_method=pi,
        i2_definition=i2,
        level=float(level),
        study_ci_method=study_ci,
        prior_scale=float(prior),
    )
    write_link({"method": method, "transform": transform, "ci_method": ci, "pi_method": pi,
                "i2_definition": i2, "level": float(level), "study_ci_method": study_ci,
                "prior_scale": float(prior)})
    return model


def _help(text: str, options, labels=None) -> str:
    labels = labels or LABELS
    return text + "\n\n" + "\n".join(f"- `{o}`: {labels.get(o, o)}" for o in options)


def sort_control(key: str = "forest_sort") -> str:
    """Chart-local display order of the forest plot (used inside a fragment; written to the URL
    from there, so a fragment rerun keeps the link current)."""
    start(key, "year")
    order = st.segmented_control(
        "Order studies by", list(SORTS), required=True, format_func=SORTS.get,
        key=key, persist_state=PERSIST,
    ) or "year"
    if key == "forest_sort":
        write_link({"forest_sort": order})
    return order
