"""Outputs are never half-written and runs never trample each other (issue 16): a full disk,
Ctrl-C at any stage, two runs into one folder at once; cached landmarks that are truncated,
from another version or from a killed run are recomputed, never trusted.

Quick tests run the real per-clip job (``pipeline.analyse_clip``) with a stand-in pose stage
that returns the stored landmarks of the sample (``tests/data/snapshots``); the slow ones run
``stridecam analyse`` with MediaPipe in subprocesses.
"""

from __future__ import annotations

import errno
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from bad_corpus import parsed_outputs
from conftest import REPO

from stridecam.io import store
from stridecam.io.store import LANDMARKS_FILE, LANDMARKS_META, TEMP_GLOB
from stridecam.model.errors import OutputError
from stridecam.model.settings import Settings
from stridecam.pipeline import analyse_clip

sys.path.insert(0, str(REPO / "tools"))
from snapshots import snapshot_poses  # noqa: E402

CLIP = REPO / "sample_videos" / "acceleration_static.mp4"
OUTPUTS = ("steps.csv", "contacts.csv", "summary.json", LANDMARKS_FILE, LANDMARKS_META)


class StoredPoses:
    """Stands in for ``io.pose.PoseEstimator``: reads every frame, returns the stored
    landmarks of the sample, counts its calls."""

    def __init__(self) -> None:
        self.poses = snapshot_poses("acceleration_static")
        self.calls = 0

    def run(self, frames, info, mode="video"):
        self.calls += 1
        assert sum(1 for _ in frames) == self.poses.n_frames
        return self.poses.replace(source=str(info.path))


def run(out: Path, est: StoredPoses, **kw):
    return analyse_clip(CLIP, out, Settings(), estimator=lambda: est, **kw)


def assert_folder_sound(folder: Path) -> None:
    """No temp file left; every file present parses."""
    assert not list(folder.glob(TEMP_GLOB)), list(folder.glob(TEMP_GLOB))
    parsed_outputs(folder)
    for path in folder.iterdir():
        if path.suffix == ".pdf":
            assert path.read_bytes().startswith(b"%PDF") and b"%%EOF" in path.read_bytes()[-64:]


# ----------------------------------------------------------------------------- the cache
@pytest.fixture
def done(tmp_path):
    est = StoredPoses()
    out = tmp_path / "run"
    run(out, est)
    assert est.calls == 1
    return out, est


def test_cache_reused_when_whole(done):
    out, est = done
    assert run(out, est).from_cache and est.calls == 1


