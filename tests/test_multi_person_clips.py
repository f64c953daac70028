"""Several people in a clip (issue 17), on rendered group scenes with truth per runner and on
the real clips: each runner against its own truth and against a render of it alone, no identity
switch, the standing starter never chosen, single-runner clips as before, ``--all-runners``.
Measured values are in the docstrings; the assertions keep a margin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stridecam.model.landmarks import IDX
from stridecam.simulate import RenderParams
from stridecam.simulate.group import simulate_group_preset
from stridecam.simulate.group_render import load_group_truth

HIPS = [IDX["left_hip"], IDX["right_hip"]]
pytestmark = pytest.mark.slow  # renders video and runs MediaPipe


RENDER = RenderParams(blur_samples=4)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Renders (cached per session): the two group scenes, and each pair runner alone in the
    same scene (the single-runner reference)."""
    from stridecam.simulate.group_render import render_group_clip

    root = tmp_path_factory.mktemp("groups")
    cache: dict[str, object] = {}

    def clip(name: str, only: tuple[int, ...] | None = None):
        key = f"{name}{'' if only is None else '_only' + '_'.join(map(str, only))}"
        if key not in cache:
            group = simulate_group_preset(name)
            path = render_group_clip(group, root / f"{key}.mp4", params=RENDER, only=only)
            cache[key] = (path, load_group_truth(path.with_name(f"{key}.truth.json")))
        return cache[key]

    return clip


def _poses(clip, **choice):
    from stridecam.io.model_files import resolve_model
    from stridecam.io.pose import AthleteChoice
    from stridecam.io.video import VideoReader

    reader = VideoReader(clip)
    from stridecam.io.pose import extract_poses

    return extract_poses(reader, reader.info, resolve_model("full"), choice=AthleteChoice(**choice))


def _member(poses, truths) -> tuple[int, int]:
    """(the member the poses belong to, frames clearly someone else's: outside the frames
    flagged as doubtful, another member's hip is nearer the pose's by half and the member's
    own is a quarter extent away or more)."""
    det = np.flatnonzero(poses.detected)
    idx = poses.frame_index[det]
    hip = poses.xy_px[det][:, HIPS].mean(axis=1)
    ext = np.ptp(poses.xy_px[det], axis=1).max(axis=1)
    d = np.stack([np.hypot(*(t.px[idx][:, HIPS].mean(axis=1) - hip).T) for t in truths])
    m = int(np.bincount(d.argmin(axis=0), minlength=len(truths)).argmax())
    doubt = np.zeros(poses.n_frames, bool)
    for a, b in poses.meta["identity"]["doubt_positions"]:
        doubt[a:b + 1] = True
    others = np.delete(d, m, axis=0).min(axis=0)
    wrong = (others < 0.5 * d[m]) & (d[m] > 0.25 * ext) & ~doubt[det]
    return m, int(wrong.sum())


def _scores(poses, truth, clip) -> dict:
    from stridecam.analysis.run import analyse_poses
    from stridecam.analysis.summary import run_values
    from stridecam.analysis.validation import match_contacts, truth_in_window
    from stridecam.model.settings import AnalysisSettings, Calibration
    from stridecam.pipeline import image_refiner

    result = analyse_poses(poses, Calibration(height_m=truth.data["height_m"]),
                           refine=image_refiner(clip, AnalysisSettings()))
    t = poses.time_s[poses.detected]
    true = truth_in_window(truth.events, t[0], t[-1])
    m = match_contacts(true, result.contacts, max(0.05, 1.5 / poses.effective_fps))
    found = np.array([np.abs(result.steps["touchdown_time_s"].to_numpy() - x).min() < 0.05
                      for x in truth.steps["touchdown_time_s"]], bool)
    cadence_true = run_values(truth.steps[found])["cadence_spm"][0]
    return {"recall": m.recall, "false": m.false_positives, "n_true": m.n_true,
            "cadence_err": result.summary.metrics.cadence_spm.run / cadence_true - 1}


@pytest.mark.slow
def test_pair_each_runner_as_measured_alone(rendered):
    """Each of two runners crossing in depth (a panning camera; the faster one passes in front
    of the other), chosen by default (the nearer) and by rank, against its own truth and
    against a render of it alone in the same scene. Measured (60 fps, 3 s): nearer runner
    12/13 contacts, cadence -1.0 % (alone 13/13, -0.05 %); farther runner, hidden ~1/3 of the
    clip, 8/12, +0.65 % (alone 12/12, -0.4 %); no contact invented, no frame of the other."""
    clip, truths = rendered("pair_crossing")
    for choice, member in (({}, 1), ({"rank": 2}, 0)):
        poses = _poses(clip, **choice)
        got, wrong = _member(poses, truths)
        assert got == member and wrong == 0
        multi = _scores(poses, truths[member], clip)
        alone_clip, _ = rendered("pair_crossing", (member,))
        alone = _scores(_poses(alone_clip), truths[member], alone_clip)
        assert multi["false"] == 0
        assert multi["recall"] >= (0.85 if member == 1 else 0.5) * alone["recall"]
        assert abs(multi["cadence_err"]) <= abs(alone["cadence_err"]) + 0.02
        assert {"several_people"} <= {f.code for f in poses.flags}


