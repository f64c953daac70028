"""Squad batches (``stridecam.batch``): real clips through worker processes and a Dask cluster,
bad files, resuming after kill -9, skipping finished work, squad outputs.

One real batch (``batch_a``, 2 worker processes) is shared by the tests that compare against it:
2 short real clips of ../shared/videos (athletes "anna" and "ben"), 1 rendered sample (no
athlete) and 3 bad files made here (empty, truncated to its first 8 KB: header, no frames, text
named .mp4).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import types
from importlib.machinery import ModuleSpec
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, video

from stridecam.batch import executor, run_batch
from stridecam.batch.job import DONE_FILE, ClipTask
from stridecam.model.serial import to_jsonable
from stridecam.model.settings import PoseSettings

pytestmark = pytest.mark.slow

GOOD = {  # relative path in the squad folder -> source clip
    "anna/track_maxvelocity_slowmo_side.mp4": "track_maxvelocity_slowmo_side.mp4",
    "ben/front_jog_in_place_vfr.mp4": "front_jog_in_place_vfr.mp4",
    "acceleration_static.mp4": None,  # rendered sample (sample_videos/)
}
BAD = {"empty.mp4": "empty", "anna/truncated.mp4": "truncated",
       "ben/notes.mp4": "not a readable video"}
OUT_FILES = ("steps.csv", "contacts.csv", "summary.json", "landmarks.parquet", "landmarks.json")
#: landmarks.json fields that are wall-clock measurements, different on every extraction
TIMING_KEYS = ("pose_ms_per_frame", "process_cpu_ms_per_frame", "inference_ms_per_frame")


def out_of(rel: str) -> str:
    """Output folder (relative to the batch root) of a clip in the squad folder."""
    return rel.rsplit(".", 1)[0]


@pytest.fixture(scope="module")
def squad_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("squad")
    for rel, name in GOOD.items():
        src = video(name) if name else REPO / "sample_videos" / "acceleration_static.mp4"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(src)
    (root / "empty.mp4").write_bytes(b"")
    (root / "anna/truncated.mp4").write_bytes(video(GOOD["ben/front_jog_in_place_vfr.mp4"])
                                              .read_bytes()[:8192])
    (root / "ben/notes.mp4").write_text("warm-up notes, not a video\n")
    return root


def write_roster(squad_dir: Path, name: str, rels) -> Path:
    """A roster inside the squad folder, so clip paths equal the folder run's."""
    rows = [{"athlete": rel.split("/")[0] if "/" in rel else "", "clip": rel} for rel in rels]
    path = squad_dir / name
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def batch_a(squad_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("out_a")
    lines: list[str] = []
    t0 = time.perf_counter()
    outcome = run_batch(squad_dir, out, workers=2, pdf=False, progress=False, echo=lines.append)
    return outcome, lines, time.perf_counter() - t0


SESSION_START = time.time()


def same_outputs(a: Path, b: Path) -> None:
    """Every output file of one clip identical (landmarks.json: apart from timing fields).

    Several engineers edit this working tree at once: if stridecam's sources changed while the
    test ran, the two folders came from different code and the comparison means nothing (skip;
    never happens in CI)."""
    try:
        _same_outputs(a, b)
    except AssertionError:
        newest = max(p.stat().st_mtime for p in (REPO / "stridecam").rglob("*.py"))
        if newest > SESSION_START and not os.environ.get("CI"):
            pytest.skip("stridecam sources were edited during the test run")
        raise


def _same_outputs(a: Path, b: Path) -> None:
    for name in OUT_FILES:
        if name == "landmarks.json":
            ja, jb = (json.loads((d / name).read_text()) for d in (a, b))
            for j in (ja, jb):
                for key in TIMING_KEYS:
                    j["meta"].pop(key)
            assert ja == jb, f"{b / name} differs from {a / name}"
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), f"{b / name} differs"


# ------------------------------------------------------------------ the real batch
def test_batch_writes_outputs_and_errors(batch_a):
    outcome, lines, elapsed = batch_a
    root = outcome.out_root
    assert outcome.exit_code == 1
    by_name = {s["name"]: s for s in outcome.statuses}
    assert set(by_name) == set(GOOD) | set(BAD)
    for rel in GOOD:
        st = by_name[rel]
        assert st["status"] == "done", st
        assert st["pose_ran"] and st["landmarker_calls"] > 0
        assert st["model_loads"] == 1  # the worker reused its model for its later clips
        for name in OUT_FILES + (DONE_FILE,):
            assert (root / out_of(rel) / name).is_file(), (rel, name)
        summary = json.loads((root / out_of(rel) / "summary.json").read_text())
        assert summary["athlete"]["name"] == (rel.split("/")[0] if "/" in rel else None)
        assert summary["settings"]["pose"] == to_jsonable(PoseSettings())
    assert len({by_name[r]["pid"] for r in GOOD}) <= 2  # 2 workers for 3 clips
    errors = pd.read_csv(root / "errors.csv", keep_default_na=False)
    assert sorted(errors["clip"]) == sorted(BAD)
    for _, row in errors.iterrows():
        assert row["clip"] in row["reason"] and BAD[row["clip"]] in row["reason"], row["reason"]
        assert "\n" not in row["reason"]
    table = pd.read_csv(root / "squad_summary.csv", keep_default_na=False)
    assert list(table["clip"]) == sorted(GOOD, key=lambda r: (r.split("/")[0] if "/" in r
                                                              else "", r))
    assert list(table["athlete"]) == ["", "anna", "ben"]
    assert (table["n_steps"] >= 0).all() and set(table["length_units"]) == {"leg"}
    assert table["step_length_m"].eq("").all()  # no height given: lengths only in leg lengths
    assert sum(line.startswith("FAILED") for line in lines) == len(BAD)
    print(f"batch of {len(GOOD)} clips + {len(BAD)} bad files, 2 workers: {elapsed:.1f} s")


