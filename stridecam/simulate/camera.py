"""Pinhole camera beside the lane: fixed, or panning (rotating about the vertical) to follow.

Camera axes: ``forward`` (viewing direction), ``right`` (image +u), ``up`` (image -v). A world
point X projects to u = cx + f * (X-C).right / (X-C).forward, v = cy - f * (X-C).up / depth,
with f the focal length in pixels and (cx, cy) the image centre; pixels have y down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.simulate.params import CameraParams

_UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class CameraTrack:
    """Camera pose per time: position ``center_m`` (3,), axes (n, 3) each, focal ``f_px``."""

    center_m: np.ndarray
    forward: np.ndarray
    right: np.ndarray
    up: np.ndarray
    f_px: float
    cx_px: float
    cy_px: float
    width_px: int
    height_px: int

    @property
    def yaw_deg(self) -> np.ndarray:
        """Pan angle per time: direction of ``forward`` in the ground plane, degrees from the
        -z (or +z) axis towards +x (0 = square to the lane, positive = turned forward)."""
        fz = np.abs(self.forward[:, 2])
        return np.degrees(np.arctan2(self.forward[:, 0], fz))

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points (n, k, 3) at the track's n times -> pixels (n, k, 2) and depth (n, k)."""
        d = points - self.center_m[None, None, :]
        xc = np.einsum("nkc,nc->nk", d, self.right)
        yc = np.einsum("nkc,nc->nk", d, self.up)
        zc = np.einsum("nkc,nc->nk", d, self.forward)
        u = self.cx_px + self.f_px * xc / zc
        v = self.cy_px - self.f_px * yc / zc
        return np.stack([u, v], -1), zc

    def unproject(self, px: np.ndarray, depth: np.ndarray) -> np.ndarray:
        """Pixels (n, k, 2) with depth along ``forward`` (n, k) -> world points (n, k, 3)."""
        xc = (px[..., 0] - self.cx_px) / self.f_px * depth
        yc = -(px[..., 1] - self.cy_px) / self.f_px * depth
        return (self.center_m[None, None, :] + xc[..., None] * self.right[:, None, :]
                + yc[..., None] * self.up[:, None, :] + depth[..., None] * self.forward[:, None, :])

    def ray_to_plane_z(self, px: np.ndarray, z_m: float) -> np.ndarray:
        """World points where the pixel rays (n, k, 2) meet the plane z = ``z_m``."""
        dirs = self.unproject(px, np.ones(px.shape[:-1])) - self.center_m
        s = (z_m - self.center_m[2]) / dirs[..., 2]
        return self.center_m + s[..., None] * dirs

    def image_to_plane_homography(self, i: int, z_m: float | None = None) -> np.ndarray:
        """3x3 homography from plane coordinates to pixels at time index i: for the ground
        (``z_m`` None) plane coords are (x, z) at y = 0; else (x, y) on the plane z = z_m."""
        k = np.array([[self.f_px, 0, self.cx_px], [0, -self.f_px, self.cy_px], [0, 0, 1.0]])
        r = np.stack([self.right[i], self.up[i], self.forward[i]])  # world -> camera rows
        t = -r @ self.center_m
        if z_m is None:  # columns for x and z, y = 0
            m = np.column_stack([r[:, 0], r[:, 2], t])
        else:
            m = np.column_stack([r[:, 0], r[:, 1], t + r[:, 2] * z_m])
        return k @ m

    def to_dict(self) -> dict:
        return {"center_m": [float(v) for v in self.center_m], "f_px": float(self.f_px),
                "cx_px": self.cx_px, "cy_px": self.cy_px}


def focal_px(cam: CameraParams) -> float:
    return (cam.width_px / 2.0) / np.tan(np.radians(cam.hfov_deg) / 2.0)


def camera_track(cam: CameraParams, t: np.ndarray, pelvis_x: np.ndarray,
                 x_center_m: float) -> CameraTrack:
    """The camera at times ``t`` given the pelvis forward position at those times.

    ``x_center_m``: where the camera stands along the lane (and, when fixed, where it aims).
    """
    side = 1.0 if cam.direction == "left_to_right" else -1.0
    center = np.array([x_center_m, cam.height_m, side * cam.distance_m])
    n = len(t)
    if cam.panning:
        aim_x = np.asarray(pelvis_x, dtype=np.float64) + cam.pan_lead_m
    else:
        aim_x = np.full(n, x_center_m)
    aim = np.stack([aim_x, np.full(n, cam.aim_height_m), np.zeros(n)], -1)
    fwd = aim - center
    fwd /= np.linalg.norm(fwd, axis=1, keepdims=True)
    right = np.cross(fwd, _UP)
    right /= np.linalg.norm(right, axis=1, keepdims=True)
    up = np.cross(right, fwd)
    return CameraTrack(center, fwd, right, up, focal_px(cam), cam.width_px / 2.0,
                       cam.height_px / 2.0, cam.width_px, cam.height_px)
