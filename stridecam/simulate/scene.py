"""The track scene behind the athlete, drawn by warping textured world planes per frame.

- Ground plane (y = 0): running track (rubber of a colour from ``looks.TRACK_SURFACES``, white
  lane lines 1.22 m apart, the athlete in the middle of a lane at z = 0, small marks every 5 m)
  with infield grass (mown stripes) on the camera side and a grass strip beyond the track.
- Granular rubber: a brightness texture on the track made of Gaussian grain at several scales
  (``GRAIN_OCTAVES``, 1.5 mm granules to 25 cm patches), synthesised once per run in the Fourier
  domain at a resolution matched to the camera (about two texels per image pixel where the
  athlete runs), band-limited as the camera would see it (the granules finer than a pixel only
  add their pixel-averaged variance), periodic along the lane (``GRAIN_PERIOD_TEXELS``) and kept
  as a small pyramid across the lane so that the farther, more foreshortened rows do not alias.
- Backdrop plane (z = -side * BACKDROP_DEPTH_M): advertising boards, stands and sky.

Textures are made once per run from a seeded generator (deterministic) and mapped into each
frame with the camera's plane homography (``cv2.warpPerspective``), so a panning camera sees the
ground and boards slide by, and a planted foot stands still on the grain.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stridecam.simulate.camera import CameraTrack
from stridecam.simulate.params import CameraParams

RES_M = 0.02
BACKDROP_DEPTH_M = 7.0  # behind the running line, on the far side from the camera
BACKDROP_HEIGHT_M = 14.0
LANE_WIDTH_M = 1.22
TRACK_FAR_EDGE_M = 4.3  # track extends this far beyond the running line (far side)
TRACK_NEAR_EDGE_M = 6.7  # and this far towards the camera
#: rubber grain: (Gaussian blob size sigma in metres, brightness standard deviation it adds if
#: seen at full resolution); the camera sees the pixel-averaged part of the fine ones
GRAIN_OCTAVES = ((0.0015, 0.30), (0.004, 0.14), (0.008, 0.10), (0.016, 0.08), (0.032, 0.06),
                 (0.064, 0.05), (0.128, 0.04), (0.256, 0.03))
GROUND_LEVELS = 5  # pyramid levels of the ground colour across the lane (2 cm .. 32 cm)
GRAIN_PERIOD_TEXELS = 8192  # the grain repeats along the lane every this many texels
GRAIN_LEVELS = 4  # pyramid levels across the lane (each halves the resolution)
GRAIN_MAX_TEXELS = 16 * 2**20
#: texel size limits (m) along the lane (x) and across it (z)
GRAIN_RES_X_M = (0.001, 0.01)
GRAIN_RES_Z_M = (0.001, 0.08)
#: camera blur (Gaussian sigma, pixels) the grain is band-limited to
CAMERA_PSF_PX = 0.5


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    """Smooth noise in [-1, 1] with features of about ``scale_px`` texels."""
    small = (max(2, int(shape[0] / scale_px)), max(2, int(shape[1] / scale_px)))
    coarse = rng.standard_normal(small).astype(np.float32)
    n = cv2.resize(coarse, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return n / (np.abs(n).max() + 1e-6)


@dataclass(frozen=True)
class Grain:
    """The rubber's brightness grain: ``levels[k]`` (rows, GRAIN_PERIOD_TEXELS) float32 (factor
    - 1, contrast applied) with texels ``res_x_m`` along the lane and ``res_z_m * 2**k`` across
    it; row 0 at w = ``w0_m``, periodic along x from x = ``x0_m``."""

    levels: tuple[np.ndarray, ...]
    res_x_m: float
    res_z_m: float
    x0_m: float
    w0_m: float

    def texel_map(self, k: int, x_shift_m: float, side: float) -> np.ndarray:
        """Texel (col, row) of level k -> ground plane (x, z), x counted from ``x_shift_m``."""
        rz = self.res_z_m * 2**k
        return np.array([[self.res_x_m, 0, x_shift_m],
                         [0, side * rz, side * (self.w0_m + 0.5 * (rz - self.res_z_m))],
                         [0, 0, 1.0]])


@dataclass(frozen=True)
class Scene:
    """Textures and their placement: ground texel (col, row) -> (x, w) with w = side * z.

    ``ground[k]`` (rows / 2**k, cols, 4) uint8: RGB and, in the 4th channel, 255 where the
    ground is track rubber (the grain applies) and 0 on lines and grass; level k averages 2**k
    rows of level 0 (texels ``RES_M`` along the lane, ``RES_M * 2**k`` across it)."""

    ground: tuple[np.ndarray, ...]
    backdrop: np.ndarray
    x0_m: float
    w0_m: float  # ground: w at row 0 (far edge)
    side: float  # +1 camera at +z (runs left to right), -1 at -z
    grain: Grain | None = None

    def ground_map(self, k: int) -> np.ndarray:
        """Ground texel (col, row) of level k -> plane (x, z)."""
        r = RES_M * 2**k
        return np.array([[RES_M, 0, self.x0_m],
                         [0, self.side * r, self.side * (self.w0_m + 0.5 * (r - RES_M))],
                         [0, 0, 1.0]])

    def render(self, track: CameraTrack, i: int) -> np.ndarray:
        """RGB background (h, w, 3) uint8 for time index ``i`` of ``track``."""
        w, h = track.width_px, track.height_px
        # backdrop: texel (col, row) -> (x, y) on plane z = -side * depth, row 0 at the top
        a_back = np.array([[RES_M, 0, self.x0_m], [0, -RES_M, BACKDROP_HEIGHT_M], [0, 0, 1.0]])
        hb = track.image_to_plane_homography(i, -self.side * BACKDROP_DEPTH_M) @ a_back
        img = cv2.warpPerspective(self.backdrop, hb, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        hp = track.image_to_plane_homography(i, None)
        r0 = self._ground_top_row(hp, w, h)
        if r0 >= h:
            return img
        # every ground row from the pyramid level matching its footprint across the lane (the
        # footprint grows monotonically up the image, so each level covers a band of rows)
        dz = _row_footprint_m(hp, w, r0, h)
        nr = h - r0
        acc = np.zeros((nr, w, 4), np.float32)
        lev = np.clip(np.log2(dz / RES_M), 0, len(self.ground) - 1)
        for k, tex in enumerate(self.ground):
            wk = np.maximum(0.0, 1.0 - np.abs(lev - k)).astype(np.float32)
            band = np.flatnonzero(wk)
            if band.size == 0:
                continue
            a, b = int(band[0]), int(band[-1]) + 1
            dst = np.zeros((b - a, w, 4), np.uint8)
            dst[..., :3] = img[r0 + a:r0 + b]
            shift = np.array([[1, 0, 0], [0, 1, -(r0 + a)], [0, 0, 1.0]])
            cv2.warpPerspective(tex, shift @ hp @ self.ground_map(k), (w, b - a), dst=dst,
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_TRANSPARENT)
            if wk[a:b].min() == 1.0:
                acc[a:b] += dst
            else:
                acc[a:b] += dst * wk[a:b, None, None]
        weight = acc[..., 3] * (1 / 255)
        grain = self.grain
        if grain is not None and weight.any():
            rows = self._grain_rows(grain, track, i, hp, r0, h, dz)
            acc[..., :3] *= (1.0 + weight * rows)[..., None]
        img[r0:] = np.clip(acc[..., :3] + 0.5, 0, 255).astype(np.uint8)
        return img

    def _ground_top_row(self, hp: np.ndarray, w: int, h: int) -> int:
        """First image row that can show ground: the far edge (w = w0) at the image's sides."""
        inv = np.linalg.inv(hp)
        zf = self.side * self.w0_m
        top = h
        for u in (0.0, w - 1.0):
            # plane z / plane scale = zf is linear in v: (inv[1] - zf inv[2]) . (u, v, 1) = 0
            a = inv[1] - zf * inv[2]
            if abs(a[1]) < 1e-12:
                return 0
            top = min(top, int(np.floor(-(a[0] * u + a[2]) / a[1])) - 1)
        return int(np.clip(top, 0, h))

    def _grain_rows(self, gr: Grain, track: CameraTrack, i: int, hp: np.ndarray, r0: int,
                    r1: int, dz: np.ndarray) -> np.ndarray:
        """Grain ``gr`` (factor - 1) for image rows r0..r1-1, each row from the pyramid level
        that matches its footprint across the lane ``dz`` (m)."""
        w = track.width_px
        # where the optical axis meets the running line: the periodic grain is shifted by whole
        # periods so that the texels in view have small coordinates (OpenCV maps are 16-bit)
        c, fwd = track.center_m, track.forward[i]
        x_axis = c[0] - c[2] * fwd[0] / fwd[2] if abs(fwd[2]) > 1e-9 else c[0]
        period = GRAIN_PERIOD_TEXELS * gr.res_x_m
        x_shift = gr.x0_m + np.floor((x_axis - gr.x0_m) / period) * period
        lev = np.clip(np.log2(dz / (2 * gr.res_z_m)), 0, len(gr.levels) - 1)
        out = np.zeros((r1 - r0, w), np.float32)
        for k, tex in enumerate(gr.levels):
            wk = np.maximum(0.0, 1.0 - np.abs(lev - k)).astype(np.float32)
            band = np.flatnonzero(wk)
            if band.size == 0:
                continue
            a, b = int(band[0]), int(band[-1]) + 1
            shift = np.array([[1, 0, 0], [0, 1, -(r0 + a)], [0, 0, 1.0]])
            hk = shift @ hp @ gr.texel_map(k, x_shift, self.side)
            gk = cv2.warpPerspective(tex, hk, (w, b - a), flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_WRAP)
            out[a:b] += gk * wk[a:b, None]
        return out


