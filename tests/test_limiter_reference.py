"""The limiter's reference TOML (shipped and user files), the advice per verdict
(stridecam.analysis.advice), and the limiter's purity."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from limiter_runs import FORCE, RECYCLING, assess, run

from stridecam.analysis.advice import advice_for
from stridecam.analysis.limiter import Reference
from stridecam.io.config import default_reference_path, load_reference
from stridecam.model.errors import ConfigError

# ------------------------------------------------------------------------- reference TOML

def test_shipped_reference_has_sources_and_sane_ranges():
    ref = load_reference()
    assert isinstance(ref, Reference)
    for name, r in ref.indicators.items():
        assert r.source and r.weight > 0, name
        for low, high in r.ranges.values():
            assert low < high
    text = Path(default_reference_path()).read_text(encoding="utf-8")
    assert "no agreed cut-offs" in text.lower() and "screening" in text
    for paper in ("Dorn", "Schache", "Clark", "Miyashiro", "Weyand", "Deane", "Mann"):
        assert paper in text


def test_user_toml_overrides_only_what_it_names(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text("[indicators.peak_thigh_flexion]\nmax_velocity = [40.0, 85.0]\n"
                    "[indicators.recovery_time]\nmax_velocity = [0.18, 0.33]\n"
                    "[indicators.max_thigh_angular_velocity]\nmax_velocity = [300.0, 1000.0]\n"
                    "[indicators.peak_knee_height]\nmax_velocity = [-0.40, 0.0]\n")
    ref = load_reference(mine)
    assert ref.indicators["peak_thigh_flexion"].ranges["max_velocity"] == (40.0, 85.0)
    assert ref.indicators["peak_thigh_flexion"].ranges["acceleration"] == (65.0, 90.0)
    assert ref.indicators["contact_time"].ranges["max_velocity"] == (0.08, 0.12)
    assert assess(run(RECYCLING)).label == "recycling_limited"
    v = assess(run(RECYCLING), mine)
    assert v.label == "balanced" and v.reference_path == str(mine)
    assert assess(run(RECYCLING), ref).label == "balanced"


@pytest.mark.parametrize("text, expected", [
    ("[indicators.contact_tme]\nweight = 1.0\n", "did you mean 'indicators.contact_time'?"),
    ("[scoring]\nmin_scor = 0.2\n", "did you mean 'scoring.min_score'?"),
    ("[indicators.recovery_time]\nmax_velocty = [0.1, 0.2]\n",
     "did you mean 'indicators.recovery_time.max_velocity'?"),
    ("[gates]\nmin_stepz = 5\n", "did you mean 'gates.min_steps'?"),
    ("[indicators.swing_time]\nmax_velocity = [0.4, 0.3]\n", "low must be below high"),
    ("[indicators.swing_time]\nweight = 'heavy'\n", "must be a number"),
    ("[gates]\nmin_steps = 2.5\n", "whole number"),
    ("[gates\n", "not valid TOML"),
])
def test_bad_user_toml_names_the_key(tmp_path, text, expected):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_reference(bad)
    assert expected in str(err.value) and "bad.toml" in str(err.value)


def test_missing_user_toml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_reference(tmp_path / "nope.toml")


# ------------------------------------------------------------------------- advice

def test_recycling_advice_is_the_hip_flexor_block():
    a = advice_for(assess(run(RECYCLING)))
    names = " ".join(e.name.lower() for e in a.exercises)
    for word in ("high-knee march", "resistance band", "straight-leg raise", "hip flexion",
                 "hanging leg raise", "high-knee"):
        assert word in names
    assert "2-3" in a.plan and "twice a week" in a.plan and "progressive" in a.plan
    assert "recovery time 0.300 s" in a.why
    assert "no agreed cut-offs" in a.caveat


def test_force_and_other_advice():
    force = advice_for(assess(run(FORCE)))
    text = force.to_text().lower()
    assert "squat" in text and "pogo" in text and "contact time 0.140 s" in text
    assert advice_for("balanced").exercises
    inc = advice_for(assess(run(FORCE, effective_fps=30.0, n_steps=3)))
    text = inc.to_text()
    assert not inc.exercises and "120 fps" in text and "6 full steps" in text
    assert text.count("120 fps") == 1  # the failed gate's fix replaces its checklist line
    with pytest.raises(ValueError):
        advice_for("fast")


def test_limiter_is_pure():
    code = ("import sys, stridecam.analysis.limiter, stridecam.analysis.advice; "
            "bad = [m for m in ('cv2', 'av', 'mediapipe', 'matplotlib', 'pandas') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
