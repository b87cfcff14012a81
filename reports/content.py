"""Everything a report shows, assembled once for a :class:`~reports.view.View`.

:func:`build_content` builds, for ORR and DCR, the same :class:`findings.pooled.PooledView` the
Pooled efficacy page shows (forest rows, pooled label, caveats, heterogeneity table, methods
paragraph), the method-agreement and subgroup views of :mod:`findings`, and the figures with
:mod:`charts`. The HTML report, the PPTX deck, the DOCX document and the presentation page all
render the same :class:`ReportContent`; this module only lays sections out.

* no number is computed or worded here: values come from :mod:`findings` (which calls
  :mod:`synthesis`) and are worded by :mod:`findings.text`;
* a section whose ingredients are missing (no data, a model that cannot be fitted) is kept
  with ``available=False`` and a one-sentence ``reason`` — never faked;
* this module must not import streamlit (used headless).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

import evidence as evidence_pkg
from charts import design as design_charts
from charts import forest, meta_plots, robvis
from charts import survival as survival_charts
from charts.prisma import prisma_figure
from charts.safety import incidence_dot_figure
from evidence.appraisal import MINORS_ITEMS, OVERALL_RULE, Appraisals, load_appraisals
from evidence.selection import ENDPOINTS, selection_provenance
from evidence.selection import text_value as _text
from findings import appraisal as fa
from findings import compare, pooled, robustness, text
from findings import safety as fsafety
from findings import survival as fsurvival
from findings.frames import Frames, counts, frames_of
from findings.pooled import PooledView
from findings.review import prisma_view
from findings.safety import safety_view
from reports.rscript import r_script_for, safety_r_script
from reports.view import View
from synthesis import LABELS, subgroup_analysis
from synthesis.design.simon import operating_characteristics, simon_two_stage
from synthesis.grade import GradeAssessment
from synthesis.results import PooledProportion

ROOT = Path(__file__).resolve().parents[1]

#: the figures of presentation mode and of the deck, in order
FIGURE_SECTIONS = ("orr_forest", "dcr_forest", "rob", "sof", "agreement", "subgroups", "survival", "safety",
                   "design")
#: the appraisal figures of the deck and the documents, placed right after the paired figure
#: (``rob``) and left out of presentation mode: the robvis traffic light and weighted summary bars
APPRAISAL_SECTIONS = ("rob_traffic", "rob_summary")
#: sections shown after the figures (tables only)
TABLE_SECTIONS = ("published",)
#: figures of the deck and the documents after the tables, left out of presentation mode: the
#: living review's PRISMA 2020 flow (a taller figure: :data:`REVIEW_FIGURE_SIZE`)
REVIEW_SECTIONS = ("prisma",)
#: layout size (CSS px) of the review figures when exported (the flow diagram is drawn 820 px high)
REVIEW_FIGURE_SIZE = (960, 820)

REFERENCES = (
    "Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw. "
    "2010;36(3):1–48.",
    "Stijnen T, Hamza TH, Ozdemir P. Random effects meta-analysis of event outcome in the "
    "framework of the generalized linear mixed model. Stat Med. 2010;29:3046–67.",
    "Veroniki AA, et al. Methods to estimate the between-study variance and its uncertainty in "
    "meta-analysis. Res Synth Methods. 2016;7:55–79.",
    "IntHout J, Ioannidis JPA, Borm GF. The Hartung-Knapp-Sidik-Jonkman method for random "
    "effects meta-analysis is straightforward and considerably outperforms the standard "
    "DerSimonian-Laird method. BMC Med Res Methodol. 2014;14:25.",
    "Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects "
    "meta-analysis. J R Stat Soc A. 2009;172:137–59.",
    "Veroniki AA, et al. Methods to calculate uncertainty in the estimated overall effect size "
    "from a random-effects meta-analysis. Res Synth Methods. 2019;10:23–43.",
    "Schwarzer G, Chemaitelly H, Abu-Raddad LJ, Rücker G. Seriously misleading results using "
    "inverse of Freeman-Tukey double arcsine transformation in meta-analysis of single "
    "proportions. Res Synth Methods. 2019;10:476–83.",
    "Miller JJ. The inverse of the Freeman-Tukey double arcsine transformation. Am Stat. "
    "1978;32:138.",
    "Simon R. Optimal two-stage designs for phase II clinical trials. Control Clin Trials. "
    "1989;10:1–10.",
)


# ------------------------------------------------------------------------------------------
# content types
@dataclass(frozen=True)
class Section:
    """One slide / report section: a figure and/or a table with its caption, or why not."""

    key: str
    title: str
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    caption: str = ""
    bullets: tuple[str, ...] = ()
    #: further named tables shown under the main one (e.g. the heterogeneity statistics)
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    available: bool = True
    reason: str = ""
    #: the line a slide shows under the figure (default: the first bullets that fit)
    lead: tuple[str, ...] = ()

    @classmethod
    def missing(cls, key: str, title: str, reason: str) -> Section:
        return cls(key=key, title=title, available=False, reason=reason)


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: printed in every footer."""

    date: str
    data_file: str
    sha256: str
    app_version: str
    view_query: str
    n_problems: int = 0

    @property
    def sha_short(self) -> str:
        return self.sha256[:12] if self.sha256 else "unknown"

    def footer(self) -> str:
        return (
            f"{self.date} · data {self.data_file} sha256 {self.sha_short} · "
            f"app {self.app_version}"
        )