def _row_footprint_m(hp: np.ndarray, w: int, r0: int, r1: int) -> np.ndarray:
    """Ground distance across the lane (m) spanned by each image row r0..r1-1 at the image's
    centre column (rows that miss the ground get a large value)."""
    inv = np.linalg.inv(hp)
    v = np.arange(r0, r1 + 1, dtype=np.float64)
    q = inv @ np.stack([np.full_like(v, 0.5 * w), v, np.ones_like(v)])
    ok = q[2] * np.sign(q[2][-1]) > 1e-12
    z = q[1] / np.where(ok, q[2], 1.0)
    dz = np.abs(np.diff(z))
    dz[~(ok[1:] & ok[:-1])] = 1e3
    return np.maximum(dz, 1e-9)


def grain_resolution(camera: CameraParams) -> tuple[float, float, float, float]:
    """Grain texel sizes (along, across the lane) in metres, about half the ground footprint of
    a pixel on the running line seen square from ``camera``, and that footprint (along,
    across)."""
    from stridecam.simulate.camera import focal_px

    f = focal_px(camera)
    d, h = camera.distance_m, max(camera.height_m, 0.2)
    along = d / f
    across = (d * d + h * h) / (f * h)
    rx = float(np.clip(along / 2, *GRAIN_RES_X_M))
    rz = float(np.clip(across / 2, max(rx, GRAIN_RES_Z_M[0]), GRAIN_RES_Z_M[1]))
    rows_max = GRAIN_MAX_TEXELS // GRAIN_PERIOD_TEXELS
    rz = max(rz, (TRACK_FAR_EDGE_M + TRACK_NEAR_EDGE_M) / rows_max)
    return rx, rz, along, across