def test_truncated_landmarks_are_recomputed(done):
    out, est = done
    data = (out / LANDMARKS_FILE).read_bytes()
    (out / LANDMARKS_FILE).write_bytes(data[: len(data) // 2])
    again = run(out, est)
    assert not again.from_cache and est.calls == 2
    assert run(out, est).from_cache  # and saved whole again


def test_landmarks_of_another_version_or_schema_are_recomputed(done):
    out, est = done
    for key, value in (("stridecam_version", "0.0.1"), ("schema", "stridecam.landmarks/1")):
        meta = json.loads((out / LANDMARKS_META).read_text())
        meta[key] = value
        (out / LANDMARKS_META).write_text(json.dumps(meta))
        calls = est.calls
        assert not run(out, est).from_cache and est.calls == calls + 1


def test_landmarks_from_a_killed_run_are_not_paired_with_old_metadata(done, monkeypatch):
    """A run killed between the Parquet file and its metadata must not leave a pair that looks
    like a valid cache (here: the new Parquet with the old key)."""
    out, est = done

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_json", killed)
    with pytest.raises(KeyboardInterrupt):
        store.save_poses(est.poses.replace(time_s=est.poses.time_s * 2), out, key="other")
    monkeypatch.undo()
    assert store.cached_key(out) is None
    assert not run(out, est).from_cache


# ----------------------------------------------------------------------------- full disk
def test_full_disk_leaves_no_half_written_file_and_a_rerun_finishes(tmp_path, monkeypatch):
    est = StoredPoses()
    out = tmp_path / "run"
    real_to_csv = pd.DataFrame.to_csv

    def disk_full(self, path_or_buf=None, *args, **kwargs):
        if hasattr(path_or_buf, "write"):
            path_or_buf.write("touchdown_time_s,toe_o")  # part of a row, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    with pytest.raises(OutputError, match=r"steps.csv: cannot be written \(No space left"):
        run(out, est)
    assert_folder_sound(out)
    assert not (out / "steps.csv").exists() and not (out / "summary.json").exists()
    monkeypatch.setattr(pd.DataFrame, "to_csv", real_to_csv)
    again = run(out, est)
    assert again.from_cache and est.calls == 1  # the landmarks were saved whole before
    assert all((out / name).is_file() for name in OUTPUTS)
    assert_folder_sound(out)


def test_full_disk_is_one_line_from_the_command(tmp_path, monkeypatch, capsys):
    from stridecam import cli

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("stridecam.pipeline.extract", disk_full)  # where the pose stage writes
    out = tmp_path / "o"
    code = cli.main(["analyse", str(CLIP), "-o", str(out), "--no-report"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "No space left on device" in err[0], err
    assert_folder_sound(out)


def test_output_folder_lock_serialises_runs(tmp_path):
    """Two holders of one folder take turns; the second is told it waits."""
    import threading

    order: list[str] = []
    told: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with store.output_folder(tmp_path / "o"):
            order.append("first in")
            first_in.set()
            time.sleep(0.5)
            order.append("first out")

    t = threading.Thread(target=first)
    t.start()
    first_in.wait(5)
    with store.output_folder(tmp_path / "o", on_wait=told.append):
        order.append("second in")
    t.join()
    assert order == ["first in", "first out", "second in"] and len(told) == 1


def test_stale_temp_files_removed_when_a_run_takes_the_folder(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    stale = out / ".steps.abc123.part.csv"
    stale.write_text("half a row")
    with store.output_folder(out):
        assert not stale.exists()


# ----------------------------------------------------------------------------- real runs
def stridecam(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "stridecam.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_two_runs_into_one_folder_at_once(tmp_path):
    out = tmp_path / "same"
    procs = [stridecam("analyse", str(CLIP), "-o", str(out)) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1][-1500:] for r in results]
    assert any("waiting for it" in err for _, err in results)  # one waited for the other
    assert_folder_sound(out)
    assert all((out / name).is_file() for name in OUTPUTS + ("report.pdf",))


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [1.5, 4.0, 7.0, 10.0])
def test_ctrl_c_at_any_stage_then_a_rerun_finishes(tmp_path, delay_s):
    """SIGINT at several moments (start-up, pose, analysis and image evidence, report):
    exit 130 with one line, nothing half-written, and a re-run finishes the job."""
    out = tmp_path / "o"
    proc = stridecam("analyse", str(CLIP), "-o", str(out))
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 130), err[-1500:]
    assert "Traceback" not in err
    if proc.returncode == 130:
        assert "stridecam: interrupted" in err
    if out.exists():
        assert_folder_sound(out)
    again = stridecam("analyse", str(CLIP), "-o", str(out))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err[-1500:]
    assert_folder_sound(out)
    assert all((out / name).is_file() for name in OUTPUTS + ("report.pdf",))


@pytest.mark.slow
def test_ctrl_c_just_after_the_run_finished_keeps_exit_0(tmp_path):
    """A Ctrl-C while the interpreter shuts down (MediaPipe and logging exit handlers) must not
    turn a finished run into a crash."""
    proc = subprocess.Popen([sys.executable, "-m", "stridecam.cli", "analyse", str(CLIP), "-o",
                             str(tmp_path / "o")], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "report:" in line:
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, rest[-1500:]
    assert "Traceback" not in rest


def test_a_ctrl_c_swallowed_by_a_clean_up_callback_is_delivered_again(capsys):
    """A Ctrl-C that lands in a ``__del__`` or weakref callback (Python would print it as an
    ignored traceback and go on) interrupts the program's own code a moment later instead."""
    from stridecam.cli import redeliver_interrupts

    class Collected:
        def __del__(self):
            raise KeyboardInterrupt

    before = sys.unraisablehook
    sys.unraisablehook = redeliver_interrupts
    try:
        with pytest.raises(KeyboardInterrupt):
            Collected()  # dropped at once: its __del__ "receives" the Ctrl-C
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        sys.unraisablehook = before
    assert "Traceback" not in capsys.readouterr().err