@pytest.mark.slow
def test_pair_runner_alone_has_no_identity_flags(rendered):
    clip, _ = rendered("pair_crossing", (1,))
    poses = _poses(clip)
    assert poses.meta["identity"]["people_max"] == 1
    assert not {f.code for f in poses.flags} & {"several_people", "identity_uncertain",
                                                 "no_runner"}


@pytest.mark.slow
def test_trio_standing_starter_never_chosen_and_no_switch(rendered):
    """Three runners crossing mid-frame (fixed camera) and a starter standing nearer the camera,
    bigger than any runner: he is never the athlete (the old tracker followed him for the whole
    clip) and is never counted as a runner; each runner chosen keeps its identity."""
    clip, truths = rendered("trio_starter")
    standing = [t.data["role"] for t in truths].index("standing")
    poses = _poses(clip)
    ident = poses.meta["identity"]
    n_runners = len(ident["runners_nearest_first"])
    assert 2 <= n_runners <= 3  # measured 2: the middle runner is hidden too often
    got, wrong = _member(poses, truths)
    assert got != standing and wrong <= 2  # measured 1: the starter's pose, m1 behind him
    for rank in range(2, n_runners + 1):
        got, wrong = _member(_poses(clip, rank=rank), truths)
        assert got != standing and wrong <= 2


# ---------------------------------------------------------------------- real clips (slow)
@pytest.mark.slow
@pytest.mark.parametrize("name, detected", [("track_blockstart_a1_side.mp4", 214),
                                            ("treadmill_phone60fps_side.mp4", 388)])
def test_single_runner_real_clips_as_before(name, detected):
    """One person: the athlete tracker's landmarks as they were (frames detected measured with
    the tracker before issue 17; landmarks compared with it: equal to the pixel), no flags."""
    from conftest import video

    poses = _poses(video(name))
    assert int(poses.detected.sum()) == detected
    ident = poses.meta["identity"]
    assert ident["people_max"] == 1
    assert not ident["frames_looked_at_again"] and not ident["doubt_positions"]
    assert not {f.code for f in poses.flags} & {"several_people", "identity_uncertain",
                                                 "no_runner"}


@pytest.mark.slow
def test_front_view_of_several_players_stays_flagged_and_unmeasured():
    from conftest import video

    from stridecam.analysis.run import analyse_poses
    from stridecam.io.config import load_reference

    poses = _poses(video("pitch_front_multi_person.mp4"))
    assert {"several_people", "no_runner"} <= {f.code for f in poses.flags}
    result = analyse_poses(poses, reference=load_reference(None))
    assert result.view.is_side_view is False
    assert result.verdict is not None and result.verdict.label == "inconclusive"
    assert result.summary.n_steps == 0 and not len(result.steps)  # flagged and unmeasured
    assert "few_steps" not in {f.code for f in result.flags}  # the view says why, not the count


@pytest.mark.slow
def test_all_runners_command_writes_a_folder_per_runner_and_a_comparison(rendered, tmp_path):
    from stridecam.cli import main
    from stridecam.runners import REPORT_FILE, RUNNERS_FILE, TABLE_FILE

    clip, _ = rendered("pair_crossing")
    out = tmp_path / "out"
    assert main(["analyse", str(clip), "--all-runners", "--no-report", "-o", str(out)]) == 0
    table = pd.read_csv(out / TABLE_FILE)
    assert table["athlete"].tolist() == ["runner 1", "runner 2"]
    assert (out / "runner-1" / "summary.json").is_file()
    assert (out / "runner-2" / "landmarks.parquet").is_file()
    assert (out / "runner-1" / "run.xlsx").is_file()  # the exports, as for one clip
    assert not (out / REPORT_FILE).exists()  # --no-report: no comparison PDF either
    first = (out / "runner-2" / "landmarks.parquet").stat().st_mtime_ns
    assert main(["analyse", str(clip), "--all-runners", "--no-report", "-o", str(out)]) == 0
    assert (out / "runner-2" / "landmarks.parquet").stat().st_mtime_ns == first  # reused
    assert (out / RUNNERS_FILE).is_file()
    # the same landmarks as --athlete-rank 2 into that folder: its cache is reused
    from stridecam.model.settings import PoseSettings
    from stridecam.pipeline import get_poses

    _, cached = get_poses(clip, out / "runner-2", PoseSettings(athlete_rank=2))
    assert cached
