"""The page registry used by ``app.py`` and by the page smoke tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PageSpec:
    file: str
    title: str
    icon: str
    url_path: str
    section: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Overview", ":material/home:", "home", "Evidence", default=True),
    PageSpec("pages/studies.py", "Studies", ":material/library_books:", "studies", "Evidence"),
    PageSpec("pages/checks.py", "Data checks", ":material/rule:", "checks", "Evidence"),
    PageSpec("pages/review.py", "Living review", ":material/update:", "review", "Evidence"),
    PageSpec("pages/pooled.py", "Pooled efficacy", ":material/forest:", "pooled", "Synthesis"),
    PageSpec("pages/compare.py", "Designs & subtypes", ":material/compare:", "compare", "Synthesis"),
    PageSpec("pages/survival.py", "Survival", ":material/timeline:", "survival", "Synthesis"),
    PageSpec("pages/digitise.py", "Digitise a KM figure", ":material/ads_click:", "digitise", "Synthesis"),
    PageSpec("pages/appraisal.py", "Appraisal & certainty", ":material/fact_check:", "appraisal", "Synthesis"),
    PageSpec("pages/safety.py", "Safety", ":material/health_and_safety:", "safety", "Synthesis"),
    PageSpec("pages/planner.py", "Trial planner", ":material/calculate:", "planner", "Plan & present"),
    PageSpec("pages/present.py", "Present & export", ":material/slideshow:", "present", "Plan & present"),
    PageSpec("pages/my-studies.py", "Your studies", ":material/upload_file:", "my-studies", "Plan & present"),
)