def test_report_of_a_batch_folder_judges_the_runs_again(batch_a, tmp_path, capsys):
    """``stridecam report BATCH_DIR``: no pose work, the same judgement as the batch made."""
    import shutil

    from stridecam.cli import main

    root = tmp_path / "copy"
    shutil.copytree(batch_a[0].out_root, root)
    before = pd.read_csv(root / "squad_summary.csv", keep_default_na=False)
    before.drop(columns=["verdict_vs_others", "others_basis"]).to_csv(
        root / "squad_summary.csv", index=False)
    assert main(["report", str(root)]) == 0
    after = pd.read_csv(root / "squad_summary.csv", keep_default_na=False)
    pd.testing.assert_frame_equal(after, before)
    assert (root / "squad_report.pdf").read_bytes().startswith(b"%PDF")
    assert "runs judged against each other" in capsys.readouterr().out


def test_second_run_does_no_pose_work(batch_a, squad_dir, monkeypatch):
    outcome, _, _ = batch_a
    root = outcome.out_root
    before = {rel: (root / out_of(rel) / "landmarks.parquet").stat().st_mtime_ns for rel in GOOD}
    squad_csv = (root / "squad_summary.csv").read_bytes()

    def no_pose(*args, **kwargs):
        raise AssertionError("pose work on a finished clip")

    monkeypatch.setattr("stridecam.io.pose.PoseEstimator.__init__", no_pose)
    monkeypatch.setattr("stridecam.io.pose.PoseEstimator.run", no_pose)
    again = run_batch(squad_dir, root, workers=0, pdf=False, progress=False, echo=lambda _: None)
    by_name = {s["name"]: s for s in again.statuses}
    assert all(by_name[rel]["status"] == "skipped" for rel in GOOD)
    assert [by_name[rel]["status"] for rel in BAD] == ["failed"] * len(BAD)
    assert again.exit_code == 1
    assert (root / "squad_summary.csv").read_bytes() == squad_csv
    assert before == {rel: (root / out_of(rel) / "landmarks.parquet").stat().st_mtime_ns
                      for rel in GOOD}
    # a clip whose analysis was lost (no done-marker) is redone from its cached landmarks
    rel = "anna/track_maxvelocity_slowmo_side.mp4"
    (root / out_of(rel) / DONE_FILE).unlink()
    (root / out_of(rel) / "steps.csv").unlink()
    redo = run_batch(squad_dir, root, workers=0, pdf=False, progress=False, echo=lambda _: None)
    st = {s["name"]: s for s in redo.statuses}[rel]
    assert st["status"] == "done" and not st["pose_ran"] and st["landmarker_calls"] == 0
    assert (root / out_of(rel) / "steps.csv").is_file()


def test_killed_batch_resumes_to_identical_outputs(batch_a, squad_dir, tmp_path):
    outcome, _, _ = batch_a
    rels = ["anna/track_maxvelocity_slowmo_side.mp4", "acceleration_static.mp4"]
    roster = write_roster(squad_dir, "roster_kill.csv", rels)
    out = tmp_path / "out_b"
    cmd = [sys.executable, "-m", "stridecam.batch", str(roster), "-o", str(out), "-j", "1",
           "--no-pdf", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if list(out.glob(f"**/{DONE_FILE}")):
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole batch: parent and its workers
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    finished = {p.parent for p in out.glob(f"**/{DONE_FILE}")}
    assert 1 <= len(finished) < len(rels)

    resumed = run_batch(roster, out, workers=2, pdf=False, progress=False, echo=lambda _: None)
    assert resumed.exit_code == 0
    for st in resumed.statuses:
        was_done = Path(st["out_dir"]) in finished
        assert st["status"] == ("skipped" if was_done else "done"), st
    for rel in rels:
        same_outputs(outcome.out_root / out_of(rel), out / out_of(rel))
        assert not list((out / out_of(rel)).glob(".*.part*"))  # no temp file left behind


def test_dask_local_cluster_runs_the_same_job(batch_a, squad_dir, tmp_path):
    from distributed import LocalCluster

    outcome, _, _ = batch_a
    rels = ["anna/track_maxvelocity_slowmo_side.mp4", "acceleration_static.mp4"]
    roster = write_roster(squad_dir, "roster_dask.csv", rels)
    out = tmp_path / "out_dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        result = run_batch(roster, out, scheduler=cluster.scheduler_address, pdf=False,
                           progress=False, echo=lambda _: None)
    assert result.exit_code == 0
    assert all(s["status"] == "done" and s["pid"] != os.getpid() for s in result.statuses)
    for rel in rels:
        same_outputs(outcome.out_root / out_of(rel), out / out_of(rel))
    assert len(pd.read_csv(out / "squad_summary.csv")) == len(rels)


