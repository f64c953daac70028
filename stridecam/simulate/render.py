"""Render a ``SimRun`` to an H.264 mp4 (PyAV) with exact timestamps, plus its truth JSON.

Frame k is drawn at capture time k / fps and gets pts = k in a 1/fps time base, so every frame
timestamp is exact and the rate constant. How it looks is set by ``RenderParams``:

- Motion blur: the exposure (``shutter_s``, default half the frame interval) is centred on the
  frame time. The athlete (and the shadow) is drawn at several sub-frame times over the exposure
  and averaged (premultiplied colour and coverage, composited once), as many as keep the fastest
  landmark within ``blur_step_px`` between two; a panning camera's background is blurred along
  its image motion over the exposure (the camera only rotates, so that motion is the same for
  every depth). A planted foot thus blurs exactly as the ground under it.
- The scene (``scene``): track with camera-matched rubber grain, lines, grass, boards.
- The athlete's sun shadow and the feet's contact shadows, soft, on the ground plane.
- Kit, skin tone and track colour from ``looks`` (named in the params or drawn from the seed).

The landmarks of the truth stay those of the frame time; rendering never changes the truth.
``RENDER_VERSION`` changes whenever the pixels do, so that cached renders can be invalidated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from stridecam.simulate.camera import camera_track
from stridecam.simulate.figure import (
    Look,
    Projector,
    athlete_look,
    draw_athlete,
    draw_shadows,
    sun_direction,
)
from stridecam.simulate.looks import TRACK_SURFACES, LookChoice, choose_look
from stridecam.simulate.params import RenderParams
from stridecam.simulate.scene import Scene, make_scene

#: bump whenever rendered pixels change (scene, figure, blur, looks or their defaults)
RENDER_VERSION = 2
ENCODER_PREFERENCE = ("libx264", "libopenh264")
#: margin around the athlete's projected points (limb radii, shoes, head), metres at 1.80 m
ATHLETE_MARGIN_M = 0.35
#: softness (Gaussian sigma on the ground, m) of the feet's contact shadows
CONTACT_SHADOW_SOFT_M = 0.03


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


def scene_for(run, params: RenderParams | None = None,
              choice: LookChoice | None = None) -> Scene:
    params = params or RenderParams()
    choice = choice or choose_look(params, run.seed, run.preset)
    x = run.model.pelvis(run.time_s)[0]
    margin = 4.0 * run.camera.distance_m * np.tan(np.radians(run.camera.hfov_deg) / 2) + 10.0
    side = 1.0 if run.camera.direction == "left_to_right" else -1.0
    return make_scene(float(x.min() - margin), float(x.max() + margin), run.camera, side,
                      run.seed, TRACK_SURFACES[choice.track_surface],
                      params.track_grain_contrast)


def line_kernel(flow_px: np.ndarray) -> np.ndarray | None:
    """Normalised kernel of a straight motion of ``flow_px`` (dx, dy) pixels (a box along the
    segment, sub-pixel), or None when shorter than a tenth of a pixel."""
    length = float(np.hypot(*flow_px))
    if length < 0.1:
        return None
    hx = int(np.ceil(abs(flow_px[0]) / 2)) + 1
    hy = int(np.ceil(abs(flow_px[1]) / 2)) + 1
    k = np.zeros((2 * hy + 1, 2 * hx + 1), np.float64)
    n = max(8, int(np.ceil(length * 8)))
    s = (np.arange(n) + 0.5) / n - 0.5
    xs, ys = hx + s * flow_px[0], hy + s * flow_px[1]
    x0, y0 = np.floor(xs).astype(int), np.floor(ys).astype(int)
    fx, fy = xs - x0, ys - y0
    for dx, dy, w in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                      (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
        np.add.at(k, (y0 + dy, x0 + dx), w)
    return (k / k.sum()).astype(np.float32)


class FrameRenderer:
    """Renders the frames of one run with one ``RenderParams`` (all set up once)."""

    def __init__(self, run, params: RenderParams | None = None, look: Look | None = None):
        self.run = run
        self.params = (params or RenderParams()).validate(run.fps)
        self.choice = choose_look(self.params, run.seed, run.preset)
        self.look = look or athlete_look(self.choice.kit, self.choice.skin_tone)
        self.scene = scene_for(run, self.params, self.choice)
        self.exposure_s = self.params.exposure_s(run.fps)
        self.side = 1.0 if run.camera.direction == "left_to_right" else -1.0
        self.near = "right" if self.side > 0 else "left"
        self.sun_xz = sun_direction(self.choice.sun_elevation_deg, self.choice.sun_azimuth_deg,
                                    self.side)
        self.n_sub = self._sub_samples()
        self._static = None if run.camera.panning else self.scene.render(run.track, 0)

    def _sub_samples(self) -> np.ndarray:
        """Sub-frame renders per frame: the fastest landmark moves <= blur_step_px between two."""
        p, n = self.params, self.run.n_frames
        if self.exposure_s <= 0:
            return np.ones(n, int)
        if p.blur_samples > 0:
            return np.full(n, p.blur_samples, int)
        if n < 2:
            return np.full(n, p.max_blur_samples, int)
        vel = np.gradient(self.run.px, self.run.time_s, axis=0)  # px/s
        move = np.hypot(vel[..., 0], vel[..., 1]).max(axis=1) * self.exposure_s
        return np.clip(np.ceil(move / p.blur_step_px), 1, p.max_blur_samples).astype(int)

    def info(self) -> dict:
        """What the renders look like (JSON-ready, deterministic)."""
        return {"version": RENDER_VERSION, **self.choice.to_dict(),
                "shutter_s": self.exposure_s, "blur_samples_max": int(self.n_sub.max()),
                "track_grain_contrast": self.params.track_grain_contrast}

    # ------------------------------------------------------------------ background
    def background(self, t: float) -> np.ndarray:
        """The scene at time t, blurred by the camera's rotation over the exposure."""
        if self._static is not None:
            return self._static.copy()
        run, e = self.run, self.exposure_s
        tt = np.array([t, t - e / 2, t + e / 2])
        track = camera_track(run.camera, tt, run.model.pelvis(tt)[0], run.x_center_m)
        img = self.scene.render(track, 0)
        if e <= 0:
            return img
        kern = line_kernel(self.pan_flow_px(track))
        if kern is not None:
            img = cv2.filter2D(img, -1, kern, borderType=cv2.BORDER_REFLECT)
        return img

    @staticmethod
    def pan_flow_px(track) -> np.ndarray:
        """Image motion (dx, dy) of the image centre from time index 1 to 2 of ``track``."""
        h1 = track.image_to_plane_homography(1, None)
        h2 = track.image_to_plane_homography(2, None)
        c = np.array([track.cx_px, track.cy_px, 1.0])
        q = h2 @ np.linalg.solve(h1, c)
        return q[:2] / q[2] - c[:2]

    # ------------------------------------------------------------------ frames
    def frame(self, k: int) -> np.ndarray:
        """RGB uint8 image (height, width, 3) of frame k."""
        run = self.run
        t = float(run.time_s[k])
        img = self.background(t)
        m = int(self.n_sub[k])
        offs = ((np.arange(m) + 0.5) / m - 0.5) * self.exposure_s if m > 1 else np.zeros(1)
        tt = t + offs
        track = camera_track(run.camera, tt, run.model.pelvis(tt)[0], run.x_center_m)
        pts = run.body_points(tt)
        self._draw_athlete(img, track, pts, m)
        return img

    def _crop(self, track, pts: dict, body=None) -> tuple[int, int, int, int] | None:
        """Image box (x0, y0, x1, y1) holding the athlete and the shadow over the exposure."""
        cam = self.run.camera
        body = body or self.run.model.body
        world = np.stack([v for v in pts.values() if v.ndim == 2], axis=1)  # (m, K, 3)
        shadow = world.copy()
        shadow[..., 0] += world[..., 1] * self.sun_xz[0]
        shadow[..., 2] += world[..., 1] * self.sun_xz[1]
        shadow[..., 1] = 0.0
        px, depth = track.project(np.concatenate([world, shadow], axis=1))
        if (depth <= 0.1).any():
            return None
        s = body.height_m / 1.80
        pad = track.f_px * ATHLETE_MARGIN_M * s / float(depth.min())
        pad += 3 * track.f_px * max(self.params.shadow_penumbra_m,
                                    CONTACT_SHADOW_SOFT_M) / float(depth.min())
        x0 = int(np.floor(px[..., 0].min() - pad))
        y0 = int(np.floor(px[..., 1].min() - pad))
        x1 = int(np.ceil(px[..., 0].max() + pad)) + 1
        y1 = int(np.ceil(px[..., 1].max() + pad)) + 1
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, cam.width_px), min(y1, cam.height_px)
        if x1 <= x0 or y1 <= y0:
            return None
        return x0, y0, x1, y1

    def _draw_athlete(self, img: np.ndarray, track, pts: dict, m: int, body=None,
                      look: Look | None = None) -> None:
        """Composite the athlete whose body points (over the exposure) are ``pts`` into
        ``img``; ``body`` / ``look`` default to the run's (another person of a group scene)."""
        body = body or self.run.model.body
        look = look or self.look
        box = self._crop(track, pts, body)
        if box is None:
            return
        x0, y0, x1, y1 = box
        h, w = y1 - y0, x1 - x0
        s = body.height_m / 1.80
        # sums of up to 256 uint8 renders fit uint16 exactly
        layer_sum = np.zeros((h, w, 4), np.uint16)
        sun_sum = np.zeros((h, w), np.uint16)
        contact_sum = np.zeros((h, w), np.uint16)
        buf = np.empty((h, w, 4), np.uint8)
        sbuf, cbuf = np.empty((h, w), np.uint8), np.empty((h, w), np.uint8)
        for j in range(m):
            prj = Projector(track, j, origin_px=(x0, y0))
            p = {key: v[j] for key, v in pts.items()}
            buf[:] = 0
            sbuf[:] = 0
            cbuf[:] = 0
            draw_shadows(sbuf, cbuf, prj, p, s, self.sun_xz)
            draw_athlete(buf, prj, p, self.near, look, body)
            layer_sum += buf
            sun_sum += sbuf
            contact_sum += cbuf
        norm = np.float32(1.0 / (255.0 * m))
        layer = layer_sum * norm
        sun = sun_sum * (norm * np.float32(self.params.shadow_opacity))
        contact = contact_sum * (norm * np.float32(self.params.contact_shadow_opacity))
        # soften the shadows by their penumbra, measured on the ground under the pelvis
        prj = Projector(track, m // 2, origin_px=(x0, y0))
        pel = pts["pelvis"][m // 2]
        g = prj(np.array([[pel[0], 0, 0], [pel[0] + 0.1, 0, 0], [pel[0], 0, 0.1]]))
        per_m_x = float(np.hypot(*(g[1] - g[0]))) / 0.1
        per_m_z = float(np.hypot(*(g[2] - g[0]))) / 0.1
        for mask, soft in ((sun, self.params.shadow_penumbra_m),
                           (contact, CONTACT_SHADOW_SOFT_M)):
            sx, sy = max(soft * per_m_x, 0.3), max(soft * per_m_z, 0.3)
            cv2.GaussianBlur(mask, (0, 0), sigmaX=sx, sigmaY=sy, dst=mask,
                             borderType=cv2.BORDER_CONSTANT)
        keep = (1.0 - sun) * (1.0 - contact) * (1.0 - layer[..., 3])
        crop = img[y0:y1, x0:x1].astype(np.float32)
        out = crop * keep[..., None] + 255.0 * layer[..., :3]
        img[y0:y1, x0:x1] = np.clip(out + 0.5, 0, 255).astype(np.uint8)


def render_frames(run, params: RenderParams | None = None, look: Look | None = None,
                  frames=None) -> Iterator[np.ndarray]:
    """RGB uint8 images (height, width, 3) of the run's frames (all, or ``frames``)."""
    r = FrameRenderer(run, params, look)
    for k in frames if frames is not None else range(run.n_frames):
        yield r.frame(int(k))


def encode_mp4(images, path: str | Path, fps: int, crf: int = 23,
               preset: str = "medium") -> tuple[int, str]:
    """Encode RGB images to H.264 mp4 at a constant ``fps`` (pts = k / fps exactly).

    Returns (frames written, encoder name)."""
    import av
    from av.video.stream import VideoStream

    path = Path(path)
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    encoder = pick_encoder()
    n = 0
    with av.open(str(tmp), "w", format="mp4") as container:
        stream: VideoStream | None = None
        for img in images:
            if stream is None:
                added = container.add_stream(encoder, rate=fps)
                if not isinstance(added, VideoStream):
                    raise TypeError(f"encoder {encoder!r} did not give a video stream")
                stream = added
                stream.height, stream.width = img.shape[:2]
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = Fraction(1, fps)
                if encoder == "libx264":
                    # without macroblock-tree rate control: with it this x264 build's output
                    # varies from run to run at some frame sizes (720x1280, 426x240, ...)
                    stream.options = {"crf": str(crf), "preset": preset,
                                      "x264-params": "mbtree=0"}
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


def render_clip(run, out_path: str | Path, look: Look | None = None,
                params: RenderParams | None = None, crf: int = 23,
                include_landmarks: bool = True, progress: bool = False) -> Path:
    """Render ``run`` to ``out_path`` (.mp4) and write ``<stem>.truth.json`` next to it (with a
    ``render`` entry saying how the clip looks: version, kit, skin tone, track, shutter)."""
    from stridecam.simulate.truth import write_truth

    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    r = FrameRenderer(run, params, look)
    frames = (r.frame(k) for k in range(run.n_frames))
    if progress:
        frames = _progress(frames, run.n_frames)
    n, encoder = encode_mp4(frames, out_path, run.fps, crf=crf)
    run.extras["render"] = {**r.info(), "encoder": encoder, "frames": n, "crf": crf,
                            "seconds": round(time.perf_counter() - t0, 2)}
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
