"""The data model: what flows between the stages (no computation, no I/O).

- ``landmarks``: the 33 MediaPipe landmark names, left/right pairs, leg chains, skeleton bones.
- ``columns``: every table column, declared once, with the definitions (step vs stride, ...).
- ``errors``: the one exception family (one-line messages naming the file and the problem).
- ``frames``: ``Frame`` and ``VideoInfo`` (what ingest hands to the pose stage).
- ``poses``: ``Poses`` (landmarks in pixels per frame: the seam between video and analysis) and
  ``Flag`` (a data-quality finding).
- ``track``: ``Track`` (cleaned landmarks in the ground frame) and ``Scale``.
"""

from stridecam.model.errors import ConfigError, InputError, ModelError, StridecamError
from stridecam.model.frames import Frame, VideoInfo
from stridecam.model.poses import Flag, Poses
from stridecam.model.track import Scale, Track

__all__ = ["ConfigError", "Flag", "Frame", "InputError", "ModelError", "Poses", "Scale",
           "StridecamError", "Track", "VideoInfo"]
