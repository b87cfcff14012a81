"""Designs & subtypes page under AppTest: every tab and comparison renders, no 'nan'."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.app
PAGE = "pages/compare.py"
NAN = re.compile(r"\bnan\b", re.IGNORECASE)


def check_clean(at) -> str:
    assert not at.exception, [e.value for e in at.exception]
    parts = [str(el.value) for kind in ("markdown", "caption", "subheader", "warning", "info", "error")
             for el in getattr(at, kind)]
    text = "\n".join(parts)
    assert not NAN.search(text), NAN.search(text)
    return text


@pytest.mark.parametrize("by", ["Design", "Histology", "Regimen", "Line", "Dose", "Timepoint"])
def test_subgroups_by_each_moderator(app_test, by) -> None:
    at = app_test(page=PAGE, query={"by": by})
    check_clean(at)


@pytest.mark.parametrize("tab", ["Meta-regression", "Subtypes", "Design table"])
def test_other_tabs(app_test, tab) -> None:
    at = app_test(page=PAGE, query={"ctab": tab})
    text = check_clean(at)
    if tab == "Subtypes":
        assert len(at.get("plotly_chart")) >= 1
        assert "Histology composition" in text
    if tab == "Design table":
        assert at.dataframe and "Design" in at.dataframe[0].value.columns


def test_filters_change_the_design_table(app_test) -> None:
    at = app_test(page=PAGE, query={"ctab": "Design table"})
    n_all = len(at.dataframe[0].value)
    at = app_test(page=PAGE, query={"ctab": "Design table", "histology": "osteosarcoma"})
    check_clean(at)
    n_osteo = len(at.dataframe[0].value)
    assert 0 < n_osteo < n_all
    assert set(at.dataframe[0].value["Group"]) == {"osteosarcoma"}


def test_subgroup_test_and_moderator_change(app_test) -> None:
    at = app_test(page=PAGE, query={"by": "Histology"})
    text = check_clean(at)
    assert "Test for subgroup differences" in text.replace("\\", "")
    assert len(at.get("plotly_chart")) == 1
    at = app_test(page=PAGE, query={"ctab": "Meta-regression"})
    first = " ".join(m.value for m in at.markdown if "Moderator test" in m.value)
    at.selectbox(key="moderator").set_value("prospective").run()
    check_clean(at)
    second = " ".join(m.value for m in at.markdown if "Moderator test" in m.value)
    assert first and second and first != second


def test_year_moderator_is_centred(app_test) -> None:
    """Meta-regression on year: the intercept is the fitted value at the mean year, not year 0."""
    import numpy as np

    from findings import compare
    from ui import analysis as A
    from ui.data import get_evidence

    at = app_test(page=PAGE, query={"ctab": "Meta-regression", "moderator": "year"})
    text = check_clean(at)
    assert "centred at its mean" in text
    table = next(d.value for d in at.dataframe if "Term" in d.value.columns)
    coef = table.columns[1]
    intercept = float(table[coef].iloc[0].replace("−", "-"))
    assert abs(intercept) < 5  # a logit at the average study, not 145 (SE 287) at year 0
    frame = A.select_outcomes(get_evidence().outcomes_frame(), A.Selection()).frame
    years = frame["year"].astype(float).to_numpy()
    centre = float(np.mean(years[np.isfinite(years)]))
    assert compare.moderator_centre(years) == centre and compare.moderator_centre(np.array([0.0, 1.0])) == 0.0
