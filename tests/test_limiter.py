"""The limiter verdict (stridecam.analysis.limiter): a table of run summaries built from
hand-chosen step medians (``limiter_runs``) goes to verdicts. Every gate has its own row.
Expected labels follow from the reference ranges in stridecam/data/limiter_reference.toml, e.g.
the slow re-cycler's recovery 0.30 s is beyond the 0.18-0.24 s range and its knee drive 50 deg
below 65-85 deg while its contact 0.095 s is inside 0.080-0.120 s.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from limiter_runs import BALANCED, FORCE, LEG_M, RECYCLING, assess, in_leg_units, run

from stridecam.analysis.limiter import LABELS, SCREENING_NOTE
from stridecam.io.config import load_reference
from stridecam.model.poses import Flag
from stridecam.model.serial import to_jsonable

# ------------------------------------------------------------------------- verdict table

CASES = [
    # id, summary, expected label, expected gate codes (subset) for inconclusive
    ("balanced", run(BALANCED), "balanced", ()),
    ("recycling", run(RECYCLING), "recycling_limited", ()),
    ("force", run(FORCE), "force_limited", ()),
    ("recycling_60fps", run(RECYCLING, effective_fps=60.0), "recycling_limited", ()),
    ("force_240fps", run(FORCE, effective_fps=240.0), "force_limited", ()),
    ("force_no_calibration", in_leg_units(run(FORCE)), "force_limited", ()),
    ("recycling_no_calibration", in_leg_units(run(RECYCLING)), "recycling_limited", ()),
    ("both_sides_off", run(dict(FORCE, recovery_time_s=0.28, peak_thigh_flexion_deg=55.0,
                                peak_knee_height_leg=-0.29,
                                max_thigh_angular_velocity_deg_s=460.0)), "balanced", ()),
    # gates
    ("few_steps", run(RECYCLING, n_steps=3), "inconclusive", ("few_steps",)),
    ("30fps_3_steps", run(FORCE, n_steps=3, effective_fps=30.0), "inconclusive",
     ("few_steps", "low_frame_rate")),
    ("30fps_many_steps", run(RECYCLING, n_steps=12, effective_fps=30.0), "inconclusive",
     ("low_frame_rate",)),
    ("59fps", run(FORCE, effective_fps=59.0), "inconclusive", ("low_frame_rate",)),
    ("not_side_view", run(RECYCLING, view={"is_side_view": False, "detail": "hips 0.4 apart"}),
     "inconclusive", ("not_side_view",)),
    ("not_side_view_flag_only", run(FORCE, view=None, flags=[
        {"code": "not_side_view", "level": "error", "message": "front view"}]),
     "inconclusive", ("not_side_view",)),
    ("unknown_phase", run(FORCE, phase="unknown"), "inconclusive", ("unknown_phase",)),
    ("several_people", run(RECYCLING, flags=[
        {"code": "several_people", "level": "warning", "message": "two runners"}]),
     "inconclusive", ("several_people",)),
    ("error_flag", run(RECYCLING, flags=[Flag("no_athlete", "error", "athlete not found")]),
     "inconclusive", ("no_athlete",)),
    ("early_acceleration", run(BALANCED, phase="acceleration", mean_acceleration_m_s2=4.5),
     "inconclusive", ("early_acceleration",)),
    # a treadmill jog (2.8 steps/s, 0.2 s contacts) is measured but not judged as a sprint
    ("jogging", run(dict(RECYCLING, step_time_s=0.357, contact_time_s=0.20, speed_m_s=4.5)),
     "inconclusive", ("not_sprinting",)),
    ("nothing_measured", {"n_steps": 0}, "inconclusive",
     ("few_steps", "low_frame_rate", "unknown_phase")),
]


@pytest.mark.parametrize("summary, label, codes", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_verdict_table(summary, label, codes):
    v = assess(summary)
    assert v.label == label, v.explanation
    got = {r.code for r in v.reasons}
    assert set(codes) <= got
    if label == "inconclusive":
        assert v.confidence == 0.0 and v.confidence_word == "low"
        assert all(i.direction == "not_used" and i.weight == 0 for i in v.evidence)
        assert "No limiter verdict" in v.explanation
        assert all(r.fix for r in v.reasons)
    else:
        assert not v.reasons
        assert 0.0 < v.confidence <= load_reference().scoring.max_confidence


def test_clear_profiles_are_confident_and_name_their_numbers():
    rec, force = assess(run(RECYCLING)), assess(run(FORCE))
    assert rec.confidence_word == "high" and rec.recycling_score > 0.3 > rec.force_score
    assert force.confidence_word in ("moderate", "high") and force.force_score > 0.25
    assert "0.300 s (reference 0.180-0.240 s)" in rec.explanation
    assert "50 deg (reference 65-85 deg)" in rec.explanation
    assert "contact time 0.140 s (reference 0.080-0.120 s)" in force.explanation
    for v in (rec, force):
        assert v.explanation.count(". ") == 1 and v.explanation.endswith(".")
        assert "no agreed cut-offs" in v.explanation


def test_both_sides_off_is_never_a_confident_label():
    worse_recycling = dict(FORCE, recovery_time_s=0.30, peak_thigh_flexion_deg=50.0,
                           peak_knee_height_leg=-0.32, max_thigh_angular_velocity_deg_s=400.0)
    v = assess(run(worse_recycling))
    assert v.force_score > 0.3 and v.recycling_score > v.force_score
    assert v.confidence_word == "low"
    both = assess(run(dict(worse_recycling, recovery_time_s=0.28, peak_thigh_flexion_deg=55.0,
                           peak_knee_height_leg=-0.29, max_thigh_angular_velocity_deg_s=460.0)))
    assert both.label == "balanced" and "Both sides fall short" in both.explanation
    assert "on re-cycling, recovery time 0.280 s" in both.explanation


def test_evidence_directions_and_ranges():
    v = assess(run(RECYCLING))
    ev = {i.name: i for i in v.evidence}
    assert ev["recovery_time"].direction == "recycling" and ev["recovery_time"].score > 0
    assert (ev["recovery_time"].reference_low, ev["recovery_time"].reference_high) == (0.18, 0.24)
    assert ev["contact_time"].direction == "neutral"
    assert "Weyand" in ev["vertical_force_bw"].source
    assert math.isclose(ev["vertical_force_bw"].value, 0.238 / 0.095)
    assert math.isclose(ev["duty_factor"].value, 0.095 / (2 * 0.238))
    assert {i.direction for i in v.evidence} <= {"recycling", "force", "neutral", "not_used"}


def test_thirty_fps_never_gives_a_label_even_with_noise():
    rng = random.Random(3)
    for _ in range(200):
        base = rng.choice([BALANCED, RECYCLING, FORCE])
        noisy = {k: v * (1 + rng.gauss(0, 0.08)) for k, v in base.items()}
        s = run(noisy, n_steps=rng.randint(1, 3), effective_fps=30.0)
        assert assess(s).label == "inconclusive"


def test_acceleration_uses_its_own_ranges():
    # a 0.14 s contact is long at max velocity but normal while accelerating
    accel_ok = dict(BALANCED, contact_time_s=0.14, step_time_s=0.235, flight_time_s=0.095,
                    speed_m_s=8.0)
    assert assess(run(accel_ok)).label == "force_limited"
    v = assess(run(accel_ok, phase="acceleration"))
    assert v.label == "balanced", v.explanation
    ev = {i.name: i for i in v.evidence}
    assert ev["contact_time"].reference_high == 0.15
    assert ev["contact_time_for_speed"].direction == "not_used"
    assert v.confidence < assess(run(BALANCED)).confidence  # acceleration factor


def test_early_acceleration_gate_in_leg_units():
    # 4.0 leg/s^2 x 0.884 m = 3.5 m/s^2 (above 3); 3.0 leg/s^2 = 2.7 m/s^2 (below)
    fast = in_leg_units(run(BALANCED, phase="acceleration", mean_acceleration_m_s2=4.0))
    slow = in_leg_units(run(BALANCED, phase="acceleration", mean_acceleration_m_s2=3.0))
    assert [r.code for r in assess(fast).reasons] == ["early_acceleration"]
    assert assess(slow).label == "balanced"


def test_no_calibration_skips_speed_reference_with_reason():
    v = assess(in_leg_units(run(FORCE)))
    ind = {i.name: i for i in v.evidence}["contact_time_for_speed"]
    assert ind.direction == "not_used" and "calibration" in ind.note
    assert any("calibration" in n for n in v.notes)
    with_cal = {i.name: i for i in assess(run(FORCE)).evidence}["contact_time_for_speed"]
    assert with_cal.direction == "force"
    assert math.isclose(with_cal.reference_high, 1.25 * LEG_M / 8.5)


def test_values_within_measurement_error_do_not_count():
    # contact 0.125 s is beyond 0.120 s, but at 60 fps (+/-8 ms) that is within tolerance
    s = run(dict(BALANCED, contact_time_s=0.125, step_time_s=0.26), effective_fps=60.0)
    ind = {i.name: i for i in assess(s).evidence}["contact_time"]
    assert ind.direction == "neutral" and "measurement uncertainty" in ind.note
    s = run(dict(BALANCED, contact_time_s=0.125, step_time_s=0.26), effective_fps=240.0,
            iqr_frac=0.0)
    assert {i.name: i for i in assess(s).evidence}["contact_time"].direction == "force"


def test_worse_knee_drive_raises_the_recycling_score():
    scores = [assess(run(dict(BALANCED, peak_thigh_flexion_deg=a))).recycling_score
              for a in (75, 60, 50, 40)]
    assert scores[0] == 0.0 and scores == sorted(scores) and scores[3] > scores[1]


def test_missing_values_after_json_round_trip_are_not_used():
    s = json.loads(json.dumps(run(RECYCLING)))
    s["metrics"]["max_thigh_angular_velocity_deg_s"] = {"median": None, "iqr": None, "n": 0}
    s["metrics"]["swing_time_s"]["median"] = float("nan")
    v = assess(s)
    ev = {i.name: i for i in v.evidence}
    assert ev["max_thigh_angular_velocity"].direction == "not_used"
    assert ev["swing_time"].direction == "not_used"
    assert v.label == "recycling_limited"


def test_too_few_indicators_on_a_side_is_inconclusive():
    s = run(RECYCLING)
    for col in ("contact_time_s", "flight_time_s"):
        s["metrics"][col] = {"median": None, "iqr": None, "n": 0}
    v = assess(s)
    assert v.label == "inconclusive" and [r.code for r in v.reasons] == ["too_few_indicators"]


def test_to_dict_is_strict_json():
    for s in (run(RECYCLING), run(FORCE, n_steps=2, effective_fps=30.0)):
        d = to_jsonable(assess(s))
        text = json.dumps(d, allow_nan=False)
        back = json.loads(text)
        assert back["label"] in LABELS and back["screening_note"] == SCREENING_NOTE
        assert {"name", "value", "unit", "reference_low", "reference_high", "source",
                "direction", "weight", "note"} <= set(back["evidence"][0])


# ------------------------------------------------------------------------- history / squad

def _peers(n: int, seed: int = 5, phase: str = "max_velocity") -> list[dict]:
    """``n`` balanced runs of trained sprinters with small natural spread."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        m = dict(BALANCED, peak_thigh_flexion_deg=78 + rng.gauss(0, 2),
                 recovery_time_s=0.19 + rng.gauss(0, 0.006),
                 contact_time_s=0.095 + rng.gauss(0, 0.003),
                 max_thigh_angular_velocity_deg_s=880 + rng.gauss(0, 25))
        out.append(run(m, phase=phase, source=f"peer{i}.mp4"))
    return out


