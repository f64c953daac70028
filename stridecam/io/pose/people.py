"""One followed person: where they will be next (``Ref``) and, when several people were found
at once, how much they look like the runner (``Candidacy.score``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stridecam.io.pose.geometry import Candidate
from stridecam.model.landmarks import IDX

ANKLES = (IDX["left_ankle"], IDX["right_ankle"])


@dataclass
class Ref:
    """Last accepted pose and the hip velocity (px/s) used to predict the next one."""

    time_s: float
    cand: Candidate
    velocity_px_s: np.ndarray

    def predict_hip(self, time_s: float) -> np.ndarray:
        return self.cand.hip_px + self.velocity_px_s * (time_s - self.time_s)

    def predict_centre(self, time_s: float) -> np.ndarray:
        x0, y0, x1, y1 = self.cand.box
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        return centre + self.velocity_px_s * (time_s - self.time_s)


@dataclass
class Candidacy:
    """One of several people followed for ``choose_s`` after an acquisition."""

    ref: Ref
    items: list[tuple[int, float, Candidate]]  # (position, time_s, pose)
    alive: bool = True

    def score(self) -> float:
        """Extent times (0.5 + activity); activity = hip speed + mean ankle speed relative to
        the hip, in extents per second: the runner beats a bigger bystander standing still."""
        sizes = np.array([c.size_px for _, _, c in self.items])
        if len(self.items) < 2:
            return float(sizes.mean() * 0.5)
        t = np.array([ti for _, ti, _ in self.items])
        hip = np.array([c.hip_px for _, _, c in self.items])
        ank = np.array([c.xy_px[list(ANKLES)] for _, _, c in self.items]) - hip[:, None]
        span_s = t[-1] - t[0]
        hip_speed = np.hypot(*(hip[-1] - hip[0])) / span_s
        ank_speed = (np.linalg.norm(np.diff(ank, axis=0), axis=2).mean(axis=1) / np.diff(t)).mean()
        size = sizes.mean()
        return float(size * (0.5 + (hip_speed + ank_speed) / size))