@dataclass(frozen=True)
class ReportContent:
    """Everything the HTML report, the PPTX deck and presentation mode show."""

    title: str
    subtitle: str
    view: View
    provenance: Provenance
    evidence_table: pd.DataFrame
    sections: tuple[Section, ...]
    results: dict[str, PooledProportion] = field(default_factory=dict)  # endpoint -> result
    views: dict[str, PooledView] = field(default_factory=dict)  # endpoint -> what the page shows
    r_scripts: dict[str, str] = field(default_factory=dict)  # endpoint -> R script
    methods: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def figure_sections(self) -> tuple[Section, ...]:
        return tuple(self.section(k) for k in FIGURE_SECTIONS)

    def appraisal_sections(self) -> tuple[Section, ...]:
        """The traffic-light and weighted-summary sections (after the paired figure)."""
        return tuple(self.section(k) for k in APPRAISAL_SECTIONS)

    def deck_sections(self) -> tuple[Section, ...]:
        """The deck's figure slides in order: the presentation figures with the appraisal
        figures after the paired forest + risk-of-bias figure."""
        out: list[Section] = []
        for s in self.figure_sections():
            out.append(s)
            if s.key == "rob":
                out.extend(self.appraisal_sections())
        return tuple(out)

    def table_sections(self) -> tuple[Section, ...]:
        """The available table-only sections (after the figures)."""
        return tuple(s for s in (self.section(k) for k in TABLE_SECTIONS) if s.available)

    def review_sections(self) -> tuple[Section, ...]:
        """The review's figure sections (after the tables; not in presentation mode)."""
        return tuple(self.section(k) for k in REVIEW_SECTIONS)




# ------------------------------------------------------------------------------------------
# small pure helpers
def _truthy(s: pd.Series) -> pd.Series:
    return s.fillna(False).astype(bool)


