"""Image evidence for contacts: when the foot is planted, read from the frames themselves.

Edge package (reads video with PyAV, images with OpenCV). The landmark contacts
(``stridecam.analysis.events``) say roughly where and when a foot is on the ground; a planted
foot stops moving relative to the ground, so the frames around each contact say exactly when.
``refine_contacts`` returns the contacts table with image-timed touchdowns and toe-offs where
the frames decide, each edge with its source and 1-sigma uncertainty.

- ``settings``: ``EvidenceSettings`` (every threshold, with units).
- ``frames``: decode only the frames around contacts, cropped (PyAV seeking).
- ``ground``: how the ground under the foot moves (still camera, panning camera, treadmill belt).
- ``planted``: corners of the shoe tracked through the contact; first and last planted frame.
- ``refine``: plan per contact from the landmarks, run the above, build the table.
"""

from stridecam.io.evidence.refine import (
    EVIDENCE_COLUMNS,
    ContactEvidence,
    collect_evidence,
    evidence_table,
    refine_contacts,
)
from stridecam.model.evidence_settings import DEFAULT_SETTINGS, EvidenceSettings

__all__ = ["DEFAULT_SETTINGS", "EVIDENCE_COLUMNS", "ContactEvidence", "EvidenceSettings",
           "collect_evidence", "evidence_table", "refine_contacts"]
