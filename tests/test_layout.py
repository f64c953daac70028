"""The package's shape: the pure analysis imports no edge library, stages live in their
packages, no source file outgrows the project's size rule, and the typed result survives its
JSON round trip."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np

from stridecam.analysis.run import analyse_poses
from stridecam.io.config import load_reference
from stridecam.model.result import RunResult
from stridecam.model.serial import run_from_json, run_to_json, to_jsonable
from stridecam.model.settings import Calibration
from stridecam.simulate import simulate_preset, to_poses

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("cv2", "av", "mediapipe", "matplotlib", "fpdf", "stridecam.io", "stridecam.report",
             "stridecam.batch")


def test_analysis_imports_no_edge_library():
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                     for p in (ROOT / "stridecam" / "analysis").rglob("*.py"))
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
              f"or any(m.startswith(f) for f in {FORBIDDEN!r} if '.' in f)]\n"
              "print(bad)\nsys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_few_loose_modules_and_no_long_files():
    loose = [p.name for p in (ROOT / "stridecam").glob("*.py")]
    assert len(loose) <= 6, loose
    long = {str(p.relative_to(ROOT)): n for folder in ("stridecam", "tools", "benchmarks", "tests")
            for p in (ROOT / folder).rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long


def test_run_result_round_trips_through_json():
    run = simulate_preset("balanced_pan", seed=1)
    result = analyse_poses(to_poses(run), Calibration(height_m=1.8), athlete="A",
                           reference=load_reference())
    text = json.dumps(run_to_json(result), allow_nan=False)
    back = run_from_json(json.loads(text), result.steps, result.contacts)
    assert isinstance(back, RunResult)
    for name in ("provenance", "athlete", "summary", "scale", "cleaning", "view", "flags",
                 "verdict", "settings"):
        a, b = to_jsonable(getattr(result, name)), to_jsonable(getattr(back, name))
        assert a == b, name
    assert back.direction == result.direction
    assert math.isclose(back.summary.metrics.cadence_spm.value,
                        result.summary.metrics.cadence_spm.value)
    assert np.isnan(back.summary.metrics.contact_time_s.run)
