"""Bad and unusual input (issue 16): every corpus entry (``tests/bad_corpus.py``) gets its exit
code and one clear line, with no traceback; the problems that can be seen without pose work are
reported before any; integrity of decoding; a clip without a person is an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from bad_corpus import build, ffmpeg, message, parsed_outputs, run_case
from conftest import moving_square_images, write_clip

from stridecam import cli
from stridecam.io.checks import check_calibration_fits, require_person
from stridecam.io.store import TEMP_GLOB
from stridecam.io.video import VideoReader, check_clip, require_step
from stridecam.model.errors import ConfigError, InputError
from stridecam.model.frames import VideoInfo
from stridecam.model.settings import Calibration


@pytest.fixture(scope="module")
def corpus_root(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus")


def test_input_problems_are_one_line_before_any_pose_work(corpus_root, monkeypatch, capsys):
    def no_pose(*args, **kwargs):
        raise AssertionError("pose work started for an input that could be refused before")

    monkeypatch.setattr("stridecam.pipeline.extract", no_pose)
    monkeypatch.setattr("stridecam.io.pose.PoseEstimator.__init__", no_pose)
    cases = build(corpus_root, with_pose=False)
    assert len(cases) >= 20
    for case in cases:
        assert case.pre_pose
        code = cli.main(list(case.args))
        err = capsys.readouterr().err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert code == case.exit_code, (case.name, err)
        assert len(lines) == 1 and lines[0].startswith("stridecam: "), (case.name, err)
        assert all(w in lines[0] for w in case.words), (case.name, lines[0])
    assert not (corpus_root / "out").exists()  # a refused run makes no output folder


@pytest.mark.slow
def test_corpus_entries_that_need_pose_work(corpus_root):
    """The rest of the corpus through the real command (MediaPipe): exit code, message, no
    traceback; the runs that finish leave only files that parse."""
    summaries = {}
    for case in build(corpus_root):
        if case.pre_pose:
            continue
        proc = run_case(case)
        text = message(case, proc)
        assert proc.returncode == case.exit_code, (case.name, proc.stderr[-2000:])
        assert "Traceback" not in proc.stderr, case.name
        assert all(w in text for w in case.words), (case.name, text)
        if proc.returncode == 0:
            out = Path(case.args[case.args.index("-o") + 1])
            assert_outputs_parse(out)
            summaries[case.name] = json.loads((out / "summary.json").read_text())["summary"]
    # the same frames (lossless copies of the sample; the unicode path is a byte copy of it)
    # in other containers and orientations: the same timing and the same steps
    base = summaries["unicode/space path"]
    for name in ("HEVC .mov (lossless)", "VP9 .webm (1 ms timestamps)", "MKV (1 ms timestamps)",
                 "AVI (FFV1)", "clip stored on its side (rotation 90)"):
        got = summaries[name]
        assert got["effective_fps"] == pytest.approx(base["effective_fps"], rel=1e-6), name
        assert abs(got["n_steps"] - base["n_steps"]) <= 1, (name, got["n_steps"])


def assert_outputs_parse(folder) -> None:
    """No temp file left, and every output file in ``folder`` parses."""
    folder = Path(folder)
    assert not list(folder.glob(TEMP_GLOB)), list(folder.glob(TEMP_GLOB))
    parsed_outputs(folder)


# ----------------------------------------------------------------------------- unit checks
def _info(**kw) -> VideoInfo:
    base = dict(path="clip.mp4", width=1280, height=720, rotation_deg=0, nominal_fps=30.0,
                capture_fps=30.0, capture_fps_source="container frame rate", n_frames=0,
                duration_s=0.0, codec="h264")
    return VideoInfo(**{**base, **kw})


def test_too_short_for_a_step(tmp_clip):
    short = tmp_clip("short.mp4", moving_square_images(5), fps=30)
    with pytest.raises(InputError, match=r"only 5 frames .* a step needs at least 0.2 s"):
        require_step(*check_clip(short))
    ok = tmp_clip("ok.mp4", moving_square_images(8), fps=30)
    require_step(*check_clip(ok))
    slomo = tmp_clip("slomo.mp4", moving_square_images(8), fps=30,
                     metadata={"com.android.capture.fps": "240"})  # 8 frames = 33 ms
    with pytest.raises(InputError, match="48 frames at 240 fps"):
        require_step(*check_clip(slomo))


def test_truncated_file_analysed_up_to_the_break_with_a_flag(tmp_path):
    images = [np.roll(img, 3 * i, axis=0) for i, img in enumerate(moving_square_images(120))]
    made = write_clip(tmp_path / "made.mp4", images, fps=30)
    good = tmp_path / "good.mp4"  # index first, as phones write them: a cut keeps the index
    ffmpeg("-i", str(made), "-c", "copy", "-movflags", "+faststart", str(good))
    data = good.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    info, timeline = check_clip(cut)
    assert timeline.expected_frames == 120 and 30 < timeline.n_packets < 100
    reader = VideoReader(cut)
    frames = list(reader)
    assert reader.stats.n_missing > 0 and len(frames) == reader.stats.n_kept
    problem = reader.stats.integrity_problem()
    assert problem and f"only {reader.stats.n_decoded} of the 120 frames" in problem
    tiny = tmp_path / "tiny.mp4"
    with av.open(str(good)) as container:  # cut after 10 frames: the index and 10 frames
        pos = [p.pos for p in container.demux(container.streams.video[0]) if p.size]
    tiny.write_bytes(data[: sorted(pos)[10]])
    with pytest.raises(InputError, match="truncated: only .* of the 120 frames"):
        check_clip(tiny)


def test_calibration_points_must_be_on_the_frame():
    calib = Calibration(two_points_px=((10, 10), (1300, 10)), two_points_m=5.0)
    with pytest.raises(ConfigError, match=r"--two-points: point \(1300, 10\) px is outside"):
        check_calibration_fits(calib, _info())
    check_calibration_fits(calib, _info(width=1920, height=1080))


def test_no_person_is_an_error_naming_the_clip():
    from stridecam.model.landmarks import N_LANDMARKS
    from stridecam.model.poses import Poses

    n = 40
    poses = Poses(time_s=np.arange(n) / 30, frame_index=np.arange(n),
                  xy_px=np.full((n, N_LANDMARKS, 2), np.nan), z_rel=np.full((n, N_LANDMARKS),
                                                                            np.nan),
                  visibility=np.full((n, N_LANDMARKS), np.nan),
                  world_m=np.full((n, N_LANDMARKS, 3), np.nan), frame_size_px=(640, 360),
                  source="lane.mp4", model="m", nominal_fps=30, capture_fps=30)
    with pytest.raises(InputError, match="lane.mp4: no person was found on any of its 40 frames"):
        require_person(poses)
    xy = poses.xy_px.copy()
    xy[:2] = 100.0
    with pytest.raises(InputError, match="found on only 2 of its 40 frames"):
        require_person(poses.replace(xy_px=xy))
    xy[:3] = 100.0
    require_person(poses.replace(xy_px=xy))