#: Within the literature ranges, but clearly behind a squad of 78 deg / 0.19 s.
LAGGING = dict(BALANCED, peak_thigh_flexion_deg=66.0, recovery_time_s=0.235,
               max_thigh_angular_velocity_deg_s=700.0)


def test_squad_z_scores_find_what_ranges_miss():
    s = run(LAGGING, source="me.mp4")
    assert assess(s).label == "balanced"
    v = assess(s, squad=_peers(6))
    assert v.basis == "squad" and v.label == "recycling_limited", v.explanation
    ev = {i.name: i for i in v.evidence}
    assert ev["peak_thigh_flexion"].z < -2 and ev["peak_thigh_flexion"].direction == "recycling"
    assert ev["peak_thigh_flexion"].source.startswith("squad: 6 runs")
    assert "z = " in v.explanation and "compared with the squad" in v.explanation


def test_athlete_history_basis_and_fallbacks():
    s = run(LAGGING, source="today.mp4")
    v = assess(s, athlete_history=_peers(5, seed=9))
    assert v.basis == "athlete history" and v.label == "recycling_limited"
    # too few runs: reference ranges, with a note saying so
    v = assess(s, squad=_peers(2))
    assert v.basis == "reference ranges" and any("needs 4" in n for n in v.notes)
    # other-phase runs, gated runs and the run itself are ignored
    others = _peers(6, phase="acceleration")
    assert assess(s, squad=others).basis == "reference ranges"
    gated = [dict(p, effective_fps=30.0) for p in _peers(6)]
    assert assess(s, squad=gated).basis == "reference ranges"
    assert assess(s, squad=[s] * 6).basis == "reference ranges"
    # squad preferred over the athlete's history in "auto"; "athlete" forces it
    both = dict(athlete_history=_peers(5, seed=9), squad=_peers(6))
    assert assess(s, **both).basis == "squad"
    assert assess(s, basis="athlete", **both).basis == "athlete history"
    assert assess(s, basis="reference", **both).basis == "reference ranges"
    with pytest.raises(ValueError, match="basis"):
        assess(s, basis="team")