def app_version() -> str:
    """``version`` of ``pyproject.toml`` (the app version printed in footers)."""
    try:
        with open(ROOT / "pyproject.toml", "rb") as fh:
            return str(tomllib.load(fh)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"



# ------------------------------------------------------------------------------------------
# sections
def _run_guarded(key: str, title: str, fn: Callable[[], Section]) -> Section:
    """Run a section builder; a failure becomes an unavailable section with a short reason."""
    try:
        return fn()
    except Exception as exc:  # a report must still be produced; the reason is shown instead
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Section.missing(key, title, f"not available: {msg[:300]}")


def _forest_section(v: PooledView, view: View, g: GradeAssessment) -> Section:
    """The answer: the forest plot, the pooled sentences and caveats, the study and
    heterogeneity tables of one endpoint (as on Pooled efficacy). The certainty sentence
    (``g``: the endpoint's row of the summary of findings, default GRADE question) is the third
    bullet and, with the prediction interval, the slide's lead line: a projected number says how
    far to trust it."""
    ep = v.selection.endpoint
    fig = forest.forest_figure(
        forest.sort_rows(v.rows, view.forest_sort), v.result, title=v.title,
        ci_label=f"{text.level(v.model.level)} CI", pooled_label=v.label,
    )
    certainty = fa.certainty_sentence(ep, v.result, g.words, n=g.n) + "."
    bullets = [*v.sentences[:2], certainty, *v.sentences[2:], v.scope.sentence(), *v.caveats,
               *v.selected.notes]
    if len(v.selected.excluded):
        bullets.append(f"{len(v.selected.excluded)} candidate report(s) not pooled (overlap, "
                       "timepoint or filter).")
    return Section(key=f"{ep.lower()}_forest", title=f"Pooled {ep}: forest plot", figure=fig,
                   table=v.table, caption=v.caption, bullets=tuple(bullets),
                   lead=(certainty, v.sentences[1]),
                   tables=((f"Heterogeneity ({ep})", v.heterogeneity),))


ROB_TITLE = "Risk of bias (MINORS) beside the forest plot"
TRAFFIC_TITLE = "Risk of bias (MINORS): traffic-light plot"
SUMMARY_TITLE = "Risk of bias (MINORS): weighted summary"
#: how MINORS items are drawn (robvis vocabulary) and the overall rule, for every RoB figure
ROB_CAPTION = f"MINORS items D1–D8 (2 → low, 1 → high, 0 → no information). {OVERALL_RULE}"
SOF_TITLE = "Certainty of evidence (GRADE): summary of findings"


def _rob_section(v: PooledView | None, ap: Appraisals, view: View) -> Section:
    """The paired forest + risk-of-bias figure of the view's endpoint, with the robvis table (in
    the view's palette, as on the Appraisal page)."""
    if v is None:
        return Section.missing("rob", ROB_TITLE, "nothing was pooled for this endpoint.")
    rows, table = _rob_table(v, ap, view)
    fig = robvis.paired_forest_figure(
        rows, v.result, fa.rob_index(ap, rows["study_id"].astype(str).tolist()),
        domain_names=MINORS_ITEMS, title=f"{v.title} with risk of bias", wide_forest=True, palette=view.palette,
        ci_label=f"{text.level(v.model.level)} CI", pooled_label=v.label)
    table["Weight"] = [f"{w:.1f}%" for w in table["Weight"]]
    bullets = (f"{text.pct(fa.weight_share(rows, ap), 0)} of the pooled weight comes from studies at "
               "high risk of bias.", fa.minors_distribution(ap).sentence(), fa.reviewers_sentence(ap))
    return Section(key="rob", title=ROB_TITLE, figure=fig, table=table, bullets=bullets,
                   caption=ROB_CAPTION)


def _rob_table(v: PooledView, ap: Appraisals, view: View) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pooled rows in the forest's order and their robvis table (Study, D1…D8, Overall, Weight)."""
    rows = forest.sort_rows(v.rows, view.forest_sort)
    return rows, fa.robvis_table(rows, ap)


def _rob_traffic_section(v: PooledView | None, ap: Appraisals, view: View) -> Section:
    """The robvis traffic light (study × item, forest order) of the view's endpoint, in the view's
    robvis palette (``View.rob_cb``: the Appraisal page's colour-blind toggle)."""
    if v is None:
        return Section.missing("rob_traffic", TRAFFIC_TITLE, "nothing was pooled for this endpoint.")
    _, table = _rob_table(v, ap, view)
    return Section(
        key="rob_traffic", title=TRAFFIC_TITLE,
        figure=robvis.traffic_light_figure(table.drop(columns="Weight"), domain_names=MINORS_ITEMS,
                                           palette=view.palette,
                                           title=f"Studies pooled for {v.selection.endpoint}, in the forest's order"),
        caption=ROB_CAPTION + " The judgements per study are tabulated under the paired figure.")


def _rob_summary_section(v: PooledView | None, ap: Appraisals, view: View) -> Section:
    """The robvis weighted summary bars of the view's endpoint, in the view's robvis palette."""
    if v is None:
        return Section.missing("rob_summary", SUMMARY_TITLE, "nothing was pooled for this endpoint.")
    rows, table = _rob_table(v, ap, view)
    shares = robvis.summary_shares(table, weighted=True)
    wide = (shares.assign(share=[text.pct(x, 0) for x in shares["share"]])
            .pivot(index="domain", columns="judgement", values="share")
            .reindex(index=list(dict.fromkeys(shares["domain"])), columns=list(dict.fromkeys(shares["judgement"]))))
    keep = [j for j in wide.columns if (shares.loc[shares["judgement"] == j, "share"] > 0).any()]
    wide = wide[keep].reset_index().rename(columns={"domain": "Item"})
    wide.insert(1, "Question", [MINORS_ITEMS.get(d, "overall judgement") for d in wide["Item"]])
    return Section(
        key="rob_summary", title=SUMMARY_TITLE,
        figure=robvis.summary_figure(table, weighted=True, domain_names=MINORS_ITEMS, palette=view.palette,
                                     title=f"Share of the pooled {v.selection.endpoint} weight at each judgement"),
        table=wide, caption=fa.SUMMARY_CAPTION,
        bullets=(f"{text.pct(fa.weight_share(rows, ap), 0)} of the pooled weight comes from studies at "
                 "high risk of bias.",))


def _grades(views: dict[str, PooledView], grade_of: Callable[[str], GradeAssessment],
            survival: pd.DataFrame, safety, ap: Appraisals, view: View):
    """GRADE assessments (default thresholds) of ORR, DCR (``grade_of``: graded once for the
    forest sections and this table) and the pooled medians, and their results."""
    inputs = fa.GradeInputs(thresholds=fa.DEFAULT_THRESHOLDS)
    grades, results = [], {}
    for ep, v in views.items():
        grades.append(grade_of(ep))
        results[ep] = v.result
    for ep, name in (("PFS", "median PFS"), ("OS", "median OS")):
        res, rows = fa.median_rows(survival, ep, view.reports)
        if res is not None:
            grades.append(fa.grade_outcome(name, res, rows, ap, inputs))
            results[name] = res
    res, rows = fa.ae_grade3_rows(safety)
    if res is not None:
        grades.append(fa.grade_outcome(fa.AE_GRADE3_OUTCOME, res, rows, ap, inputs))
        results[fa.AE_GRADE3_OUTCOME] = res
    return grades, results


def _safety_or_none(evidence, view: View):
    """The Safety view for the SoF's adverse-event row (``None`` when the evidence has no
    toxicity table: the row is then left out, the other rows stay)."""
    try:
        return safety_view(evidence, reports=view.reports)
    except (AttributeError, KeyError, ValueError):
        return None


def _sof_section(grades, results) -> Section:
    """GRADE summary of findings as a table figure with its footnotes, and the sentences."""
    if not grades:
        return Section.missing("sof", SOF_TITLE, "no outcome can be pooled for this selection.")
    table = fa.sof_table(grades, results)
    notes, _ = fa.footnotes(grades)
    sentences = tuple(fa.certainty_sentence(g.outcome, results[g.outcome], g.words, n=g.n) for g in grades)
    letters = f"{notes[0][0]}–{notes[-1][0]}" if len(notes) > 1 else (notes[0][0] if notes else "")
    short = (f"Footnotes {letters}: the reason and rule behind each rating, in the caption.",) if notes else ()
    return Section(key="sof", title=SOF_TITLE, figure=robvis.table_figure(table, title="Summary of findings",
                                                                         notes=short),
                   table=table, bullets=sentences,
                   caption=f"ORR threshold p0 = {text.pct(fa.DEFAULT_THRESHOLDS['ORR'], 0)}. " + " ".join(notes))


def _agreement_section(v: PooledView) -> Section:
    """The same studies under every model (with each model's fallback note)."""
    key, title = "agreement", "Heterogeneity and method agreement"
    if v.result.k < 2:
        return Section.missing(key, title, "method agreement needs at least 2 studies.")
    a = robustness.agreement_view(v.selected.frame, v.model, v.result)
    fig = meta_plots.interval_rows_figure(
        a.rows, reference=v.result.estimate, reference_band=(v.result.ci.low, v.result.ci.high),
        title=f"Pooled {v.selection.endpoint}: the same {a.agreement.k} studies under each model",
        reference_label="Chosen model",
    )
    return Section(key=key, title=title, figure=fig, table=a.table, caption=a.caption,
                   bullets=(a.verdict[1],))


def _subgroup_section(frames: Frames, view: View) -> Section:
    """Subgroups by histology group, as on Designs & subtypes (separate τ² per subgroup)."""
    key, title = "subgroups", "Subgroup comparison by histology"
    model = view.model()
    frame = compare.subgroup_frame(frames.outcomes, replace(view.selection(), histology=()), "histology")
    groups = [str(g) for g in frame["group"]]
    if len(frame) < 2:
        return Section.missing(key, title, "a subgroup comparison needs at least 2 studies.")
    if len(set(groups)) < 2:
        return Section.missing(key, title, "all pooled studies share one histology group.")
    ev, n, labels = counts(frame)
    res = subgroup_analysis(list(ev), list(n), groups, labels=list(labels), tau2_mode="separate",
                            **model.pool_kwargs())
    gframe = res.to_frame()
    gframe = gframe[gframe["group"] != "Overall"].rename(columns={"total": "n"})
    test = compare.subgroup_test_text(res)
    fig = meta_plots.subgroup_forest_figure(
        compare.subgroup_rows(frame, pooled.study_ci(frame, model)), gframe,
        title=f"{ENDPOINTS[view.endpoint]} by histology group",
    )  # the subgroup test is stated once, as the first bullet
    return Section(key=key, title=title, figure=fig, table=compare.subgroup_table(res, model.level),
                   caption="Grey diamonds: each histology group's pooled estimate (own τ²).",
                   bullets=(test + ".", *res.notes))


def _published_section(frames: Frames, view: View) -> Section:
    key, title = "published", "Published pooled estimates beside this analysis"
    table = pooled.published_comparison(frames.published, view.selection(), view.model(), frames.outcomes)
    if table.empty:
        return Section.missing(key, title, "no published pooled estimate for this endpoint is in the "
                                           "evidence base.")
    return Section(key=key, title=title, table=table, caption=pooled.PUBLISHED_CAPTION)


def _survival_section(survival: pd.DataFrame) -> Section:
    key, title = "survival", "Survival: reported medians"
    if survival is None or survival.empty or "statistic" not in survival:
        return Section.missing(key, title, "no survival data in the evidence base.")
    med = survival[survival["statistic"] == "median"]
    if med.empty:
        return Section.missing(key, title, "no study reports a median survival time.")
    fig = survival_charts.median_dot_whisker(survival, panels=True)
    table = pd.DataFrame({
        "Study": med["label"].map(_text),
        "Endpoint": med["endpoint"].map(_text),
        "Median (months)": [
            "not reached" if bool(nr) else text.num(e, 3)
            for e, nr in zip(med["estimate"], med.get("not_reached", [False] * len(med)), strict=True)
        ],
        "Interval": [
            _text(p) or "–" for p in med.get("interval_as_printed", [""] * len(med))
        ],
    }).reset_index(drop=True)
    return Section(
        key=key, title=title, figure=fig, table=table,
        caption="Medians as reported by each study (not pooled Kaplan–Meier data).",
        bullets=fsurvival.survival_headlines(survival),
    )


def _design_section(results: dict, view: View) -> Section:
    key, title = "design", "Sample-size design: Simon two-stage"
    p0, p1, alpha, power = view.p0, view.p1, view.alpha, view.power
    res = simon_two_stage(p0, p1, alpha, round(1.0 - power, 12))
    grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, 101), [p0, p1]]))
    designs = [res.optimal] if (res.optimal.n1, res.optimal.n) == (res.minimax.n1, res.minimax.n) \
        else [res.optimal, res.minimax]
    curves = {f"{d.kind} {d.boundary()}": operating_characteristics(d, grid) for d in designs}
    fig = design_charts.oc_figure(
        curves, p0=p0, p1=p1, alpha=alpha, power=power,
        title=f"Simon two-stage designs for p0 = {p0:.0%} vs p1 = {p1:.0%}",
    )
    table = pd.DataFrame([
        {"Design": d.kind, "Stage 1 (r1/n1)": f"{d.r1}/{d.n1}", "Overall (r/n)": f"{d.r}/{d.n}",
         "EN(p0)": f"{d.en0:.1f}", "PET(p0)": text.pct(d.pet0), "α attained": f"{d.alpha:.3f}",
         "Power attained": text.pct(d.power)}
        for d in designs
    ])
    bullets = [
        f"Assumptions: p0 = {p0:.0%} (not worth pursuing), p1 = {p1:.0%} (target), one-sided "
        f"α = {alpha:g}, power = {power:.0%} (the Trial planner's keys p0, p1, alpha, power).",
        res.optimal.rule_text(),
    ]
    orr = results.get("ORR")
    if orr is not None and math.isfinite(orr.estimate):
        bullets.append(f"For reference, pooled ORR {text.pct(orr.estimate)} "
                       f"({orr.fit.level:.0%} CI {text.interval(orr.ci.low, orr.ci.high)}).")
    return Section(key=key, title=title, figure=fig, table=table, bullets=tuple(bullets),
                   caption="Simon (1989) optimal and minimax designs, exact binomial "
                           "(synthesis.design.simon); curves: operating characteristics.")