def make_grain(rng: np.random.Generator, camera: CameraParams, x0_m: float,
               contrast: float) -> Grain | None:
    """The rubber grain for ``camera`` (None when ``contrast`` is 0)."""
    if contrast <= 0:
        return None
    rx, rz, along, across = grain_resolution(camera)
    w0 = -TRACK_FAR_EDGE_M - 0.1
    nz = int(np.ceil((TRACK_FAR_EDGE_M + TRACK_NEAR_EDGE_M + 0.2) / rz)) + 1
    nz += (-nz) % 2 ** (GRAIN_LEVELS - 1)
    nx = GRAIN_PERIOD_TEXELS
    white = rng.standard_normal((nz, nx))
    spec = np.fft.rfft2(white)
    fz = np.fft.fftfreq(nz, d=rz)[:, None]
    fx = np.fft.rfftfreq(nx, d=rx)[None, :]
    f2 = fx * fx + fz * fz
    area = rx * rz
    psd = np.zeros(f2.shape)
    for sigma, std in GRAIN_OCTAVES:
        psd += std * std * (4 * np.pi * sigma * sigma / area) * np.exp(
            -4 * np.pi**2 * sigma * sigma * f2)
    # the camera's blur: sigma CAMERA_PSF_PX pixels at the running line, in each direction
    sx, sz = CAMERA_PSF_PX * along, CAMERA_PSF_PX * across
    psf = np.exp(-2 * np.pi**2 * (sx * sx * fx * fx + sz * sz * fz * fz))
    g = np.fft.irfft2(spec * np.sqrt(psd) * psf, s=(nz, nx)) * contrast
    g = np.clip(g, -0.7, 0.8).astype(np.float32)
    levels = [g]
    for _ in range(GRAIN_LEVELS - 1):
        prev = levels[-1]
        levels.append(0.5 * (prev[0::2] + prev[1::2]))
    return Grain(tuple(levels), rx, rz, x0_m, w0)


