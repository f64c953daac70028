"""The track scene behind the athlete, drawn by warping two textured world planes per frame.

- Ground plane (y = 0): running track (red rubber with fine grain, white lane lines 1.22 m
  apart, the athlete in the middle of a lane at z = 0, small marks every 5 m) with infield grass
  (mown stripes) on the camera side and a grass strip beyond the track.
- Backdrop plane (z = -side * BACKDROP_DEPTH_M): advertising boards, a hedge of trees and sky.

Textures are made once per run from a seeded generator (deterministic) at ``RES_M`` metres per
texel and mapped into each frame with the camera's plane homography (``cv2.warpPerspective``),
so a panning camera sees the ground and boards slide by.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stridecam.simulate.camera import CameraTrack

RES_M = 0.02
BACKDROP_DEPTH_M = 7.0  # behind the running line, on the far side from the camera
BACKDROP_HEIGHT_M = 14.0
LANE_WIDTH_M = 1.22
TRACK_FAR_EDGE_M = 4.3  # track extends this far beyond the running line (far side)
TRACK_NEAR_EDGE_M = 6.7  # and this far towards the camera


def _noise(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> np.ndarray:
    """Smooth noise in [-1, 1] with features of about ``scale_px`` texels."""
    small = (max(2, int(shape[0] / scale_px)), max(2, int(shape[1] / scale_px)))
    n = rng.standard_normal(small).astype(np.float32)
    n = cv2.resize(n, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return n / (np.abs(n).max() + 1e-6)


@dataclass(frozen=True)
class Scene:
    """Textures and their placement: ground texel (col, row) -> (x, w) with w = side * z."""

    ground: np.ndarray
    backdrop: np.ndarray
    x0_m: float
    w0_m: float  # ground: w at row 0 (far edge)
    side: float  # +1 camera at +z (runs left to right), -1 at -z

    def render(self, track: CameraTrack, i: int) -> np.ndarray:
        """RGB background (h, w, 3) uint8 for time index ``i`` of ``track``."""
        w, h = track.width_px, track.height_px
        # backdrop: texel (col, row) -> (x, y) on plane z = -side * depth, row 0 at the top
        a_back = np.array([[RES_M, 0, self.x0_m], [0, -RES_M, BACKDROP_HEIGHT_M], [0, 0, 1.0]])
        hb = track.image_to_plane_homography(i, -self.side * BACKDROP_DEPTH_M) @ a_back
        img = cv2.warpPerspective(self.backdrop, hb, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_REPLICATE)
        # ground: texel (col, row) -> (x, z) with z = side * (w0 + row * res)
        a_g = np.array([[RES_M, 0, self.x0_m], [0, self.side * RES_M, self.side * self.w0_m],
                        [0, 0, 1.0]])
        hg = track.image_to_plane_homography(i, None) @ a_g
        cv2.warpPerspective(self.ground, hg, (w, h), dst=img, flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_TRANSPARENT)
        return img


def make_scene(x_min_m: float, x_max_m: float, camera_distance_m: float, side: float,
               seed: int) -> Scene:
    """Textures covering x in [x_min_m, x_max_m] for a camera ``camera_distance_m`` away."""
    rng = np.random.default_rng(seed + 7919)
    ncol = int((x_max_m - x_min_m) / RES_M) + 1
    w0 = -BACKDROP_DEPTH_M
    w1 = camera_distance_m - 0.4
    nrow = int((w1 - w0) / RES_M) + 1
    ground = _ground(rng, nrow, ncol, x_min_m, w0)
    backdrop = _backdrop(rng, ncol, x_min_m)
    return Scene(ground, backdrop, x_min_m, w0, side)


def _ground(rng, nrow: int, ncol: int, x0: float, w0: float) -> np.ndarray:
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
    tr = np.array([176, 72, 52], np.float32)
    grain = 1.0 + 0.07 * _noise(rng, (r1 - r0, ncol), 3) + 0.05 * _noise(rng, (r1 - r0, ncol), 25)
    img[r0:r1] = tr[None, None, :] * grain[..., None]
    img = np.clip(img, 0, 255).astype(np.uint8)
    white = (236, 236, 230)
    line_px = max(1, int(round(0.05 / RES_M)))
    k = np.arange(-8, 10)
    for lw in LANE_WIDTH_M / 2 + k * LANE_WIDTH_M:
        if -TRACK_FAR_EDGE_M <= lw <= TRACK_NEAR_EDGE_M:
            r = int(round((lw - w0) / RES_M))
            img[r:r + line_px] = white
    # marks across each lane every 5 m (short ticks) and a coloured dot every 10 m
    for xm in np.arange(np.ceil(x0 / 5) * 5, x[-1], 5.0):
        c = int(round((xm - x0) / RES_M))
        for lw in LANE_WIDTH_M / 2 + k * LANE_WIDTH_M:
            if -TRACK_FAR_EDGE_M <= lw <= TRACK_NEAR_EDGE_M:
                r = int(round((lw - w0) / RES_M))
                cv2.rectangle(img, (c - 2, r - 12), (c + 2, r), white, -1)
        if int(round(xm)) % 10 == 0:
            colour = (250, 210, 40) if int(round(xm)) % 20 == 0 else (60, 120, 230)
            r = int(round((LANE_WIDTH_M / 2 - 0.3 - w0) / RES_M))
            cv2.circle(img, (c, r), 5, colour, -1, cv2.LINE_AA)
    return img


def _backdrop(rng, ncol: int, x0: float) -> np.ndarray:
    nrow = int(BACKDROP_HEIGHT_M / RES_M)
    y = BACKDROP_HEIGHT_M - np.arange(nrow) * RES_M  # height of each row, top row first
    img = np.empty((nrow, ncol, 3), np.float32)
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