def _prisma_section(evidence) -> Section:
    """The PRISMA 2020 flow of the data file's search log (findings.review.prisma_view)."""
    key, title = "prisma", "PRISMA 2020 flow diagram (living review)"
    pv = prisma_view(evidence)
    if pv.counts is None:
        return Section.missing(key, title, f"the search log does not describe this data: {pv.error}")
    return Section(key=key, title=title, figure=prisma_figure(pv.counts, title=""), table=pv.table,
                   bullets=pv.sentences, caption=("Updated review, other methods only (searches of stored copies of the "
                            "literature); every count is computed from the search log and the data files."))


SAFETY_TITLE = "Safety: adverse events pooled per term and grade"


def _safety_section(sv: fsafety.SafetyView, published: pd.DataFrame, ap: Appraisals) -> Section:
    if sv.table.empty:
        return Section.missing("safety", SAFETY_TITLE, "no adverse-event count can be pooled.")
    sentence, certainty = fa.ae_certainty(sv, ap, fa.GradeInputs(thresholds=fa.DEFAULT_THRESHOLDS))
    return Section(key="safety", title=SAFETY_TITLE,
                   figure=incidence_dot_figure(sv.table, published),
                   table=fsafety.display_table(sv.table), caption=fsafety.TABLE_CAPTION,
                   bullets=tuple(b for b in (sv.overview_line(), certainty) if b),
                   lead=(sentence + ".",) if sentence else ())