# ------------------------------------------------------------------ PDF guard, cached landmarks
def _fake_report(monkeypatch, **functions) -> list:
    """Install a fake ``stridecam.report``; returns the list of calls it receives."""
    calls: list = []
    module = types.ModuleType("stridecam.report")
    module.__spec__ = ModuleSpec("stridecam.report", None)
    for name, fn in functions.items():
        def wrapped(*args, _fn=fn, _name=name):
            calls.append((_name, args))
            return _fn(*args)
        setattr(module, name, wrapped)
    monkeypatch.setitem(sys.modules, "stridecam.report", module)
    return calls


def _pdf(*args):
    Path(args[-1]).write_bytes(b"%PDF-1.4 fake\n")


def _copy_clip_outputs(batch_a, squad_dir, tmp_path, rel):
    """A one-clip roster and an output root already holding that clip's landmarks."""
    outcome, _, _ = batch_a
    roster = write_roster(squad_dir, f"roster_{tmp_path.name}.csv", [rel])
    out = tmp_path / "out"
    shutil.copytree(outcome.out_root / out_of(rel), out / out_of(rel))
    return roster, out


def test_reports_written_when_the_report_module_exists(batch_a, squad_dir, tmp_path,
                                                       monkeypatch):
    rel = "acceleration_static.mp4"
    roster, out = _copy_clip_outputs(batch_a, squad_dir, tmp_path, rel)
    calls = _fake_report(monkeypatch, write_run_report=_pdf, write_squad_report=_pdf)
    result = run_batch(roster, out, workers=0, progress=False, echo=lambda _: None)
    assert result.exit_code == 0 and result.squad_report == "written"
    assert (out / out_of(rel) / "report.pdf").read_bytes().startswith(b"%PDF")
    assert (out / "squad_report.pdf").is_file()
    (run_call, run_args), (squad_call, squad_args) = calls
    assert run_call == "write_run_report" and run_args[0].summary.n_steps >= 0
    table, summaries = squad_args[0], squad_args[1]
    assert list(table["clip"]) == [rel] and summaries[0].source.endswith(rel)
    assert result.statuses[0]["pose_ran"] is False  # done-key changed (PDF now expected)


def test_report_failure_or_absence(batch_a, squad_dir, tmp_path, monkeypatch):
    rel = "acceleration_static.mp4"
    roster, out = _copy_clip_outputs(batch_a, squad_dir, tmp_path, rel)

    def broken(*args):
        raise TypeError("layout bug")

    _fake_report(monkeypatch, write_run_report=broken)
    result = run_batch(roster, out, workers=0, progress=False, echo=lambda _: None)
    assert result.exit_code == 2
    assert "PDF report failed (TypeError: layout bug)" in result.statuses[0]["reason"]
    assert not (out / out_of(rel) / DONE_FILE).exists()  # retried next time

    _fake_report(monkeypatch)  # package present, functions missing: skip the PDFs, say so
    result = run_batch(roster, out, workers=0, progress=False, echo=lambda _: None)
    assert result.exit_code == 0
    assert result.statuses[0]["report"].startswith("skipped")
    assert result.squad_report.startswith("skipped")


# ------------------------------------------------------------------ executor: dying workers
def fake_job(task: ClipTask) -> dict:
    """Stands in for ``process_clip`` (must be importable by spawned workers)."""
    time.sleep(0.3)
    if "crash" in task.name:
        os._exit(3)
    return {"name": task.name, "clip": task.clip, "out_dir": task.out_dir,
            "athlete": None, "status": "done", "pid": os.getpid()}


def test_dying_worker_fails_only_its_clip(tmp_path):
    names = ["a", "crash", "b", "c", "d"]
    tasks = [ClipTask(name=n, clip=n, out_dir=str(tmp_path / n)) for n in names]
    got: list[dict] = []
    executor.run_local(tasks, 2, fake_job, got.append)
    status = {s["name"]: s for s in got}
    assert sorted(status) == sorted(names)
    assert status["crash"]["status"] == "failed"
    assert status["crash"]["reason"] == executor.WORKER_DIED
    assert all(status[n]["status"] == "done" for n in names if n != "crash")