def make_scene(x_min_m: float, x_max_m: float, camera: CameraParams, side: float, seed: int,
               track_rgb: tuple[int, int, int] = (176, 72, 52),
               grain_contrast: float = 1.0) -> Scene:
    """Textures covering x in [x_min_m, x_max_m] for ``camera`` (``distance_m`` away)."""
    rng = np.random.default_rng(seed + 7919)
    ncol = int((x_max_m - x_min_m) / RES_M) + 1
    w0 = -BACKDROP_DEPTH_M
    w1 = camera.distance_m - 0.4
    nrow = int((w1 - w0) / RES_M) + 1
    ground, rubber = _ground(rng, nrow, ncol, x_min_m, w0, track_rgb)
    backdrop = _backdrop(rng, ncol, x_min_m)
    grain = make_grain(np.random.default_rng(seed + 104723), camera, x_min_m, grain_contrast)
    levels = [np.dstack([ground, rubber])]
    for _ in range(GROUND_LEVELS - 1):
        prev = levels[-1]
        nr = prev.shape[0] // 2 * 2
        levels.append(((prev[0:nr:2].astype(np.uint16) + prev[1:nr:2] + 1) // 2).astype(np.uint8))
    return Scene(tuple(levels), backdrop, x_min_m, w0, side, grain)


def _ground(rng, nrow: int, ncol: int, x0: float, w0: float,
            track_rgb: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    x = x0 + np.arange(ncol) * RES_M
    wv = w0 + np.arange(nrow) * RES_M
    img = np.empty((nrow, ncol, 3), np.float32)
    # grass everywhere first: mown stripes 2.5 m wide along x plus soft noise
    stripe = ((np.floor(x / 2.5) % 2) * 2 - 1)[None, :] * 0.06
    g = 1.0 + stripe + 0.08 * _noise(rng, (nrow, ncol), 40) + 0.05 * _noise(rng, (nrow, ncol), 6)
    grass = np.array([70, 128, 58], np.float32)
    img[:] = grass[None, None, :] * g[..., None]
    on_track = (wv >= -TRACK_FAR_EDGE_M) & (wv <= TRACK_NEAR_EDGE_M)
    rows = np.flatnonzero(on_track)
    r0, r1 = rows[0], rows[-1] + 1
    tr = np.array(track_rgb, np.float32)
    # large, faint patches of wear (the fine grain is the separate, camera-matched texture)
    wear = 1.0 + 0.04 * _noise(rng, (r1 - r0, ncol), 60) + 0.03 * _noise(rng, (r1 - r0, ncol), 15)
    img[r0:r1] = tr[None, None, :] * wear[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    rubber = np.zeros((nrow, ncol), np.uint8)
    rubber[r0:r1] = 255
    white = (236, 236, 230)
    line_px = max(1, int(round(0.05 / RES_M)))
    k = np.arange(-8, 10)
    for lw in LANE_WIDTH_M / 2 + k * LANE_WIDTH_M:
        if -TRACK_FAR_EDGE_M <= lw <= TRACK_NEAR_EDGE_M:
            r = int(round((lw - w0) / RES_M))
            img[r:r + line_px] = white
            rubber[r:r + line_px] = 0
    # marks across each lane every 5 m (short ticks) and a coloured dot every 10 m
    for xm in np.arange(np.ceil(x0 / 5) * 5, x[-1], 5.0):
        c = int(round((xm - x0) / RES_M))
        for lw in LANE_WIDTH_M / 2 + k * LANE_WIDTH_M:
            if -TRACK_FAR_EDGE_M <= lw <= TRACK_NEAR_EDGE_M:
                r = int(round((lw - w0) / RES_M))
                cv2.rectangle(img, (c - 2, r - 12), (c + 2, r), white, -1)
                cv2.rectangle(rubber, (c - 2, r - 12), (c + 2, r), 0, -1)
        if int(round(xm)) % 10 == 0:
            colour = (250, 210, 40) if int(round(xm)) % 20 == 0 else (60, 120, 230)
            r = int(round((LANE_WIDTH_M / 2 - 0.3 - w0) / RES_M))
            cv2.circle(img, (c, r), 5, colour, -1, cv2.LINE_AA)
            cv2.circle(rubber, (c, r), 5, 0, -1, cv2.LINE_AA)
    return img, rubber


def _backdrop(rng, ncol: int, x0: float) -> np.ndarray:
    nrow = int(BACKDROP_HEIGHT_M / RES_M)
    y = BACKDROP_HEIGHT_M - np.arange(nrow) * RES_M  # height of each row, top row first
    img: np.ndarray = np.empty((nrow, ncol, 3), np.float32)  # float32, later uint8
    sky_top, sky_low = np.array([112, 160, 220], np.float32), np.array([196, 218, 238], np.float32)
    f = np.clip((y - 2.0) / (BACKDROP_HEIGHT_M - 2.0), 0, 1)[:, None]
    img[:] = (sky_low * (1 - f) + sky_top * f)[:, None, :]
    # clouds: soft white blobs in the upper sky
    cl = np.clip(_noise(rng, (nrow, ncol), 90) * 1.6 - 0.5, 0, 1) * (y > 6.0)[:, None]
    img = img * (1 - cl[..., None] * 0.6) + 250 * cl[..., None] * 0.6
    # stands: light concrete steps 1.3 .. 4.5 m with rows of seats (blocks of colour, gaps)
    stand = (y >= 1.3) & (y < 4.5)
    concrete = 1.0 + 0.05 * _noise(rng, (int(stand.sum()), ncol), 5)
    img[stand] = np.array([188, 186, 178], np.float32)[None, None, :] * concrete[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    rows_stand = np.flatnonzero(stand)
    step_px = int(0.45 / RES_M)
    seat_w = int(0.45 / RES_M)
    for r in range(rows_stand[0], rows_stand[-1], step_px):
        img[r:r + 2] = (150, 148, 140)
        c = 0
        while c < ncol:
            if rng.random() < 0.8:
                colour = (70, 100, 150) if rng.random() < 0.85 else (200, 60, 50)
                img[r + 4:r + step_px - 6, c + 2:c + seat_w - 2] = colour
            c += seat_w
    img[rows_stand[0]:rows_stand[0] + 6] = (120, 120, 118)
    # advertising boards 0 .. 1.0 m: panels 3-5 m wide in varied colours with "lettering"
    colours = [(20, 60, 160), (230, 230, 230), (200, 30, 40), (250, 200, 0), (20, 120, 70),
               (30, 30, 30), (0, 150, 200)]
    r_top = int((BACKDROP_HEIGHT_M - 1.0) / RES_M)
    c = 0
    while c < ncol:
        wpx = int(rng.uniform(3.0, 5.0) / RES_M)
        col = colours[int(rng.integers(len(colours)))]
        img[r_top:, c:c + wpx] = col
        ink = (255, 255, 255) if sum(col) < 400 else (20, 20, 20)
        cc = c + 12
        while cc < c + wpx - 20:
            lw = int(rng.integers(8, 22))
            cv2.rectangle(img, (cc, r_top + 14), (cc + lw, r_top + 36), ink, -1)
            cc += lw + int(rng.integers(4, 10))
        img[r_top:, c:c + 2] = (90, 90, 90)
        c += wpx
    # a fence rail above the boards
    r_rail = int((BACKDROP_HEIGHT_M - 1.25) / RES_M)
    img[r_rail:r_rail + 3] = (150, 150, 150)
    for cpost in range(0, ncol, int(2.5 / RES_M)):
        img[r_rail:r_top, cpost:cpost + 3] = (150, 150, 150)
    return img
