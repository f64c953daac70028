"""Render a ``SimRun`` to an H.264 mp4 (PyAV) with exact timestamps, plus its truth JSON.

Frame k is drawn at capture time k / fps and gets pts = k in a 1/fps time base, so every frame
timestamp is exact and the rate constant. With ``motion_blur_samples`` = m > 1 each frame is the
mean of m renders spread over the exposure (``shutter_frac`` of the frame interval, centred on
the frame time); the landmarks of the truth stay those of the frame time.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path
from typing import Iterator

import numpy as np

from stridecam.simulate.figure import Look, Projector, draw_athlete, draw_shadow
from stridecam.simulate.scene import Scene, make_scene

ENCODER_PREFERENCE = ("libx264", "libopenh264")


def pick_encoder() -> str:
    """The first H.264 encoder of ``ENCODER_PREFERENCE`` that this PyAV build can open."""
    import av

    for name in ENCODER_PREFERENCE:
        try:
            av.codec.Codec(name, "w")
        except Exception:  # noqa: BLE001 - PyAV raises several types for a missing codec
            continue
        return name
    raise RuntimeError("this PyAV build has no H.264 encoder (libx264 or libopenh264)")


def scene_for(run) -> Scene:
    x = run.model.pelvis(run.time_s)[0]
    margin = 4.0 * run.camera.distance_m * np.tan(np.radians(run.camera.hfov_deg) / 2) + 10.0
    side = 1.0 if run.camera.direction == "left_to_right" else -1.0
    return make_scene(float(x.min() - margin), float(x.max() + margin), run.camera.distance_m,
                      side, run.seed)


def _frame_at(run, scene: Scene, t: float, look: Look) -> np.ndarray:
    from stridecam.simulate.camera import camera_track

    tt = np.array([t])
    track = camera_track(run.camera, tt, run.model.pelvis(tt)[0], run.x_center_m)
    img = scene.render(track, 0)
    pts = {k: v[0] for k, v in run.body_points(tt).items()}
    prj = Projector(track, 0)
    draw_shadow(img, prj, float(pts["pelvis"][0]), 0.9 * run.athlete.height_m / 1.8)
    near = "right" if run.camera.direction == "left_to_right" else "left"
    draw_athlete(img, prj, pts, near, look, run.model.body)
    return img


def render_frames(run, look: Look | None = None, motion_blur_samples: int = 1,
                  shutter_frac: float = 0.5, frames: range | None = None) -> Iterator[np.ndarray]:
    """RGB uint8 images (height, width, 3) of the run's frames (all, or ``frames``)."""
    look = look or Look()
    scene = scene_for(run)
    dt = 1.0 / run.fps
    for k in frames if frames is not None else range(run.n_frames):
        t = float(run.time_s[k])
        if motion_blur_samples <= 1:
            yield _frame_at(run, scene, t, look)
            continue
        offs = (np.arange(motion_blur_samples) + 0.5) / motion_blur_samples - 0.5
        acc = np.zeros((run.camera.height_px, run.camera.width_px, 3), np.float32)
        for o in offs:
            acc += _frame_at(run, scene, t + o * shutter_frac * dt, look)
        yield np.clip(acc / motion_blur_samples + 0.5, 0, 255).astype(np.uint8)


def encode_mp4(images, path: str | Path, fps: int, crf: int = 23,
               preset: str = "medium") -> tuple[int, str]:
    """Encode RGB images to H.264 mp4 at a constant ``fps`` (pts = k / fps exactly).

    Returns (frames written, encoder name)."""
    import av

    path = Path(path)
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    encoder = pick_encoder()
    n = 0
    with av.open(str(tmp), "w", format="mp4") as container:
        stream = None
        for img in images:
            if stream is None:
                stream = container.add_stream(encoder, rate=fps)
                stream.height, stream.width = img.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = Fraction(1, fps)
                if encoder == "libx264":
                    stream.options = {"crf": str(crf), "preset": preset}
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = n
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
            n += 1
        if stream is not None:
            for packet in stream.encode():
                container.mux(packet)
    tmp.replace(path)
    return n, encoder


def render_clip(run, out_path: str | Path, look: Look | None = None, motion_blur_samples: int = 1,
                crf: int = 23, include_landmarks: bool = True,
                progress: bool = False) -> Path:
    """Render ``run`` to ``out_path`` (.mp4) and write ``<stem>.truth.json`` next to it."""
    from stridecam.simulate.truth import write_truth

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    frames = render_frames(run, look, motion_blur_samples)
    if progress:
        frames = _progress(frames, run.n_frames)
    n, encoder = encode_mp4(frames, out_path, run.fps, crf=crf)
    run.extras["render"] = {"seconds": round(time.perf_counter() - t0, 2), "encoder": encoder,
                            "frames": n, "crf": crf, "motion_blur_samples": motion_blur_samples}
    write_truth(run, truth_path_for(out_path), include_landmarks=include_landmarks)
    return out_path


def truth_path_for(mp4: str | Path) -> Path:
    mp4 = Path(mp4)
    return mp4.with_name(mp4.stem + ".truth.json")


def _progress(frames, total: int):
    import sys

    for k, img in enumerate(frames):
        if k % 60 == 0:
            print(f"  frame {k}/{total}", file=sys.stderr)
        yield img
