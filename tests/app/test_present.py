"""Present & export page under AppTest: normal and presentation mode, view from the URL."""

from __future__ import annotations

import json

import pytest

from charts import theme
from reports.content import FIGURE_SECTIONS

pytestmark = pytest.mark.app
PAGE = "pages/present.py"


def _labels(at) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_present_page_runs_with_exports(app_test) -> None:
    at = app_test(page=PAGE, timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    labels = _labels(at)
    for label in ("PowerPoint deck", "HTML report", "R script: pooled ORR", "R script: pooled DCR",
                  "Figure PNG", "Figure SVG"):
        assert label in labels, labels
    assert at.title[0].value == "Present & export"
    assert at.header[0].value.startswith("Pooled ORR")
    charts = at.get("plotly_chart")
    assert len(charts) == 1


def test_next_previous_step_through_every_figure(app_test) -> None:
    at = app_test(page=PAGE, timeout=120)
    seen = [at.header[0].value]
    for _ in range(len(FIGURE_SECTIONS)):
        at.button(key="next").click().run()
        assert not at.exception, [e.value for e in at.exception]
        seen.append(at.header[0].value)
    assert seen[0] == seen[-1]  # wraps around
    assert len(set(seen)) == len(FIGURE_SECTIONS)
    at.button(key="prev").click().run()
    assert at.header[0].value == seen[-2]


def test_presentation_mode_from_url_hides_controls(app_test) -> None:
    at = app_test(page=PAGE, query={"present": "1"}, timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.title  # no page title, no export row
    assert "PowerPoint deck" not in _labels(at)
    assert f"1/{len(FIGURE_SECTIONS)}" in at.header[0].value
    assert at.toggle(key="present_mode").value is True
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["font"]["size"] == theme.PRESENTATION_FONT  # charts.theme.apply(presentation=True)
    assert len(at.sidebar) == 0 or not any(True for _ in at.sidebar)


def test_view_from_url_is_used_and_bad_view_is_a_warning(app_test) -> None:
    at = app_test(page=PAGE, query={"endpoint": "DCR", "method": "DL"}, timeout=120)
    assert not at.exception
    assert any("endpoint=dcr" in c.value and "method=dl" in c.value for c in at.caption)
    at = app_test(page=PAGE, query={"method": "XYZ"}, timeout=120)
    assert not at.exception
    assert at.warning and "method 'XYZ'" in at.warning[0].value and "showing REML" in at.warning[0].value


def test_choices_made_on_the_pooled_page_are_carried_over(app_test) -> None:
    at = app_test(page="pages/pooled.py", timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="method").set_value("DL").run()
    at.query_params.clear()  # as in the browser: a page change starts without the old query string
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    cap = next(c.value for c in at.caption if "Everything below uses" in c.value)
    assert "method=dl" in cap and "Pooled efficacy" in cap
    at.button(key="next").click().run()  # still the same view on the next run
    cap = next(c.value for c in at.caption if "Everything below uses" in c.value)
    assert "method=dl" in cap


def test_the_appraisal_pages_colour_blind_palette_is_carried_into_the_exports(app_test) -> None:
    from charts.robvis import PALETTES

    at = app_test(page="pages/appraisal.py", timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    at.toggle(key="rob_cb").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    at.query_params.clear()  # as in the browser: a page change starts without the old query string
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    cap = next(c.value for c in at.caption if "Everything below uses" in c.value)
    assert "rob_cb=true" in cap and "colour-blind palette chosen on Appraisal" in cap  # says where it came from
    at.segmented_control(key="slide").set_value("rob").run()
    spec = at.get("plotly_chart")[0].proto.spec.lower()
    assert PALETTES["colourblind"]["High"].lower() in spec and PALETTES["cochrane"]["High"].lower() not in spec
    # a link's own rob_cb wins over the session's toggle
    at.query_params["rob_cb"] = "false"
    at.run()
    spec = at.get("plotly_chart")[0].proto.spec.lower()
    assert PALETTES["cochrane"]["High"].lower() in spec and PALETTES["colourblind"]["High"].lower() not in spec
