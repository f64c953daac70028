"""Clean a ``Poses`` into a ``Track`` (pure numpy/scipy).

Order of work, each step a function of its own:
1. reject isolated outliers (Hampel filter, per coordinate);
2. resample to a uniform time grid (variable frame timing would skew filters and events),
   filling gaps shorter than ``max_gap_s`` by linear interpolation, leaving longer ones NaN;
3. low-pass each unbroken stretch separately (zero-phase Butterworth);
4. find the running direction, the ground line, the leg length and the scale;
5. remove camera panning / treadmill belt motion (``ground.camera_shift_px``);
6. express every point as (forward, up) above the ground line in metres or leg lengths.

The tracker's left/right labels are kept as they are: repairing them frame by frame from
continuity was measured to make MediaPipe's feet worse on rendered clips (62 wrongly labelled
frames of 360 became 155: its swaps come with blended in-between frames that break continuity).
The stages downstream do not trust the labels instead: contacts come from the lowest point of
either foot and are named by alternation (``events``), swing-leg values from the envelopes of
both thighs (``metrics``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from stridecam.analysis import scale as scale_mod
from stridecam.analysis.ground import (
    GroundLine,
    camera_shift_px,
    fit_ground_line,
    foot_speed_rel_hip,
    lowest_foot_point,
    rolling_ground_y,
    rolling_leg_px,
    rough_stance,
    runs,
)
from stridecam.model.errors import ConfigError
from stridecam.model.landmarks import IDX
from stridecam.model.poses import Flag, Poses
from stridecam.model.settings import Calibration, CleanSettings
from stridecam.model.track import CameraModel, Cleaning, Scale, Track, hip_mid_x


def hampel(x: np.ndarray, half_window: int = 3, n_sigmas: float = 5.0,
           min_dev: float = 0.0) -> np.ndarray:
    """Boolean mask of outliers in a 1-D series: further than ``n_sigmas`` robust SDs (and
    ``min_dev``) from the median of the surrounding ``2 * half_window + 1`` samples."""
    n = len(x)
    out = np.zeros(n, dtype=bool)
    if n < 2 * half_window + 1:
        return out
    windows = np.lib.stride_tricks.sliding_window_view(
        np.pad(x, half_window, mode="edge"), 2 * half_window + 1)
    finite = np.isfinite(windows).sum(axis=1) >= half_window + 1
    med = np.full(n, np.nan)
    mad = np.full(n, np.nan)
    med[finite] = np.nanmedian(windows[finite], axis=1)
    mad[finite] = np.nanmedian(np.abs(windows[finite] - med[finite, None]), axis=1)
    dev = np.abs(x - med)
    with np.errstate(invalid="ignore"):
        out = finite & np.isfinite(x) & (dev > np.maximum(n_sigmas * 1.4826 * mad, min_dev))
    return out


def resample(time_s: np.ndarray, values: np.ndarray, dt: float,
             max_gap_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Resample ``values`` (n, ...) at times ``time_s`` onto a uniform grid of step ``dt``.

    Each column is linearly interpolated between its finite samples; grid points inside a gap
    longer than ``max_gap_s`` stay NaN. Returns (grid times, resampled values (m, ...), index of
    the nearest source sample for each grid point).
    """
    m = int(np.floor((time_s[-1] - time_s[0]) / dt + 1e-6)) + 1
    grid = time_s[0] + dt * np.arange(m)
    flat = values.reshape(len(time_s), -1)
    out = np.full((m, flat.shape[1]), np.nan)
    for j in range(flat.shape[1]):
        ok = np.isfinite(flat[:, j])
        if ok.sum() < 2:
            continue
        t_ok = time_s[ok]
        out[:, j] = np.interp(grid, t_ok, flat[ok, j], left=np.nan, right=np.nan)
        k = np.clip(np.searchsorted(t_ok, grid), 1, len(t_ok) - 1)
        gap = t_ok[k] - t_ok[k - 1]
        exact = np.isclose(grid, t_ok[k]) | np.isclose(grid, t_ok[k - 1])
        out[(gap > max_gap_s + 1e-9) & ~exact, j] = np.nan
    nearest = np.clip(np.searchsorted(time_s, grid), 0, len(time_s) - 1)
    prev = np.clip(nearest - 1, 0, None)
    nearest = np.where(np.abs(time_s[prev] - grid) <= np.abs(time_s[nearest] - grid), prev, nearest)
    return grid, out.reshape((m,) + values.shape[1:]), nearest


