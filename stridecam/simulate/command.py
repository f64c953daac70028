"""``stridecam simulate``: render a named simulated sprinter (or all bundled samples).

    stridecam simulate --list
    stridecam simulate balanced_pan -o out.mp4 [--seed N] [--fps 240] [--duration-s 2]
    stridecam simulate balanced_pan --kit black --skin-tone very_dark --track-surface charcoal
    stridecam simulate slow_recycling --truth-only -o slow.truth.json
    stridecam simulate --samples [--out-dir sample_videos]

Every clip gets ``<name>.truth.json`` beside it (schema ``stridecam.truth/1``). Same preset and
seed = the same clip, landmark for landmark.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from stridecam.model.errors import ConfigError
from stridecam.simulate.looks import KITS, SKIN_TONES, TRACK_SURFACES
from stridecam.simulate.params import FPS_CHOICES, RenderParams


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("preset", nargs="?", help="preset name (see --list)")
    parser.add_argument("-o", "--output", metavar="OUT.mp4",
                        help="output clip (default <preset>.mp4; with --truth-only a .json)")
    parser.add_argument("--seed", type=int, help="random seed (default: the preset's)")
    parser.add_argument("--fps", type=int, choices=FPS_CHOICES, help="frame rate")
    parser.add_argument("--duration-s", type=float, metavar="S", help="clip length in seconds")
    parser.add_argument("--shutter-s", type=float, metavar="S",
                        help="exposure per frame (default half the frame interval, 1/(2 fps); "
                             "0 = no motion blur)")
    parser.add_argument("--motion-blur", type=int, default=0, metavar="N",
                        help="sub-frame renders averaged per frame (default 0 = as many as keep "
                             "the fastest point within 1 px between two)")
    parser.add_argument("--kit", choices=sorted(KITS),
                        help="athlete's kit (default: from the seed)")
    parser.add_argument("--skin-tone", choices=list(SKIN_TONES),
                        help="athlete's skin tone (default: from the seed)")
    parser.add_argument("--track-surface", choices=list(TRACK_SURFACES),
                        help="colour of the track (default: from the seed)")
    parser.add_argument("--crf", type=int, default=23, help="H.264 quality (lower = bigger)")
    parser.add_argument("--truth-only", action="store_true",
                        help="write only the ground-truth JSON (no video)")
    parser.add_argument("--no-landmarks", action="store_true",
                        help="leave per-frame landmarks out of the truth JSON")
    parser.add_argument("--list", action="store_true", help="list the presets and exit")
    parser.add_argument("--samples", action="store_true",
                        help="regenerate every bundled sample clip (see --out-dir)")
    parser.add_argument("--out-dir", metavar="DIR", default="sample_videos",
                        help="folder for --samples (default ./sample_videos)")


def run(args: argparse.Namespace) -> int:
    from stridecam.simulate.presets import PRESETS, SAMPLES, simulate_preset

    if args.list:
        for name, p in PRESETS.items():
            cam = p.camera
            print(f"{name:20s} {p.duration_s:4.1f} s  {'pan' if cam.panning else 'fixed':5s} "
                  f"{cam.width_px}x{cam.height_px}@{cam.fps}  {p.description}")
        return 0
    if args.samples:
        out_dir = Path(args.out_dir)
        for name in SAMPLES:
            path = make_sample(name, out_dir)
            print(f"wrote {path} and {path.with_suffix('').name}.truth.json")
        return 0
    if not args.preset:
        raise ConfigError("simulate: name a preset (stridecam simulate --list) or use --samples")
    run_ = simulate_preset(args.preset, seed=args.seed, fps=args.fps, duration_s=args.duration_s)
    if args.truth_only:
        from stridecam.simulate.truth import write_truth

        out = Path(args.output or f"{args.preset}.truth.json")
        write_truth(run_, out, include_landmarks=not args.no_landmarks)
        print(f"wrote {out}")
        return 0
    from stridecam.simulate.render import render_clip, truth_path_for

    out = Path(args.output or f"{args.preset}.mp4")
    if out.suffix.lower() != ".mp4":
        raise ConfigError(f"simulate: output {out} must end in .mp4")
    params = RenderParams(shutter_s=args.shutter_s, blur_samples=args.motion_blur,
                          kit=args.kit, skin_tone=args.skin_tone,
                          track_surface=args.track_surface)
    render_clip(run_, out, params=params, crf=args.crf, include_landmarks=not args.no_landmarks,
                progress=sys.stderr.isatty())
    info = run_.extras.get("render", {})
    print(f"wrote {out} ({run_.n_frames} frames, {info.get('seconds')} s; kit {info.get('kit')}, "
          f"skin {info.get('skin_tone')}, track {info.get('track_surface')}) and "
          f"{truth_path_for(out).name}")
    return 0


def make_sample(name: str, out_dir: Path, fps: int = 120) -> Path:
    """Render one bundled sample (a preset at ``fps`` with its own seed) into ``out_dir``."""
    from stridecam.simulate.presets import simulate_preset
    from stridecam.simulate.render import render_clip

    run_ = simulate_preset(name, fps=fps)
    return render_clip(run_, Path(out_dir) / f"{name}.mp4", include_landmarks=True)