def test_history_basis_still_obeys_the_gates():
    v = assess(run(LAGGING, effective_fps=30.0), squad=_peers(6))
    assert v.label == "inconclusive"


# ------------------------------------------------------------------------- separation

def _noisy(profile: dict, rng: random.Random, fps: float) -> dict:
    """Medians with measurement noise: +/- half a frame on times, 4 deg, 10% angular speed."""
    frame = 1.0 / fps
    m = dict(profile)
    for k in ("contact_time_s", "recovery_time_s", "swing_time_s"):
        m[k] += rng.uniform(-frame / 2, frame / 2) + rng.gauss(0, 0.003)
    m["step_time_s"] += rng.gauss(0, 0.002)
    m["peak_thigh_flexion_deg"] += rng.gauss(0, 4)
    m["thigh_separation_td_deg"] += rng.gauss(0, 5)
    m["peak_knee_height_leg"] += rng.gauss(0, 0.03)
    m["max_thigh_angular_velocity_deg_s"] *= 1 + rng.gauss(0, 0.1)
    m["speed_m_s"] *= 1 + rng.gauss(0, 0.02)
    return m


def test_profiles_separate_under_noise():
    """60 noisy runs per profile at 60-240 fps: >= 90% correct, no confident wrong label."""
    rng = random.Random(11)
    want = {"balanced": BALANCED, "recycling_limited": RECYCLING, "force_limited": FORCE}
    correct = total = 0
    for label, profile in want.items():
        for _ in range(60):
            fps = rng.choice([60.0, 120.0, 240.0])
            v = assess(run(_noisy(profile, rng, fps), effective_fps=fps,
                           n_steps=rng.randint(4, 10)))
            total += 1
            correct += v.label == label
            if v.label != label and v.label != "balanced":
                assert v.confidence_word == "low", (label, v.label, v.explanation)
    assert correct / total >= 0.9
