"""findings.digitise and evidence.digitised: calibration, clicks, pasted points, the workbench
view and the saved curve with its provenance (validated; errors name the field)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from evidence.digitised import DigitisedCurve, curves_from_json, curves_to_json
from findings import digitise as D
from synthesis.km_reconstruction import RECONSTRUCTED_LABEL


def test_calibration_maps_pixels_to_data_and_back() -> None:
    cal = D.Calibration(x_px=(60, 560), x_val=(0, 20), y_px=(350, 50), y_val=(0, 1))
    t, s = cal.to_data(np.array([60, 310, 560]), np.array([350, 200, 50]))
    assert np.allclose(t, [0, 10, 20]) and np.allclose(s, [0, 0.5, 1])
    assert np.allclose(cal.to_pixel(t, s)[0], [60, 310, 560])
    assert cal.time_per_pixel == pytest.approx(0.04) and cal.survival_per_pixel == pytest.approx(1 / 300)
    with pytest.raises(ValueError, match="less than a pixel"):
        D.Calibration(x_px=(60, 60.5), x_val=(0, 20), y_px=(350, 50), y_val=(0, 1))
    with pytest.raises(ValueError, match="same value"):
        D.Calibration(x_px=(60, 560), x_val=(0, 20), y_px=(350, 50), y_val=(1, 1))


def test_canvas_points_are_click_centres() -> None:
    # fabric.js circle, point mode: left edge = click x - radius - strokeWidth/2; top = click y
    obj = {"type": "circle", "left": 46.5, "top": 40.0, "radius": 3, "strokeWidth": 1,
           "originX": "left", "originY": "center", "scaleX": 1}
    assert D.clicks_from_canvas({"objects": [obj, {"type": "path"}]}) == [(50.0, 40.0)]
    assert D.clicks_from_canvas(None) == []
    with pytest.raises(ValueError, match="next, click the survival axis, first tick"):
        D.points_from_clicks([(1, 2), (3, 4)], (0, 1), (0, 1))
    cal, pts = D.points_from_clicks([(60, 350), (560, 350), (60, 350), (60, 50), (310, 200)], (0, 20), (0, 1))
    assert pts.iloc[0].tolist() == pytest.approx([10.0, 0.5])


def test_pasted_points_and_numbers_name_the_bad_cell() -> None:
    pts = D.points_from_csv("time,survival\n0,100\n1.5,90\n")
    assert pts.shape == (2, 2) and pts.iloc[1, 1] == 90
    with pytest.raises(ValueError, match=r"row 3, field survival: 'x'"):
        D.points_from_csv("0,100\n1,90\n2,x\n")
    with pytest.raises(ValueError, match="two columns"):
        D.points_from_csv("1\n2\n")
    assert D.parse_numbers("0, 3; 6 9", "times") == [0, 3, 6, 9]
    with pytest.raises(ValueError, match=r"Numbers at risk, item 2 \('4.5'\) is not a whole number"):
        D.parse_numbers("10, 4.5", "Numbers at risk", whole=True)


def test_workbench_view_reports_reconstruction_and_accuracy() -> None:
    t = [0, 1, 2, 3, 4, 5, 6, 7, 8]
    s = [100, 90, 80, 70, 60, 50, 40, 30, 20]
    v = D.workbench_view(t, s, risk_times=[0, 4], n_risk=[10, 6])
    assert v.label == RECONSTRUCTED_LABEL and RECONSTRUCTED_LABEL in v.sentence
    assert v.reconstruction.total == 10
    assert "numbers at risk equal the printed ones" in v.sentence
    assert list(v.at_risk.columns)[:3] == ["time (months)", "printed at risk", "reconstructed at risk"]
    assert set(v.accuracy.iloc[:, 0]) >= {"RMSE", "Kolmogorov–Smirnov distance"}
    assert list(v.km.columns) == ["time", "survival", "ci_low", "ci_high"]
    assert v.median.endswith("months") or v.median == "not reached"
    assert "nan" not in v.summary.to_csv().lower()


def _curve(**kw):
    base = {"study_id": "S7", "endpoint": "PFS", "source": "doi:10.0/x", "figure": "2A",
            "digitised_by": "A. B.", "date": dt.date(2026, 12, 6), "times": (0, 1, 2, 3, 4),
            "survival": (1, 0.9, 0.8, 0.7, 0.6), "risk_times": (0, 2), "n_risk": (43, 30)}
    return DigitisedCurve(**{**base, **kw})


def test_digitised_curve_validation_and_json_round_trip() -> None:
    c = _curve()
    assert curves_from_json(curves_to_json([c])) == [c]
    with pytest.raises(ValueError, match="numbers at risk cannot rise"):
        _curve(n_risk=(30, 43))
    with pytest.raises(ValueError, match="must be one of"):
        _curve(endpoint="EFS")
    with pytest.raises(ValueError, match="give the numbers at risk or the total"):
        _curve(risk_times=(), n_risk=())
    with pytest.raises(ValueError, match="differ in length"):
        _curve(survival=(1, 0.9, 0.8, 0.7, 0.6, 0.5))
    with pytest.raises(ValueError, match=r"curve 1, field figure"):
        curves_from_json('[{"study_id": "S7", "endpoint": "PFS", "source": "x", "figure": "", '
                         '"digitised_by": "me", "date": "2026-12-06", "times": [0,1,2,3,4], '
                         '"survival": [1,0.9,0.8,0.7,0.6], "total": 10}]', name="upload.json")
    with pytest.raises(ValueError, match="not JSON"):
        curves_from_json("{", name="x.json")


def test_summary_curve_from_saved_curves() -> None:
    a = _curve(study_id="A", times=(0, 1, 2, 3, 4, 5, 6), survival=(1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45),
               risk_times=(), n_risk=(), total=40)
    b = _curve(study_id="B", times=(0, 1, 2, 3, 4, 5), survival=(1, 0.85, 0.7, 0.6, 0.5, 0.4),
               risk_times=(), n_risk=(), total=30)
    assert D.summary_from_curves([a], "PFS") is None  # one study: nothing to pool
    v = D.summary_from_curves([a, b, _curve(endpoint="OS")], "PFS")
    assert v is not None and v.summary.k == 2
    assert D.RECONSTRUCTED_LABEL in v.sentence and "no imputation" in v.grid
    assert set(v.studies["study"]) == {"A", "B"}
    assert "nan" not in v.table.to_csv().lower() and "None" not in v.table.to_csv()
    assert list(v.summary.random["time"][:3]) == [1.0, 2.0, 3.0]
    twice = D.summary_from_curves([a, _curve(study_id="A", figure="3", times=b.times, survival=b.survival,
                                             risk_times=(), n_risk=(), total=30)], "PFS")
    assert set(twice.studies["study"]) == {"A", "A, figure 3"}  # two figures of one study stay apart


def test_two_saved_arms_give_hr_and_logrank() -> None:
    a = _curve(study_id="K", arm="pembrolizumab", times=(0, 2, 4, 6, 8, 10),
               survival=(1, 0.95, 0.9, 0.85, 0.8, 0.75), risk_times=(), n_risk=(), total=100)
    b = _curve(study_id="K", arm="placebo", times=(0, 2, 4, 6, 8, 10),
               survival=(1, 0.85, 0.7, 0.6, 0.5, 0.4), risk_times=(), n_risk=(), total=100)
    t = D.arm_comparisons([a, b, _curve()])
    assert len(t) == 1 and t.iloc[0]["arm vs control"] == "pembrolizumab vs placebo"
    hr = float(t.iloc[0]["hazard ratio (95% CI)"].split()[0])
    assert 0 < hr < 1 and D.RECONSTRUCTED_LABEL in t.iloc[0]["data"]
    assert D.arm_comparisons([a]).empty


def test_risk_inputs_pair_times_and_counts_and_name_the_field() -> None:
    assert D.risk_inputs("0, 3; 6", "43 30 21", 0, 12) == {"risk_times": [0.0, 3.0, 6.0], "n_risk": [43, 30, 21],
                                                           "total": None, "events": 12}
    with pytest.raises(ValueError, match="2 times but 1 numbers at risk: give one number per time."):
        D.risk_inputs("0, 3", "43")
    with pytest.raises(ValueError, match=r"Numbers at risk, item 2 \('4.5'\) is not a whole number"):
        D.risk_inputs("0, 3", "43, 4.5")


def test_crop_box_keeps_percent_ranges_and_ten_pixels() -> None:
    assert D.crop_box((200, 100), (10, 50), (0, 100)) == (20, 0, 100, 100)
    assert D.crop_box((200, 100), (50, 50), (30, 30)) == (100, 30, 110, 40)


def test_new_curve_reads_percent_and_names_the_failing_field() -> None:
    points = pd.DataFrame({"time": [0, 1, 2, 3, 4], "survival": [100, 90, 80, 70, 60]})
    risk = D.risk_inputs("0, 2", "43, 30")
    kw = {"study_id": "S7", "endpoint": "PFS", "arm": "", "source": "doi:10.0/x", "figure": "2A",
          "digitised_by": "A. B.", "date": dt.date(2026, 12, 6)}
    c = D.new_curve(points, risk, **kw)
    assert c == _curve() and c.survival[1] == 0.9
    with pytest.raises(ValueError, match="^field figure: "):
        D.new_curve(points, risk, **{**kw, "figure": ""})
    table = D.saved_table([c])
    assert table.iloc[0].to_dict() == {"study": "S7", "endpoint": "PFS", "arm": "", "figure": "2A", "points": 5,
                                       "digitised by": "A. B.", "date": "2026-12-06", "source": "doi:10.0/x"}