def evidence_table(studies: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per study: design, histology, regimen, n and headline ORR/DCR (display strings)."""
    if studies is None or studies.empty:
        return pd.DataFrame(columns=["Study", "Design", "Histology", "Regimen", "N evaluable",
                                     "ORR", "DCR", "Pooled by default"])
    out = []
    for _, s in studies.iterrows():
        sid = _text(s.get("id"))
        row = {
            "Study": _text(s.get("label")) or sid,
            "Design": _text(s.get("design_label")) or "–",
            "Histology": _text(s.get("histology_group")) or "–",
            "Regimen": _text(s.get("regimen")) or "–",
            "N evaluable": _text(s.get("n_evaluable_efficacy")) or "–",
        }
        pooled = False
        for ep in ("ORR", "DCR"):
            o = outcomes[(outcomes["study_id"] == sid) & (outcomes["endpoint"] == ep)] if len(outcomes) else outcomes
            if "subgroup" in o:
                o = o[o["subgroup"].map(_text) == ""]
            if "headline" in o:
                o = o[_truthy(o["headline"])]
            if len(o):
                r = o.iloc[0]
                try:
                    e, n = int(r["events"]), int(r["total"])
                    row[ep] = f"{e}/{n} ({text.pct(e / n)})"
                except (TypeError, ValueError):
                    row[ep] = "–"
                pooled = pooled or bool(r.get("pooled_by_default", False))
            else:
                row[ep] = "–"
        row["Pooled by default"] = "yes" if pooled else "no"
        out.append(row)
    return pd.DataFrame(out)




def _r_script(v: PooledView, prov: Provenance, view: View) -> str:
    ep = v.selection.endpoint
    return r_script_for(
        v.result,
        title=f"Pooled {ep} (apatinib, advanced sarcoma)",
        provenance={
            "data file": prov.data_file,
            "data sha256": prov.sha256,
            "app version": prov.app_version,
            "view": view.with_endpoint(ep).to_query() or "(defaults)",
            "generated": prov.date,
            **selection_provenance(v.selected, view.reports),
        },
    )


def subtitle(views: dict[str, PooledView], n_records: int, view: View) -> str:
    """What was pooled, counted as the sentence says (pooled studies, not evidence records)."""
    pooled_k = ", ".join(f"{text.count(v.result.k, 'study', 'studies')} pooled for {ep}"
                         for ep, v in views.items()) or "no study pooled"
    return (f"{pooled_k} ({text.count(n_records, 'record')} in the evidence base) · "
            f"{LABELS[view.method]}")


def build_content(
    view: View | None = None,
    *,
    evidence=None,
    data_path: str | Path | None = None,
    today: _dt.date | None = None,
    only: Collection[str] | None = None,
) -> ReportContent:
    """Assemble the report for ``view`` (defaults: the page defaults; the embedded data file).

    Parameters
    ----------
    view
        The choices (:class:`~reports.view.View`).
    evidence
        An ``EvidenceBase``; loaded from ``data_path`` (or ``$APATINIB_STUDIES``, or the embedded
        file) when omitted.
    today
        Date printed in footers (default: today, UTC).
    only
        Build only these section keys (the pooled views are always computed); the others are
        left "not built yet". The Present page draws the figure on screen from such a partial
        report before the full one is prepared.
    """
    view = view or View()

    def _guard(key: str, title: str, fn: Callable[[], Section]) -> Section:
        if only is not None and key not in only:
            return Section.missing(key, title, "not built yet.")
        return _run_guarded(key, title, fn)

    if evidence is None:
        path = data_path or os.environ.get("APATINIB_STUDIES") or None
        evidence = evidence_pkg.load_studies(path)
    date = (today or _dt.datetime.now(_dt.UTC).date()).isoformat()
    prov = Provenance(
        date=date,
        data_file=Path(evidence.path or "studies.yaml").name,
        sha256=str(evidence.sha256 or ""),
        app_version=app_version(),
        view_query=view.to_query(),
        n_problems=len(evidence.problems),
    )
    frames = frames_of(evidence)
    views: dict[str, PooledView] = {}
    sections: list[Section] = []
    ap = load_appraisals()
    endpoint_grades: dict[str, GradeAssessment] = {}

    def grade_of(ep: str) -> GradeAssessment:
        """ORR/DCR graded once (default question): the forest's certainty sentence and the SoF row."""
        if ep not in endpoint_grades:
            v = views[ep]
            endpoint_grades[ep] = fa.grade_outcome(
                ep, v.result, v.rows, ap, fa.GradeInputs(thresholds=fa.DEFAULT_THRESHOLDS),
                transform=v.model.transform)
        return endpoint_grades[ep]

    for ep in ENDPOINTS:
        key, title = f"{ep.lower()}_forest", f"Pooled {ep}: forest plot"
        v = view.with_endpoint(ep)
        if frames.outcomes.empty:
            sections.append(Section.missing(key, title, "the evidence base has no outcome table."))
            continue
        try:
            views[ep] = pooled.pooled_view(frames, v.selection(), v.model())
        except ValueError as exc:
            reason = "no study matches this selection." if "no study" in str(exc) else f"not available: {exc}"
            sections.append(Section.missing(key, title, reason))
            continue
        sections.append(_guard(key, title, lambda ep=ep: _forest_section(views[ep], view, grade_of(ep))))
    sections.append(_guard("rob", ROB_TITLE, lambda: _rob_section(views.get(view.endpoint), ap, view)))
    rob_view = views.get(view.endpoint)
    sections.append(_guard("rob_traffic", TRAFFIC_TITLE, lambda: _rob_traffic_section(rob_view, ap, view)))
    sections.append(_guard("rob_summary", SUMMARY_TITLE, lambda: _rob_summary_section(rob_view, ap, view)))
    try:
        grades, graded = (_grades(views, grade_of, frames.survival, _safety_or_none(evidence, view), ap, view)
                          if only is None or "sof" in only else ([], {}))
    except ValueError:
        grades, graded = [], {}
    sections.append(_guard("sof", SOF_TITLE, lambda: _sof_section(grades, graded)))
    chosen = views.get(view.endpoint)
    if chosen is None:
        sections.append(Section.missing("agreement", "Heterogeneity and method agreement",
                                        "nothing was pooled for this endpoint."))
    else:
        sections.append(_guard("agreement", "Heterogeneity and method agreement",
                               lambda: _agreement_section(chosen)))
    if frames.outcomes.empty:
        sections.append(Section.missing("subgroups", "Subgroup comparison by histology",
                                        "the evidence base has no outcome table."))
    else:
        sections.append(_guard("subgroups", "Subgroup comparison by histology",
                               lambda: _subgroup_section(frames, view)))
    sections.append(_guard("survival", "Survival: reported medians",
                           lambda: _survival_section(frames.survival)))
    results = {ep: v.result for ep, v in views.items()}
    sections.append(_guard("design", "Sample-size design: Simon two-stage",
                           lambda: _design_section(results, view)))
    safety = fsafety.safety_view(evidence, level=view.model().level, reports=view.reports)
    sections.append(_guard("safety", SAFETY_TITLE,
                           lambda: _safety_section(safety, fsafety.published_frame(evidence), ap)))
    sections.append(_guard("published", "Published pooled estimates beside this analysis",
                           lambda: _published_section(frames, view)))
    sections.append(_guard("prisma", "PRISMA 2020 flow diagram (living review)",
                           lambda: _prisma_section(evidence)))

    refs = list(REFERENCES)
    if not frames.studies.empty and "citation" in frames.studies:
        refs = [c for c in (_text(x) for x in frames.studies["citation"]) if c] + refs
    methods = tuple(f"{ep}. {v.methods}" for ep, v in views.items()) + (
        "Risk of bias and certainty. " + fa.methods_text(grades, graded),
        fsafety.METHODS_TEXT,
        "Every pooled result can be reproduced in R (metafor) with the downloadable script, which "
        "contains the data and the exact calls.",)
    return ReportContent(
        title="Apatinib in advanced sarcoma: evidence synthesis",
        subtitle=subtitle(views, len(frames.studies), view),
        view=view,
        provenance=prov,
        evidence_table=evidence_table(frames.studies, frames.outcomes),
        sections=tuple(sections),
        results=results,
        views=views,
        r_scripts={**{ep: _r_script(v, prov, view) for ep, v in views.items()},
                   **({"adverse events": safety_r_script(safety)} if safety.pools else {})},
        methods=methods,
        references=tuple(refs),
        problems=tuple(str(p) for p in evidence.problems),
    )
