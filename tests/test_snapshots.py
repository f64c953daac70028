"""The analysis outputs of the three bundled samples, from their stored landmarks, equal the
snapshots in tests/data/snapshots (written by ``tools/snapshots.py --write``: re-write them when
an output changes on purpose, and read the diff)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from stridecam.io.store import EVENTS_FILE, STEPS_FILE, SUMMARY_FILE, write_run

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from snapshots import SAMPLES, SNAPSHOTS, analyse_snapshot  # noqa: E402

VOLATILE = ("stridecam_version",)


def same(a, b, where: str = "") -> None:
    """Equal JSON values, floats to 1e-9 relative."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), (where, set(a) ^ set(b))
        for k in a:
            if k not in VOLATILE:
                same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (where, a, b)
    else:
        assert a == b, (where, a, b)


@pytest.mark.parametrize("name", SAMPLES)
def test_outputs_equal_the_snapshot(name, tmp_path):
    write_run(analyse_snapshot(name), tmp_path)
    for table in (STEPS_FILE, EVENTS_FILE):
        got = pd.read_csv(tmp_path / table)
        want = pd.read_csv(SNAPSHOTS / name / table)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, obj=table)
    same(json.loads((tmp_path / SUMMARY_FILE).read_text()),
         json.loads((SNAPSHOTS / name / SUMMARY_FILE).read_text()), name)
