"""A squad batch under load with bad clips (issue 16): 40 short good clips and 10 bad files,
killed with kill -9 midway and resumed, against the same clips analysed one by one.

    python benchmarks/bench_bad_batch.py [--good 40] [--write]

The squad is made on the fly (``tests/bad_corpus.make_squad``: 0.5 s cuts of the bundled
samples in five athletes' folders, and the ten bad files of ``SQUAD_BAD``). Steps:

1. ``python -m stridecam.batch SQUAD -j 2 --no-pdf`` in a new process group, killed with
   SIGKILL (parent and workers) once half the good clips are finished;
2. the same command again (resume): finished clips must be skipped (no pose work), the rest
   done, the 10 bad ones listed in ``errors.csv`` with their reasons;
3. every good clip analysed alone (``pipeline.analyse_clip``, as ``stridecam analyse`` does):
   ``steps.csv``, ``contacts.csv`` and the run summary must equal the batch's;
4. the whole batch uninterrupted into a fresh folder, for its wall time.

``--write`` replaces the bad-batch section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from bad_corpus import make_squad, parsed_outputs  # noqa: E402

from stridecam.batch.job import DONE_FILE  # noqa: E402
from stridecam.io.store import TEMP_GLOB, write_marked_section  # noqa: E402
from stridecam.model.settings import Settings  # noqa: E402
from stridecam.pipeline import analyse_clip  # noqa: E402


def batch_cmd(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "stridecam.batch", str(source), "-o", str(out), "-j", "2",
            "--no-pdf", "--no-progress"]


def kill_midway(source: Path, out: Path, done_at_least: int) -> tuple[set[Path], float]:
    """Run the batch and kill -9 it once ``done_at_least`` clips are finished."""
    proc = subprocess.Popen(batch_cmd(source, out), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.perf_counter()
    try:
        while proc.poll() is None:
            if len(list(out.glob(f"**/{DONE_FILE}"))) >= done_at_least:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if proc.returncode != -signal.SIGKILL:
        raise SystemExit(f"the batch ended before it was killed ({proc.returncode})")
    return {p.parent for p in out.glob(f"**/{DONE_FILE}")}, time.perf_counter() - t0


def run(source: Path, out: Path) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.perf_counter()
    proc = subprocess.run(batch_cmd(source, out), capture_output=True, text=True)
    return proc, time.perf_counter() - t0


def equal_results(batch_dir: Path, alone_dir: Path) -> bool:
    same = all((batch_dir / n).read_bytes() == (alone_dir / n).read_bytes()
               for n in ("steps.csv", "contacts.csv"))
    a, b = (json.loads((d / "summary.json").read_text())["summary"]
            for d in (batch_dir, alone_dir))
    return same and a == b


def all_parse(root: Path) -> tuple[int, int]:
    """(files that parse, temp files left) under ``root``."""
    return parsed_outputs(root, recursive=True), len(list(root.rglob(TEMP_GLOB)))


def newest_source() -> float:
    """Latest modification time of stridecam's sources (other engineers edit the same tree)."""
    return max(p.stat().st_mtime for p in (REPO / "stridecam").rglob("*.py"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--good", type=int, default=40, help="good clips (default 40)")
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench_bad_batch_"))
    try:
        squad = root / "squad"
        made = make_squad(squad, args.good)
        good = [r for r, k in made.items() if k == "good"]
        bad = {r: k for r, k in made.items() if k != "good"}
        out = root / "out"
        load0 = os.getloadavg()[0]
        sources0 = newest_source()
        finished, killed_after = kill_midway(squad, out, args.good // 2)
        resumed, resume_s = run(squad, out)
        status = pd.read_csv(out / "batch_status.csv", keep_default_na=False)
        errors = pd.read_csv(out / "errors.csv", keep_default_na=False)
        st = dict(zip(status["clip"], status["status"]))
        redone = [r for r in good if (out / r.rsplit(".", 1)[0]) in finished
                  and st.get(r) != "skipped"]
        listed = {r: reason for r, reason in zip(errors["clip"], errors["reason"])}
        reasons_ok = sorted(listed) == sorted(bad) and all(
            bad[r] in listed[r] and r in listed[r] for r in bad)
        t0 = time.perf_counter()
        equal = sum(equal_results(out / r.rsplit(".", 1)[0], root / "alone" / r)
                    for r in good if analyse_clip(squad / r, root / "alone" / r, Settings(),
                                                  athlete=r.split("/")[0]))
        alone_s = time.perf_counter() - t0
        parsed, temps = all_parse(out)
        fresh, fresh_s = run(squad, root / "fresh")
        load1 = os.getloadavg()[0]
        edited = newest_source() > sources0
    finally:
        shutil.rmtree(root, ignore_errors=True)
    counts = status["status"].value_counts().to_dict()
    reason_rows = "\n".join(f"| {r} | {listed.get(r, '(missing)').replace(str(squad) + '/', '')}"
                            " |" for r in sorted(bad))
    text = (
        f"| step | result |\n|---|---|\n"
        f"| kill -9 midway | after {killed_after:.1f} s, {len(finished)} of {len(good)} good "
        f"clips finished |\n"
        f"| resume (exit code {resumed.returncode}) | {resume_s:.1f} s: "
        f"{counts.get('skipped', 0)} skipped, {counts.get('done', 0)} analysed, "
        f"{counts.get('failed', 0)} failed; finished clips redone: {len(redone)} |\n"
        f"| bad files in errors.csv with their reason | {len(listed)} of {len(bad)} "
        f"({'all reasons as expected' if reasons_ok else 'UNEXPECTED reasons'}) |\n"
        f"| good clips equal to one-by-one runs | {equal} of {len(good)} (steps.csv, "
        f"contacts.csv, run summary; one-by-one took {alone_s:.1f} s) |\n"
        f"| output files that parse / temp files left | {parsed} / {temps} |\n"
        f"| the same batch uninterrupted (exit code {fresh.returncode}) | {fresh_s:.1f} s |\n"
        f"\n| bad file | reason in errors.csv |\n|---|---|\n{reason_rows}\n"
        f"\nLoad average (1 min) before / after: {load0:.2f} / {load1:.2f}."
        + (" stridecam's sources were edited during the run: clips that differ from their "
           "one-by-one run may come from that." if edited else
           " stridecam's sources were unchanged during the run."))
    print(text)
    if args.write:
        write_marked_section(
            REPO / "BENCHMARKS.md", "bad_batch",
            "Batch with bad clips, kill -9 and resume (`benchmarks/bench_bad_batch.py`)",
            f"Measured {time.strftime('%Y-%m-%d')} on this project's 2-core machine: "
            f"{len(good)} good clips (0.5 s cuts of the bundled samples, 60-66 frames at "
            f"120 fps, 1280x720) and {len(bad)} bad files, `stridecam batch -j 2 --no-pdf`.\n\n"
            + text, header="# Benchmarks\n")
    ok = (not redone and reasons_ok and (equal == len(good) or edited) and not temps
          and resumed.returncode == 1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
