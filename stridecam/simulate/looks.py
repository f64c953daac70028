"""Named looks of a rendered run: kits, skin tones and track surfaces (RGB colours, pure data).

``choose_look`` picks one of each from the run's seed and preset name (deterministic), unless
``RenderParams`` names them, so that image methods are not tuned to one athlete on one track.
Among the combinations are low-contrast ones on purpose: ``black`` kit (black shoes with dark
soles) on the ``dark_red`` or ``charcoal`` track, ``red`` kit on a red track.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from stridecam.simulate.params import RenderParams

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Kit:
    singlet: RGB
    shorts: RGB
    shoe: RGB
    sole: RGB


#: kits: singlet, shorts, shoes (upper), soles
KITS: dict[str, Kit] = {
    "blue_orange": Kit((30, 80, 200), (28, 28, 36), (240, 90, 30), (235, 235, 235)),
    "black": Kit((26, 26, 30), (22, 22, 26), (24, 24, 28), (46, 46, 50)),
    "white": Kit((232, 232, 228), (226, 226, 222), (240, 240, 240), (250, 250, 250)),
    "red": Kit((196, 34, 40), (160, 28, 34), (200, 40, 46), (230, 230, 230)),
    "yellow_green": Kit((250, 206, 24), (20, 116, 58), (30, 150, 70), (240, 240, 240)),
    "navy_volt": Kit((22, 32, 72), (20, 26, 50), (196, 236, 44), (60, 60, 64)),
    "grey_pink": Kit((130, 132, 138), (40, 40, 46), (236, 84, 160), (236, 236, 236)),
}

#: skin tones (lit mid-tone) with a matching hair colour, light to dark
SKIN_TONES: dict[str, tuple[RGB, RGB]] = {
    "very_light": ((238, 200, 176), (176, 132, 76)),
    "light": ((224, 172, 138), (92, 62, 40)),
    "medium": ((198, 142, 104), (40, 30, 24)),
    "olive": ((176, 120, 88), (34, 26, 22)),
    "brown": ((134, 88, 60), (26, 20, 18)),
    "dark": ((94, 60, 42), (20, 16, 14)),
    "very_dark": ((64, 42, 32), (16, 13, 12)),
}

#: track rubber base colours (the granular texture modulates their brightness)
TRACK_SURFACES: dict[str, RGB] = {
    "red": (176, 72, 52),
    "dark_red": (112, 42, 36),
    "blue": (52, 86, 146),
    "charcoal": (62, 60, 62),
    "green": (58, 110, 74),
}

#: how often each track surface is drawn when not named (red tracks are the most common)
TRACK_WEIGHTS = {"red": 0.45, "dark_red": 0.2, "blue": 0.15, "charcoal": 0.1, "green": 0.1}


@dataclass(frozen=True)
class LookChoice:
    """The named kit, skin tone and track of a render, and the sun direction (degrees)."""

    kit: str
    skin_tone: str
    track_surface: str
    sun_elevation_deg: float
    sun_azimuth_deg: float

    def to_dict(self) -> dict:
        return {"kit": self.kit, "skin_tone": self.skin_tone,
                "track_surface": self.track_surface,
                "sun_elevation_deg": round(self.sun_elevation_deg, 3),
                "sun_azimuth_deg": round(self.sun_azimuth_deg, 3)}


def choose_look(params: RenderParams, seed: int, preset: str = "") -> LookChoice:
    """The look of a run: what ``params`` names, the rest drawn from (seed, preset)."""
    key = zlib.crc32(f"{preset}:{int(seed)}".encode())
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, key, 0x100C])
    kit = list(KITS)[int(rng.integers(len(KITS)))]
    skin = list(SKIN_TONES)[int(rng.integers(len(SKIN_TONES)))]
    names = list(TRACK_WEIGHTS)
    w = np.array([TRACK_WEIGHTS[n] for n in names])
    track = names[int(rng.choice(len(names), p=w / w.sum()))]
    elev = float(rng.uniform(35.0, 70.0))
    azim = float(rng.uniform(-60.0, 60.0))
    return LookChoice(kit=params.kit or kit, skin_tone=params.skin_tone or skin,
                      track_surface=params.track_surface or track,
                      sun_elevation_deg=elev if params.sun_elevation_deg is None
                      else float(params.sun_elevation_deg),
                      sun_azimuth_deg=azim if params.sun_azimuth_deg is None
                      else float(params.sun_azimuth_deg))
