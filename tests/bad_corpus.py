"""The bad and unusual input corpus of issue 16, built on the fly from the bundled samples and
../shared/videos (nothing large is committed), and what ``stridecam analyse`` must answer.

``build(root)`` writes the files under ``root`` and returns one ``Case`` per entry: the
``stridecam`` arguments, the exit code, words the answer must contain, and whether the answer
must come before any pose work (``pre_pose``). ``tests/test_bad_input.py`` runs it;
``python tests/bad_corpus.py [ROOT]`` prints the table (entry, exit code, message) with real
MediaPipe for every entry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"
SHORT = SAMPLES / "acceleration_static.mp4"  # 150 frames, 1.25 s at 120 fps, 1280x720
A1 = REPO.parent / "shared" / "videos" / "track_blockstart_a1_side.mp4"  # 228 frames, 29.97 fps
VFR = REPO.parent / "shared" / "videos" / "front_jog_in_place_vfr.mp4"


@dataclass(frozen=True)
class Case:
    """One corpus entry. ``args``: after ``stridecam``; ``words``: must appear in the message
    (stderr line for exit 2, stdout for exit 0); ``pre_pose``: answered before pose work;
    ``needs``: a shared file it is built from (skipped when absent)."""

    name: str
    args: tuple[str, ...]
    exit_code: int
    words: tuple[str, ...]
    pre_pose: bool = True
    needs: Path | None = None


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def _audio_only(path: Path) -> Path:
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(path))
    return path


def _png(path: Path) -> Path:
    import cv2

    ok, data = cv2.imencode(".png", np.full((240, 320, 3), 120, np.uint8))
    assert ok
    path.write_bytes(data.tobytes())
    return path


def _frames(path: Path, n: int) -> Path:
    ffmpeg("-i", str(SHORT), "-frames:v", str(n), "-c:v", "libx264", "-pix_fmt", "yuv420p",
           str(path))
    return path


def _damaged_moov(path: Path, how: str) -> Path:
    data = bytearray(SHORT.read_bytes())
    if how == "renamed":
        i = data.index(b"moov")
        data[i:i + 4] = b"moox"
    else:  # chunk offsets point past the end of the file
        i = data.index(b"stco")
        data[i + 12:i + 76] = b"\x7f" * 64
    path.write_bytes(bytes(data))
    return path


#: The copies ``containers`` can make.
CONTAINER_KINDS = ("webm", "mkv", "mov", "avi", "rotated", "portrait")


def containers(root: Path, src: Path = SHORT, kinds: tuple[str, ...] = CONTAINER_KINDS
               ) -> dict[str, Path]:
    """The same frames in other containers and codecs (lossless, so every decoded frame equals
    the mp4's): VP9 WebM and H.264 MKV (1 ms timestamps), HEVC MOV, FFV1 AVI, and a clip stored
    on its side with display rotation that brings it upright again; only ``kinds`` are made."""
    root.mkdir(parents=True, exist_ok=True)
    stem = src.stem
    out = {"webm": root / f"{stem}.webm", "mkv": root / f"{stem}.mkv",
           "mov": root / f"{stem}_hevc.mov", "avi": root / f"{stem}.avi",
           "rotated": root / f"{stem}_rotated.mp4", "portrait": root / f"{stem}_portrait.mp4"}
    if "webm" in kinds and not out["webm"].exists():
        ffmpeg("-i", str(src), "-c:v", "libvpx-vp9", "-lossless", "1", "-row-mt", "1",
               "-deadline", "realtime", "-cpu-used", "8", str(out["webm"]))
    if "mkv" in kinds and not out["mkv"].exists():
        ffmpeg("-i", str(src), "-c", "copy", str(out["mkv"]))
    if "mov" in kinds and not out["mov"].exists():
        ffmpeg("-i", str(src), "-c:v", "libx265", "-x265-params", "lossless=1:log-level=error",
               "-preset", "ultrafast", "-tag:v", "hvc1", str(out["mov"]))
    if "avi" in kinds and not out["avi"].exists():
        ffmpeg("-i", str(src), "-c:v", "ffv1", str(out["avi"]))
    if "rotated" in kinds and not out["rotated"].exists():
        side = root / f"{stem}_side.mp4"  # stored turned 90 degrees clockwise, lossless
        ffmpeg("-i", str(src), "-vf", "transpose=1", "-c:v", "libx264", "-qp", "0",
               "-preset", "ultrafast", str(side))
        _set_rotation(side, out["rotated"], 90)
        side.unlink()
    # a phone held upright: stored landscape, shown portrait
    if "portrait" in kinds and not out["portrait"].exists():
        side = root / f"{stem}_portrait_side.mp4"
        ffmpeg("-i", str(src), "-vf", "scale=720:-2,pad=720:1280:0:(oh-ih)/2,transpose=2",
               "-c:v", "libx264", "-crf", "16", "-preset", "veryfast", "-pix_fmt", "yuv420p",
               str(side))
        _set_rotation(side, out["portrait"], -90)
        side.unlink()
    return {kind: out[kind] for kind in kinds}


def _set_rotation(src: Path, dst: Path, degrees: int) -> None:
    """Copy ``src``'s video packets into ``dst`` with a display rotation (counter-clockwise,
    FFmpeg's sign), as phones store portrait clips."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        s_out.set_display_rotation(degrees)
        for packet in inp.demux(s_in):
            if packet.dts is None:
                continue
            packet.stream = s_out
            out.mux(packet)


def build(root: Path, *, with_pose: bool = True) -> list[Case]:
    """Write the corpus under ``root``; one ``Case`` per entry (see the module docstring).
    ``with_pose`` False: only the entries answered before pose work (cheap to build)."""
    root.mkdir(parents=True, exist_ok=True)
    out = str(root / "out")
    good = str(SHORT)

    def analyse(clip: str | Path, *extra: str, o: str | None = None) -> tuple[str, ...]:
        return ("analyse", str(clip), "-o", o or out, "--no-report", *extra)

    empty = root / "empty.mp4"
    empty.write_bytes(b"")
    text = root / "notes.mp4"
    text.write_text("warm-up: 4 x 30 m, then blocks\n" * 40)
    unicode_dir = root / "séance d'été ü"
    unicode_dir.mkdir(exist_ok=True)
    unicode_clip = unicode_dir / "run 1 – Zoë.mp4"
    shutil.copyfile(SHORT, unicode_clip)
    a_file = root / "afile"
    a_file.write_text("not a folder\n")
    bad_toml = root / "malformed.toml"
    bad_toml.write_text("[gates\nmin_steps = 4\n")
    misspelt = root / "misspelt.toml"
    misspelt.write_text("[gates]\nmin_stpes = 4\n")
    cases = [
        Case("zero-length file", analyse(empty), 2, ("empty (0 bytes)",)),
        Case("text renamed .mp4", analyse(text), 2, ("not a readable video",)),
        Case("PNG renamed .mp4", analyse(_png(root / "photo.mp4")), 2, ("still image",)),
        Case("damaged moov atom (renamed)", analyse(_damaged_moov(root / "moov_renamed.mp4",
                                                                  "renamed")),
             2, ("not a readable video",)),
        Case("damaged moov atom (chunk offsets)",
             analyse(_damaged_moov(root / "moov_offsets.mp4", "offsets")), 2,
             ("0 frames decoded",)),
        Case("audio-only", analyse(_audio_only(root / "voice.m4a")), 2, ("no video stream",)),
        Case("1-frame clip", analyse(_frames(root / "one.mp4", 1)), 2,
             ("only 1 frame", "a step needs")),
        Case("2-frame clip", analyse(_frames(root / "two.mp4", 2)), 2,
             ("only 2 frames", "a step needs")),
        Case("folder", analyse(root), 2, ("is a folder",)),
        Case("missing path", analyse(root / "nope.mp4"), 2, ("no such file",)),
        Case("missing unicode/space path", analyse(unicode_dir / "nope ø.mp4"), 2,
             ("nope ø.mp4", "no such file")),
        Case("output under a regular file", analyse(good, o=str(a_file / "out")), 2,
             ("which is a file",)),
        Case("output is a regular file", analyse(good, o=str(a_file)), 2,
             ("is a file, not a folder",)),
        Case("identical calibration points", analyse(good, "--two-points", "100,200,100,200",
                                                     "--two-points-m", "5"), 2,
             ("--two-points", "at least 5 px apart")),
        Case("collinear ground rectangle",
             analyse(good, "--ground-rect", "0,600,100,600,200,600,300,600",
                     "--ground-rect-m", "1.22,10"), 2, ("--ground-rect", "no area")),
        Case("crossed ground rectangle",
             analyse(good, "--ground-rect", "100,500,900,500,100,700,900,700",
                     "--ground-rect-m", "1.22,10"), 2, ("--ground-rect", "not in order")),
        Case("calibration point outside the frame",
             analyse(good, "--two-points", "100,200,5000,200", "--two-points-m", "5"), 2,
             ("--two-points", "outside the 1280x720")),
        Case("malformed TOML (--reference)", analyse(good, "--reference", str(bad_toml)), 2,
             ("malformed.toml", "not valid TOML")),
        Case("misspelt TOML key (--reference)", analyse(good, "--reference", str(misspelt)), 2,
             ("min_stpes", "did you mean")),
        Case("--capture-fps 0", analyse(good, "--capture-fps", "0"), 2, ("--capture-fps 0",)),
        Case("--height-m 180", analyse(good, "--height-m", "180"), 2, ("--height-m 180",)),
    ]
    if A1.exists():
        cut = root / "truncated_400k.mp4"
        cut.write_bytes(A1.read_bytes()[:400_000])
        cases.append(Case("truncated mp4 (first 400 KB of a1)", analyse(cut), 2,
                          ("truncated", "only 30 of the 228 frames")))
    unwritable = _unwritable_folder(root)
    if unwritable is not None:
        cases.append(Case("read-only output folder", analyse(good, o=unwritable), 2,
                          ("cannot be written",)))
    if not with_pose:
        return cases
    if A1.exists():
        cut60 = root / "truncated_1200k.mp4"
        cut60.write_bytes(A1.read_bytes()[:1_200_000])
        cases.append(Case("truncated mp4 (first 1.2 MB of a1)", analyse(cut60), 0,
                          ("truncated or damaged", "only 120 of the 228 frames"),
                          pre_pose=False))
    no_person = root / "testsrc.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=640x360:rate=30:duration=2", "-pix_fmt", "yuv420p",
           str(no_person))
    big = root / "big_4000x4000.mp4"
    ffmpeg("-i", good, "-vf", "scale=4000:-2,pad=4000:4000:0:(oh-ih)/2", "-c:v", "libx264",
           "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", str(big))
    cont = containers(root / "containers")
    cases += [
        Case("no person (ffmpeg testsrc)", analyse(no_person), 2, ("no person",),
             pre_pose=False),
        Case("4000x4000 frames", analyse(big, o=str(root / "out_big")), 0, (" steps",),
             pre_pose=False),
        Case("unicode/space path", analyse(unicode_clip, o=str(unicode_dir / "out")), 0,
             ("run 1 – Zoë.mp4: ",), pre_pose=False),
        Case("HEVC .mov (lossless)", analyse(cont["mov"], o=str(root / "out_mov")), 0,
             ("120 fps effective",), pre_pose=False),
        Case("VP9 .webm (1 ms timestamps)", analyse(cont["webm"], o=str(root / "out_webm")), 0,
             ("120 fps effective",), pre_pose=False),
        Case("MKV (1 ms timestamps)", analyse(cont["mkv"], o=str(root / "out_mkv")), 0,
             ("120 fps effective",), pre_pose=False),
        Case("AVI (FFV1)", analyse(cont["avi"], o=str(root / "out_avi")), 0,
             ("120 fps effective",), pre_pose=False),
        Case("clip stored on its side (rotation 90)", analyse(cont["rotated"],
                                                              o=str(root / "out_rot")), 0,
             ("120 fps effective",), pre_pose=False),
        Case("portrait phone clip (stored landscape, rotation -90)",
             analyse(cont["portrait"], o=str(root / "out_portrait")), 0,
             ("120 fps effective",), pre_pose=False),
    ]
    if VFR.exists():
        cases.append(Case("variable-frame-rate clip", analyse(VFR, o=str(root / "out_vfr")), 0,
                          ("30 fps effective",), pre_pose=False))
    return cases


