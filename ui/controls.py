"""Selection and model controls shared by the Pooled efficacy and Designs & subtypes pages.

Every control is keyed and bound to the URL (``bind="query-params"``), so a copied link reproduces
the view; a value equal to its default disappears from the URL. The same keys are used on both
pages, so a link keeps its meaning when moved from one page to the other.

URL keys: ``endpoint, timepoint, reports, histology, design, regimen, line`` (data) and
``method, transform, ci, pi, i2, level, study_ci, prior`` (model).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

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
    DESIGN_DEFAULTS,
    QUERY_KEYS,
    SORTS,
    ParsedView,
    Problem,
    parse_view,
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
)
from ui.analysis import LEVELS, PRIOR_SCALES, cached_options, data_key

BIND = "query-params"
FILTER_LABELS = {
    "histology": "Histology group",
    "design": "Design",
    "regimen": "Regimen",
    "line": "Line of therapy",
}


def _index(options, value) -> int:
    options = list(options)
    return options.index(value) if value in options else 0


#: how Streamlit's binding spells a widget value in the URL (the formatted option)
_WIDGET_SPELLING = {"timepoint": TIMEPOINTS, "reports": REPORTS, "forest_sort": SORTS}


def _widget_values(parsed: ParsedView) -> dict[str, str]:
    """The value each bound view widget takes for ``parsed`` (its option, not its label)."""
    sel, m = parsed.selection, parsed.model
    return {
        "endpoint": sel.endpoint, "timepoint": sel.timepoint, "reports": sel.reports,
        "method": m.method, "transform": m.transform, "ci": m.ci_method, "pi": m.pi_method,
        "i2": m.i2_definition, "level": f"{m.level:g}", "study_ci": m.study_ci_method,
        "prior": f"{m.prior_scale:.1f}", "forest_sort": parsed.forest_sort,
    }


def read_link(options: dict[str, list[str]]) -> ParsedView:
    """Parse this page's URL with the app's and the CLI's parser (:func:`findings.query.parse_view`).

    Every problem (unknown key, value outside the vocabulary or the data) is shown above the
    page, escaped. A value Streamlit's widget binding would not read — a URL token such as
    ``timepoint=week_12`` or ``method=reml``, a long key such as ``ci_method=t`` — is handed to its
    widget through ``st.session_state`` once per new URL (and a long key is replaced by the
    widget's own), so every spelling the parser accepts is shown as asked.
    """
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    parsed = parse_view(raw, options=options)
    seen = repr(sorted(raw.items()))
    if st.session_state.get("_link_seen") != seen:
        st.session_state["_link_seen"] = seen
        values = _widget_values(parsed)
        bad = {p.key for p in parsed.problems}
        for key, vals in raw.items():
            k = ALIASES.get(key, key)
            if k not in values or k in bad or not vals or not vals[-1].strip():
                continue
            spelling = _WIDGET_SPELLING.get(k, {}).get(values[k], values[k])
            if key != k or vals[-1] != spelling:
                st.session_state[k] = values[k]
            if key != k:
                del st.query_params[key]
    # p0, p1, alpha, power belong to the Trial planner's own widgets (and checks) on these pages
    show_link_problems([p for p in parsed.problems if p.key not in DESIGN_DEFAULTS])
    return parsed


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
    page's first run; they are kept under a key of this page), else defaults."""
    raw = {k: st.query_params.get_all(k) for k in st.query_params}
    parsed = parse_view(raw, options=options)
    if any(k in QUERY_KEYS or k in ALIASES for k in raw) or parsed.problems:
        return View.from_parsed(parsed, strict=False), "the link", parsed.problems
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
        return View.from_query(query, strict=False), "your last choices on Pooled efficacy", ()
    return View(), "page defaults", ()


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
            ep = st.segmented_control(
                "Endpoint", list(ENDPOINTS), default="ORR", required=True, key="endpoint",
                format_func=lambda k: k, bind=BIND,
                help="ORR: complete + partial responses. DCR: complete + partial responses + stable disease.",
            ) or "ORR"
        tp = st.selectbox(
            "Timepoint", list(TIMEPOINTS), format_func=TIMEPOINTS.get, key="timepoint", bind=BIND,
            help="Headline: each study's own primary readout (best overall response, or the final "
            "analysis of trials that report several). The others keep only studies reporting "
            "that readout.",
        )
        filters: dict[str, tuple[str, ...]] = {}
        for name, opts in options.items():
            chosen = st.multiselect(
                FILTER_LABELS[name], opts, default=[], key=name, bind=BIND,
                placeholder="All", help="Empty = no restriction.",
            )
            filters[name] = tuple(v for v in chosen if v in opts)
        reports = st.radio(
            "Overlapping cohorts", list(REPORTS), format_func=REPORTS.get, key="reports", bind=BIND,
            help="The same patients are sometimes reported in an abstract, an interim and a final "
            f"paper. By default one report per cohort is pooled. {OVERLAP_RULE}",
        )
    return Selection(endpoint=ep, timepoint=tp, reports=reports, **filters)


def model_controls(*, container=None, expanded: bool = False) -> Model:
    """Estimator, transform, intervals, I² definition, level, study CI and Bayesian prior.

    Options are shown (and written to the URL) as the project's vocabulary literals, e.g.
    ``?method=PM&ci=hksj``; the plain-language meaning is in each control's help and in the
    model line under the controls.
    """
    box = container or st.sidebar
    d = DEFAULT_MODEL
    with box, st.expander("Statistical model", expanded=expanded):
        method = st.selectbox(
            "Estimator", METHODS, index=_index(METHODS, d.method), key="method", bind=BIND,
            help=_help("Random-effects τ² estimator, common effect (CE), or the one-step "
                       "binomial–normal GLMM (recommended for few, small studies).", METHODS),
        )
        transform = st.selectbox(
            "Transform", TRANSFORMS, index=_index(TRANSFORMS, d.transform), key="transform",
            bind=BIND, disabled=method == "GLMM",
            help=_help("Scale on which inverse-variance models pool. The GLMM always uses the "
                       "logit link.", TRANSFORMS),
        )
        ci = st.selectbox(
            "Confidence interval", CI_METHODS, index=_index(CI_METHODS, d.ci_method), key="ci",
            bind=BIND,  # options stay the URL literals (?ci=hksj): no format_func
            help=_help('The default, HKSJ ad hoc (metafor test = "adhoc"), scales the variance '
                       "by max(1, q) with a t(k−1) quantile: never narrower than Wald, never of "
                       "zero width. Plain HKSJ can be narrower than Wald, and of zero width when "
                       "the studies agree exactly. A GLMM has no HKSJ analogue and uses t(k−1) "
                       "instead (stated under the plot).", CI_METHODS, CI_SHORT),
        )
        pi = st.selectbox(
            "Prediction interval", PI_METHODS, index=_index(PI_METHODS, d.pi_method), key="pi",
            bind=BIND,
            help=_help("Where the response rate of a new, similar study is expected to fall; "
                       "unreliable with fewer than about 5 studies.", PI_METHODS),
        )
        i2 = st.radio(
            "I² definition", I2_DEFINITIONS, index=_index(I2_DEFINITIONS, d.i2_definition),
            key="i2", bind=BIND, captions=[LABELS[v] for v in I2_DEFINITIONS],
        )
        level = st.selectbox(
            "Interval level", list(LEVELS), index=_index(LEVELS, f"{d.level:g}"), key="level",
            bind=BIND, help="Level of every interval (study, pooled, prediction, τ²).",
        )
        study_ci = st.radio(
            "Study intervals", STUDY_CI_METHODS, index=_index(STUDY_CI_METHODS, d.study_ci_method),
            key="study_ci", bind=BIND, captions=[LABELS[v] for v in STUDY_CI_METHODS],
        )
        prior = st.selectbox(
            "Bayesian τ prior: half-normal scale", list(PRIOR_SCALES), index=0, key="prior",
            bind=BIND, help="Scale of the half-normal prior on τ (logit scale) used by the "
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
    return model


def _help(text: str, options, labels=None) -> str:
    labels = labels or LABELS
    return text + "\n\n" + "\n".join(f"- `{o}`: {labels.get(o, o)}" for o in options)


def sort_control(key: str = "forest_sort") -> str:
    """Chart-local display order of the forest plot (used inside a fragment)."""
    orders = {"year": "Year", "estimate": "Estimate", "weight": "Weight", "label": "Name"}
    return st.segmented_control(
        "Order studies by", list(orders), default="year", required=True, format_func=orders.get,
        key=key, bind=BIND,
    ) or "year"