def lowpass(x: np.ndarray, fps: float, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """Zero-phase Butterworth low-pass of each unbroken (finite) stretch of a 1-D series.

    Stretches too short to filter, and rates too low for the cutoff, are returned unchanged.
    """
    if cutoff_hz >= 0.45 * fps:
        return x
    sos = butter(order, cutoff_hz, fs=fps, output="sos")
    out = x.copy()
    min_len = 3 * (2 * len(sos) + 1) + 1
    for start, stop in runs(np.isfinite(x)):
        if stop - start >= min_len:
            out[start:stop] = sosfiltfilt(sos, x[start:stop])
    return out


def running_direction(xy_px: np.ndarray, leg_px: float = float("nan")) -> tuple[int, float]:
    """+1 if the athlete runs to the image's right, -1 to the left; and how sure (0..1).

    When the hips travel more than two leg lengths across the image (a still camera), that
    travel is the direction. Otherwise (a camera following the athlete, a treadmill) the feet
    tell: the toe ahead of the heel, which holds on about 70-95% of frames (not in the
    heel-flick of swing, and poorly for small athletes).
    """
    hip = hip_mid_x(xy_px)
    ok = np.isfinite(hip)
    if ok.sum() >= 10 and np.isfinite(leg_px):
        k = max(3, int(ok.sum()) // 5)
        travel = float(np.median(hip[ok][-k:]) - np.median(hip[ok][:k]))
        if abs(travel) > 2 * leg_px:
            return (1 if travel > 0 else -1), 1.0
    d = np.concatenate([xy_px[:, IDX[f"{s}_foot_index"], 0] - xy_px[:, IDX[f"{s}_heel"], 0]
                        for s in ("left", "right")])
    d = d[np.isfinite(d)]
    if d.size == 0:
        return 1, 0.0
    right = float(np.mean(d > 0))
    return (1, right) if right >= 0.5 else (-1, 1.0 - right)


def choose_scale(xy_px: np.ndarray, calib: Calibration, foot_at_px: tuple[float, float]) -> Scale:
    """The best calibration available (rectangle > two points > height > leg lengths)."""
    leg_px, spread = scale_mod.leg_length_px(xy_px)
    if calib.ground_rect_px is not None and calib.ground_rect_m is not None:
        return scale_mod.from_ground_rectangle(leg_px, np.array(calib.ground_rect_px),
                                               calib.ground_rect_m, foot_at_px)
    if calib.two_points_px is not None and calib.two_points_m is not None:
        return scale_mod.from_two_points(leg_px, *calib.two_points_px, calib.two_points_m)
    if calib.height_m is not None:
        return scale_mod.from_height(leg_px, spread, calib.height_m)
    return scale_mod.in_leg_lengths(leg_px, spread)


def clean(poses: Poses, calib: Calibration = Calibration(),
          settings: CleanSettings = CleanSettings()) -> Track:
    """Turn tracked landmarks into a ground-frame ``Track`` (see the module docstring)."""
    s = settings
    if poses.n_frames < 3 or poses.detected.sum() < 3:
        return _empty_track(poses, [Flag("no_athlete", "error",
                                         "The athlete was found on fewer than 3 frames.")])
    leg_px, _ = scale_mod.leg_length_px(poses.xy_px)
    xy, n_out = reject_outliers(poses.xy_px, leg_px, s)
    dt = float(np.median(np.diff(poses.time_s)))
    grid, xy_g, nearest = resample(poses.time_s, xy, dt, s.max_gap_s)
    _, vis_g, _ = resample(poses.time_s, poses.visibility, dt, s.max_gap_s)
    fps = 1.0 / dt
    for j in range(xy_g.shape[1]):
        for c in range(2):
            xy_g[:, j, c] = lowpass(xy_g[:, j, c], fps, s.cutoff_hz)
    direction, agreement = running_direction(xy_g, leg_px)
    if s.direction != "auto":  # the user said so
        direction, agreement = (1 if s.direction == "left_to_right" else -1), 1.0
    ground = fit_ground_line(xy_g, grid, leg_px)
    cam = _camera_motion(grid, xy_g, ground, leg_px, direction, crosses=agreement == 1.0, s=s)
    flags = []
    if cam.moving:
        flags.append(Flag(
            "moving_camera_or_treadmill", "info",
            "The stance foot moves in the image: camera panning (or a treadmill belt) was "
            "estimated from the feet in contact and removed."))
    foot_pts = np.concatenate([xy_g[:, IDX["left_foot_index"]], xy_g[:, IDX["right_foot_index"]]])
    foot_at = tuple(np.nanmedian(foot_pts, axis=0)) if np.isfinite(foot_pts).any() else (0.0, 0.0)
    sc = choose_scale(xy_g, calib, foot_at)
    if sc.units == "leg":
        flags.append(Flag("no_scale", "warning",
                          "No height or distance was given: lengths are in leg lengths, "
                          "not metres."))
    out, shift, camera = _ground_frame(grid, xy_g, cam, sc, direction, poses.frame_size_px[0])
    cleaning = Cleaning(
        n_outliers_removed=n_out, direction_agreement=float(agreement),
        ground_slope=float(ground.slope), ground_points=int(ground.n_points),
        camera_moving=bool(cam.moving), pan_ratio=float(cam.pan_ratio), grid_fps=float(fps),
        camera_model=_camera_meta(camera))
    return Track(time_s=grid, xy=out, visibility=vis_g, scale=sc, direction=direction,
                 camera_shift_px=shift, frame_of_sample=nearest,
                 flags=tuple(flags), cleaning=cleaning)


def reject_outliers(xy_px: np.ndarray, leg_px: float,
                    s: CleanSettings = CleanSettings()) -> tuple[np.ndarray, int]:
    """A copy of ``xy_px`` with isolated outliers (``hampel``, per landmark and coordinate) set
    to NaN, and how many values were removed."""
    xy = xy_px.copy()
    n_out = 0
    for j in range(xy.shape[1]):
        for c in range(2):
            bad = hampel(xy[:, j, c], s.outlier_half_window, s.outlier_sigmas,
                         min_dev=s.outlier_min_leg * leg_px)
            n_out += int(bad.sum())
            xy[bad, j, c] = np.nan
    return xy, n_out


@dataclass(frozen=True)
class _CameraMotion:
    """What the stance feet say about the camera: image y of the ground under every point
    (n, 33), the athlete's leg length in px over time, the rough stance mask, the horizontal
    shift removed (px), whether the camera (or a belt) moved and the pan / athlete speed ratio."""

    ground_y: np.ndarray
    leg_px: np.ndarray
    stance: np.ndarray
    shift_px: np.ndarray
    moving: bool
    pan_ratio: float


def _camera_motion(grid: np.ndarray, xy_g: np.ndarray, ground: GroundLine, leg_px: float,
                   direction: int, *, crosses: bool, s: CleanSettings) -> _CameraMotion:
    n = len(grid)
    ground_y = ground.y_at(xy_g[:, :, 0])
    leg_t = np.full(n, leg_px)
    rel = {side: foot_speed_rel_hip(xy_g, grid, side) for side in ("left", "right")}
    stance = rough_stance(_foot_heights(xy_g, ground_y), leg_px, rel, direction,
                          threshold_leg=s.flat_foot_leg)
    shift, moving, pan_ratio = (camera_shift_px(grid, xy_g, stance, crosses_frame=crosses)
                                if s.remove_camera_motion else (np.zeros(n), False, 0.0))
    if moving:
        # a turning camera sees the ground line and the athlete's size change over time
        ground_y = np.repeat(rolling_ground_y(xy_g, grid, leg_px)[:, None], xy_g.shape[1], axis=1)
        leg_t = rolling_leg_px(xy_g, grid)
        stance = rough_stance(_foot_heights(xy_g, ground_y), leg_t, rel, direction,
                              threshold_leg=s.flat_foot_leg)
        shift, moving, pan_ratio = camera_shift_px(grid, xy_g, stance, crosses_frame=crosses)
    return _CameraMotion(ground_y, leg_t, stance, shift, bool(moving), float(pan_ratio))


def _ground_frame(grid: np.ndarray, xy_g: np.ndarray, cam: _CameraMotion, sc: Scale,
                  direction: int, width_px: int
                  ) -> tuple[np.ndarray, np.ndarray, scale_mod.TurningCamera | None]:
    """(forward/up coordinates, camera shift px, fitted turning camera or None)."""
    n = len(grid)
    camera = (scale_mod.fit_turning_camera(grid, xy_g, cam.stance, width_px / 2.0, width_px,
                                           direction, cam.leg_px) if cam.moving else None)
    per_px = sc.units_per_px * (sc.leg_length_px / cam.leg_px if cam.moving else np.ones(n))
    if camera is not None:
        out = turning_camera_ground_frame(camera, xy_g, cam.ground_y, sc.leg_length, direction)
        out[:, :, 1] = (cam.ground_y - xy_g[:, :, 1]) * per_px[:, None]
        return out, camera.angle_px, camera
    # Fallback (too few contacts to fit the camera): the athlete's size relative to its largest
    # as cos(bearing), the lane's foreshortening.
    cos_theta = np.clip(cam.leg_px / np.nanmax(cam.leg_px), 0.3, 1.0) if cam.moving else np.ones(n)
    out = to_ground_frame(grid, xy_g, cam.ground_y, cam.shift_px, per_px, direction, cos_theta)
    return out, cam.shift_px, None


def _foot_heights(xy_px: np.ndarray, ground_y: np.ndarray) -> dict[str, np.ndarray]:
    """Height (px, up) of each foot's lowest point above the ground, per frame."""
    rows = np.arange(len(xy_px))
    out = {}
    for side in ("left", "right"):
        heel, toe = (IDX[f"{side}_heel"], IDX[f"{side}_foot_index"])
        low = lowest_foot_point(xy_px, side)
        use_toe = low[:, 1] == xy_px[:, toe, 1]
        out[side] = np.where(use_toe, ground_y[rows, toe], ground_y[rows, heel]) - low[:, 1]
    return out


def to_ground_frame(time_s: np.ndarray, xy_px: np.ndarray, ground_y: np.ndarray,
                    shift_px: np.ndarray, per_px: np.ndarray, direction: int,
                    cos_theta: np.ndarray | None = None) -> np.ndarray:
    """(n, 33, 2) forward/up coordinates in scale units from image pixels.

    The hip mid-point's forward position integrates its image velocity plus the camera's pan
    velocity, times the (possibly time-varying) scale ``per_px``; every other point is placed
    relative to the hip at that scale. Horizontal distances are divided by ``cos_theta``, the
    foreshortening of the lane seen obliquely. Heights are measured up from ``ground_y``. With a
    still camera and constant scale this is simply (x - x0) * scale.
    """
    per_px_x = per_px / (np.ones_like(per_px) if cos_theta is None else cos_theta)
    hip = hip_mid_x(xy_px)
    ok = np.isfinite(hip)
    hip_f = np.interp(time_s, time_s[ok], hip[ok]) if ok.any() else np.zeros(len(time_s))
    moved = hip_f + shift_px
    step = np.diff(moved) * 0.5 * (per_px_x[1:] + per_px_x[:-1])
    hip_world = direction * np.concatenate([[0.0], np.cumsum(step)])
    out = np.empty_like(xy_px)
    out[:, :, 0] = (hip_world[:, None]
                    + direction * (xy_px[:, :, 0] - hip_f[:, None]) * per_px_x[:, None])
    out[:, :, 1] = (ground_y - xy_px[:, :, 1]) * per_px[:, None]
    finite = out[:, :, 0][np.isfinite(out[:, :, 0])]
    if finite.size:
        out[:, :, 0] -= finite.min()
    return out


def turning_camera_ground_frame(camera: scale_mod.TurningCamera, xy_px: np.ndarray,
                                ground_y: np.ndarray, leg_length: float,
                                direction: int) -> np.ndarray:
    """(n, 33, 2) forward/up coordinates in the units of ``leg_length`` (the athlete's leg in
    metres, or 1) through a fitted ``TurningCamera``: every image x is mapped to its forward
    position on the running line (the athlete's plane), heights are measured up from
    ``ground_y`` at the vertical scale of the athlete's distance (the model's apparent leg
    length at the hips' image x)."""
    out = np.empty_like(xy_px)
    out[:, :, 0] = direction * camera.forward_leg(xy_px[:, :, 0]) * leg_length
    hip = hip_mid_x(xy_px)
    ok = np.isfinite(hip)
    hip = np.interp(np.arange(len(hip)), np.flatnonzero(ok), hip[ok]) if ok.any() else hip
    out[:, :, 1] = (ground_y - xy_px[:, :, 1]) * (leg_length / camera.leg_px(hip))[:, None]
    finite = out[:, :, 0][np.isfinite(out[:, :, 0])]
    if finite.size:
        out[:, :, 0] -= finite.min()
    return out


def _camera_meta(camera: scale_mod.TurningCamera | None) -> CameraModel | None:
    """What a fitted turning camera says in words and units (None without one)."""
    if camera is None:
        return None
    k = camera.inv_focal_px
    return CameraModel(
        focal_px=float(1.0 / k) if k > 0 else None,
        bearing_first_deg=float(np.degrees(k * camera.bearing0_px)),
        bearing_last_deg=float(np.degrees(k * (camera.bearing0_px + camera.angle_px[-1]))),
        distance_leg=float(1.0 / (k * camera.leg_px_square)) if k > 0 else None,
        leg_px_square_on=float(camera.leg_px_square),
        toe_height_leg=float(camera.toe_height_leg), size_fit_rms=float(camera.size_rms))


def _empty_track(poses: Poses, flags: list[Flag]) -> Track:
    n = 0
    return Track(time_s=np.zeros(n), xy=np.zeros((n, 33, 2)), visibility=np.zeros((n, 33)),
                 scale=Scale(float("nan"), "leg", "none", float("nan"), float("nan")),
                 direction=1, camera_shift_px=np.zeros(n), frame_of_sample=np.zeros(n, int),
                 flags=tuple(flags))


def within_range(poses: Poses, s: CleanSettings) -> Poses:
    """The frames of ``poses`` between ``s.start_s`` and ``s.end_s`` (seconds of capture time,
    both included); all of them by default. ``ConfigError`` when fewer than 8 frames are left."""
    if s.start_s <= 0 and s.end_s is None:
        return poses
    end = np.inf if s.end_s is None else s.end_s
    keep = (poses.time_s >= s.start_s - 1e-9) & (poses.time_s <= end + 1e-9)
    if keep.sum() < 8:
        raise ConfigError(
            f"{poses.source}: --start {s.start_s:g} / --end "
            f"{'end' if s.end_s is None else format(s.end_s, 'g')} keeps {int(keep.sum())} "
            f"frame(s) of a {poses.time_s[-1]:.2f} s clip; a run needs more")
    return poses.replace(time_s=poses.time_s[keep], frame_index=poses.frame_index[keep],
                         xy_px=poses.xy_px[keep], z_rel=poses.z_rel[keep],
                         visibility=poses.visibility[keep], world_m=poses.world_m[keep])
