"""The living review as shown: evidence summary, PRISMA 2020 counts, What's new, diffs, references.

Streamlit-free; the pages (Overview, Studies, Living review), the HTML report and the command
line ``python -m evidence diff`` show what these functions return. Numbers are formatted through
:mod:`findings.text` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

import synthesis
from evidence import load_studies
from evidence.base import EvidenceBase
from evidence.diff import EvidenceDiff, diff_bases
from evidence.references import export_files, references
from evidence.searchlog import PrismaCounts, PrismaError, SearchLog, load_search_log, prisma_counts
from evidence.selection import Selection, select_outcomes
from findings import text
from synthesis.spec import Model

__all__ = [
    "EvidenceSummary",
    "HeadlinePool",
    "PooledChange",
    "PrismaView",
    "WhatsNew",
    "diff_report",
    "evidence_summary",
    "headline_pool",
    "pooled_change",
    "prisma_view",
    "reference_files",
    "whats_new",
]

ENDPOINTS = ("ORR", "DCR")


# --------------------------------------------------------------------------- summary
@dataclass(frozen=True, slots=True)
class EvidenceSummary:
    """Counts of the evidence base for the Overview (computed, never typed)."""

    cohorts: int
    patients: int
    patients_unverified: int
    secondary_reports: int
    registered_trials: int
    exclusions: int
    sentence: str


def evidence_summary(base: EvidenceBase) -> EvidenceSummary:
    """Cohorts = primary study records other than case reports (overlapping cohorts are grouped,
    not merged); patients = their enrolled (else evaluable) counts added up."""
    studies = [s for s in base.studies if s.record_kind == "study" and s.design.report_type != "case_report"]
    patients = unverified = 0
    for s in studies:
        num = s.n.enrolled or s.n.evaluable_efficacy
        if num is None:
            continue
        patients += int(num.value)
        if num.unverified:
            unverified += int(num.value)
    sec = sum(s.record_kind == "secondary_report" for s in base.studies)
    trials = sum(s.record_kind == "planned" for s in base.studies)
    groups = sum(1 for g in base.overlap_groups)
    sentence = (
        f"{text.count(len(studies), 'cohort')} with {text.count(patients, 'patient')} enrolled "
        f"({unverified} of them in reports marked unverified); {groups} overlap groups mark cohorts that "
        f"may share patients, so the patients are not all distinct. Also "
        f"{text.count(sec, 'secondary report')}, {text.count(trials, 'registered trial')} and "
        f"{text.count(len(base.exclusions), 'record')} considered and excluded with a reason."
    )
    return EvidenceSummary(len(studies), patients, unverified, sec, trials, len(base.exclusions), sentence)


# --------------------------------------------------------------------------- pooled headline
@dataclass(frozen=True, slots=True)
class HeadlinePool:
    endpoint: str
    k: int
    n: int
    estimate: float
    ci_low: float
    ci_high: float
    studies: tuple[str, ...]

    @property
    def text(self) -> str:
        return (f"{self.endpoint} {text.pct(self.estimate)} (95% CI {text.interval(self.ci_low, self.ci_high)}; "
                f"{text.count(self.k, 'study', 'studies')}, {text.count(self.n, 'patient')})")


def headline_pool(base: EvidenceBase, endpoint: str, model: Model | None = None) -> HeadlinePool | None:
    """The pooled headline of one endpoint under the page defaults (``Selection()``, ``Model()``)."""
    model = model or Model()
    frame = select_outcomes(base.outcomes_frame(), Selection(endpoint=endpoint)).frame
    if len(frame) == 0:
        return None
    ev = frame["events"].astype(int).tolist()
    tot = frame["total"].astype(int).tolist()
    res = synthesis.pool_proportions(ev, tot, **model.pool_kwargs())
    return HeadlinePool(endpoint, int(res.k), int(sum(tot)), float(res.estimate), float(res.ci.low),
                        float(res.ci.high), tuple(frame["study_id"].astype(str)))


@dataclass(frozen=True, slots=True)
class PooledChange:
    endpoint: str
    old: HeadlinePool | None
    new: HeadlinePool | None

    @property
    def changed(self) -> bool:
        if (self.old is None) != (self.new is None):
            return True
        if self.old is None or self.new is None:
            return False
        return (self.old.k, self.old.studies, round(self.old.estimate, 10)) != (
            self.new.k, self.new.studies, round(self.new.estimate, 10))

    @property
    def delta_points(self) -> float | None:
        if self.old is None or self.new is None:
            return None
        return 100 * (self.new.estimate - self.old.estimate)

    @property
    def text(self) -> str:
        old = self.old.text if self.old else "not poolable"
        new = self.new.text if self.new else "not poolable"
        if not self.changed:
            return f"{self.endpoint}: unchanged, {new}"
        d = self.delta_points
        delta = "" if d is None else f" ({d:+.1f} percentage points)"
        return f"{self.endpoint}: {old} -> {new}{delta}"


def pooled_change(old: EvidenceBase, new: EvidenceBase, model: Model | None = None) -> tuple[PooledChange, ...]:
    return tuple(PooledChange(ep, headline_pool(old, ep, model), headline_pool(new, ep, model))
                 for ep in ENDPOINTS)


# --------------------------------------------------------------------------- diff / what's new
def _v(x: object) -> str:
    return "absent" if x is None else f"{x:g}" if isinstance(x, float) else str(x)


def diff_report(diff: EvidenceDiff, pooled: tuple[PooledChange, ...] = ()) -> str:
    """Plain-text rendering of a diff (the command line's output)."""
    lines: list[str] = []
    if diff.added:
        lines.append(f"Records added ({len(diff.added)}): {', '.join(diff.added)}")
    if diff.removed:
        lines.append(f"Records removed ({len(diff.removed)}): {', '.join(diff.removed)}")
    if diff.numbers:
        lines.append(f"Numbers changed ({len(diff.numbers)}):")
        lines += [f"  {c.study_id} {c.path}: {_v(c.old)} -> {_v(c.new)} [source {c.source}"
                  f"{', ' + c.location if c.location else ''}]" for c in diff.numbers]
    if diff.kinds:
        lines.append(f"Interval kinds relabelled ({len(diff.kinds)}):")
        lines += [f"  {c.study_id} {c.path}: {c.old} -> {c.new} [source {c.source}]" for c in diff.kinds]
    for title, flags in (("Flags raised", diff.flags_raised), ("Flags resolved", diff.flags_resolved)):
        if flags:
            lines.append(f"{title} ({len(flags)}):")
            lines += [f"  {f.study_id or '-'} {f.kind} ({f.field}): {f.message}" for f in flags]
    if diff.exclusions_added:
        lines.append(f"Exclusions added ({len(diff.exclusions_added)}): {', '.join(diff.exclusions_added)}")
    if diff.exclusions_removed:
        lines.append(f"Exclusions removed ({len(diff.exclusions_removed)}): {', '.join(diff.exclusions_removed)}")
    if pooled:
        lines.append("Pooled headline under the page defaults (REML, HKSJ, logit; one report per cohort):")
        lines += [f"  {p.text}" for p in pooled]
    if not lines or (diff.empty and not any(p.changed for p in pooled)):
        return "No differences."
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class WhatsNew:
    """A dated "What's new" table (Cochrane living-review style) and its one-line summary."""

    date: str
    version: str
    summary: str
    table: pd.DataFrame
    pooled: tuple[PooledChange, ...]


def whats_new(old: EvidenceBase, new: EvidenceBase, *, date: str, version: str,
              model: Model | None = None) -> WhatsNew:
    """Rows ``date, change, records, detail`` describing the update from ``old`` to ``new``."""
    d = diff_bases(old, new)
    pooled = pooled_change(old, new, model)
    rows: list[tuple[str, str, str]] = []
    label = {s.id: s.label for s in new.studies}
    if d.added:
        rows.append(("Records added", ", ".join(d.added), "; ".join(f"{i}: {label.get(i, i)}" for i in d.added)))
    if d.removed:
        rows.append(("Records removed", ", ".join(d.removed), ""))
    for c in d.numbers:
        rows.append(("Number changed", c.study_id, f"{c.path}: {_v(c.old)} → {_v(c.new)} (source {c.source})"))
    if d.kinds:
        ids = sorted({c.study_id for c in d.kinds})
        pairs = sorted({f"{c.old} → {c.new}" for c in d.kinds})
        rows.append(("Interval kinds re-read", ", ".join(ids),
                     f"{text.count(len(d.kinds), 'interval')} relabelled as printed ({'; '.join(pairs)})"))
    if d.exclusions_added:
        rows.append(("Exclusions recorded", text.count(len(d.exclusions_added), "record"),
                     ", ".join(d.exclusions_added)))
    if d.flags_raised:
        rows.append(("Flags raised", ", ".join(sorted({f.study_id or "-" for f in d.flags_raised})),
                     text.count(len(d.flags_raised), "flag")))
    if d.flags_resolved:
        rows.append(("Flags resolved", ", ".join(sorted({f.study_id or "-" for f in d.flags_resolved})),
                     "; ".join(f"{f.study_id}: {f.message}" for f in d.flags_resolved)))
    for p in pooled:
        rows.append((f"Pooled {p.endpoint} (page defaults)", "", p.text))
    table = pd.DataFrame(rows, columns=["change", "records", "detail"])
    table.insert(0, "date", date)
    conclusions = ("the pooled headline estimates did not change" if not any(p.changed for p in pooled)
                   else "the pooled headline estimates changed (see the table)")
    summary = (f"{version} ({date}): {text.count(len(d.added), 'record')} added, "
               f"{text.count(len(d.numbers), 'number')} changed, {text.count(len(d.kinds), 'interval kind')} "
               f"re-read, {text.count(len(d.exclusions_added), 'exclusion')} recorded; {conclusions}.")
    return WhatsNew(date, version, summary, table, pooled)


# --------------------------------------------------------------------------- PRISMA
@dataclass(frozen=True, slots=True)
class PrismaView:
    """PRISMA 2020 counts with their table, or the reason they could not be computed."""

    counts: PrismaCounts | None
    error: str | None
    log: SearchLog | None

    @property
    def table(self) -> pd.DataFrame:
        if self.counts is None:
            return pd.DataFrame(columns=["box", "n"])
        return pd.DataFrame(list(self.counts.boxes()), columns=["box", "n"])

    @property
    def sentences(self) -> tuple[str, ...]:
        """The flow in four sentences (previous version, identification, screening, included).

        Shown beside the diagram on a slide and under it in the documents; every count is one of
        :meth:`PrismaCounts.boxes`. Empty when the counts could not be computed.
        """
        c = self.counts
        if c is None:
            return ()
        unknown = (f"; {text.count(c.searches_without_counts, 'entry', 'entries')} without result "
                   "counts" if c.searches_without_counts else "")
        meta = " and ".join(f"{text.count(k, 'study', 'studies')} in the default {ep} meta-analysis"
                            for ep, k in c.meta_analysis)
        return (
            f"Previous version: {text.count(c.previous_studies, 'study', 'studies')} "
            f"({text.count(c.previous_reports, 'report')}).",
            f"Identification: {text.count(c.searches, 'search', 'searches')} of stored copies of the "
            f"literature (other methods{unknown}) returned {text.count(c.results_returned, 'result')} "
            f"with known counts; {text.count(c.records_identified, 'record')} new to the review.",
            f"Screening: {c.records_screened_out} excluded at screening; "
            f"{text.count(c.reports_sought, 'report')} sought, {c.reports_not_retrieved} not retrieved, "
            f"{c.reports_assessed} assessed; {c.reports_excluded_total} excluded with a reason.",
            f"Included: {text.count(c.new_studies, 'new study', 'new studies')} "
            f"({text.count(c.new_reports, 'report')}) and "
            f"{text.count(c.registered_trials, 'registered trial')} without results; in total "
            f"{text.count(c.total_studies, 'study', 'studies')} ({text.count(c.total_reports, 'report')})"
            + (f", {meta}" if meta else "") + ".",
        )

    @property
    def searches(self) -> pd.DataFrame:
        cols = ["id", "date", "source", "query", "language", "hits", "already known", "off topic", "new records"]
        if self.log is None:
            return pd.DataFrame(columns=cols)
        rows = [(e.id, e.date, e.source, e.query if e.query is not None else "not known", e.language,
                 "not known" if e.hits is None else str(e.hits),
                 "not known" if e.already_known is None else str(e.already_known),
                 "not known" if e.off_topic is None else str(e.off_topic),
                 ", ".join(e.new_records)) for e in self.log.searches]
        return pd.DataFrame(rows, columns=cols)


def prisma_view(base: EvidenceBase, log_path: str | Path | None = None, *,
                previous: EvidenceBase | None = None) -> PrismaView:
    """Load the search log and (unless given) the previous version; compute the counts (never raises)."""
    log, problems = load_search_log(log_path)
    if log is None:
        return PrismaView(None, "; ".join(str(p) for p in problems) or "search log could not be read", None)
    previous = previous if previous is not None else load_studies(log.previous_path())
    if not previous.ok:
        return PrismaView(None, f"previous version {log.previous_version.file} could not be loaded", log)
    try:
        return PrismaView(prisma_counts(log, base, previous), None, log)
    except PrismaError as exc:
        return PrismaView(None, str(exc), log)


# --------------------------------------------------------------------------- references
def reference_files(base: EvidenceBase, ids: list[str] | tuple[str, ...],
                    stem: str = "apatinib_sarcoma_references") -> dict[str, tuple[str, bytes, str]]:
    """``format -> (file name, bytes, MIME type)`` for RIS, BibTeX and CSL-JSON of ``ids``."""
    return export_files(references(base, ids), stem)