def _unwritable_folder(root: Path) -> str | None:
    """A folder this process cannot write in: a read-only one (not as root), else under /sys."""
    if os.name == "posix" and os.geteuid() != 0:
        ro = root / "read_only"
        ro.mkdir(exist_ok=True)
        ro.chmod(0o555)
        return str(ro / "out")
    sys_dir = Path("/sys/stridecam-out")
    try:
        sys_dir.mkdir()
    except OSError:
        return str(sys_dir)
    sys_dir.rmdir()
    return None


#: The bad clips of a squad batch and the words their ``errors.csv`` reason must hold.
SQUAD_BAD = {
    "empty.mp4": "empty", "notes.mp4": "not a readable video", "photo.mp4": "still image",
    "truncated.mp4": "truncated", "moov.mp4": "not a readable video",
    "voice_memo.mp4": "no video stream", "one_frame.mp4": "a step needs",
    "two_frames.mp4": "a step needs", "empty_lane.mp4": "no person",
    "offsets.mp4": "0 frames decoded",
}


def make_squad(root: Path, n_good: int, bad: tuple[str, ...] = tuple(SQUAD_BAD)) -> dict[str, str]:
    """A squad folder of ``n_good`` short clips (0.5-0.55 s cuts of the three bundled samples at
    different offsets, in five athletes' sub-folders) and the ``bad`` files of ``SQUAD_BAD``
    (in a sixth). Returns {relative path: "good" or the words its reason must hold}."""
    import av

    root.mkdir(parents=True, exist_ok=True)
    sources = sorted(SAMPLES.glob("*.mp4"))
    made: dict[str, str] = {}
    for i in range(n_good):
        src = sources[i % len(sources)]
        with av.open(str(src)) as c:
            duration = float(c.duration or 0) / 1e6
        frames = 60 + i % 7
        start = ((i // len(sources)) * 0.17) % max(duration - frames / 120 - 0.05, 0.01)
        rel = f"athlete_{i % 5}/{src.stem}_{i:02d}.mp4"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        ffmpeg("-ss", f"{start:.3f}", "-i", str(src), "-frames:v", str(frames), "-c:v", "libx264",
               "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags",
               "+faststart", str(root / rel))
        made[rel] = "good"
    folder = root / "bad"
    folder.mkdir(exist_ok=True)
    builders = {
        "empty.mp4": lambda p: p.write_bytes(b""),
        "notes.mp4": lambda p: p.write_text("4 x 30 m from blocks\n" * 20),
        "photo.mp4": _png,
        "truncated.mp4": lambda p: _cut(p, SHORT, 10),
        "moov.mp4": lambda p: _damaged_moov(p, "renamed"),
        "voice_memo.mp4": _audio_only,
        "one_frame.mp4": lambda p: _frames(p, 1),
        "two_frames.mp4": lambda p: _frames(p, 2),
        "empty_lane.mp4": lambda p: ffmpeg("-f", "lavfi", "-i",
                                           "testsrc=size=640x360:rate=30:duration=1",
                                           "-pix_fmt", "yuv420p", str(p)),
        "offsets.mp4": lambda p: _damaged_moov(p, "offsets"),
    }
    for name in bad:
        builders[name](folder / name)
        made[f"bad/{name}"] = SQUAD_BAD[name]
    return made


def _cut(path: Path, src: Path, n_packets: int) -> Path:
    """``src`` with its index first (as phones write), cut after ``n_packets`` frames."""
    import av

    whole = path.with_name(f".whole_{path.name}")
    ffmpeg("-i", str(src), "-c", "copy", "-movflags", "+faststart", str(whole))
    with av.open(str(whole)) as c:
        pos = sorted(p.pos for p in c.demux(c.streams.video[0]) if p.size)
    path.write_bytes(whole.read_bytes()[: pos[n_packets]])
    whole.unlink()
    return path


def parsed_outputs(root: Path, *, recursive: bool = False) -> int:
    """Read back every ``.json``, ``.csv`` and ``.parquet`` file in ``root`` (and below it,
    ``recursive``); a file that does not parse raises. Returns how many were read."""
    import json

    import pandas as pd

    readers = {".json": lambda p: json.loads(p.read_text()), ".csv": pd.read_csv,
               ".parquet": pd.read_parquet}
    n = 0
    for path in root.rglob("*") if recursive else root.iterdir():
        if path.suffix in readers:
            readers[path.suffix](path)
            n += 1
    return n


def run_case(case: Case, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stridecam.cli", *case.args],
                          capture_output=True, text=True, cwd=cwd, timeout=600)


def message(case: Case, proc: subprocess.CompletedProcess) -> str:
    """The answer a user reads: the error line (exit 2) or the summary line and any flags
    (exit 0)."""
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("stridecam:")]
        return lines[-1] if lines else proc.stderr.strip()[-300:]
    lines = proc.stdout.splitlines()
    flags = [ln.strip() for ln in lines if ln.strip().startswith("[warning]")]
    return " / ".join(lines[:1] + [f for f in flags if "truncated" in f])


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="corpus"))
    print("| entry | exit code | message |\n|---|---|---|")
    bad = 0
    for case in build(root):
        proc = run_case(case)
        text = message(case, proc).replace(str(root) + "/", "").replace("|", "\\|")
        ok = proc.returncode == case.exit_code and all(w in message(case, proc)
                                                       for w in case.words)
        ok = ok and "Traceback" not in proc.stderr
        bad += not ok
        print(f"| {case.name} | {proc.returncode} | {text} |" + ("" if ok else " **UNEXPECTED**"),
              flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
