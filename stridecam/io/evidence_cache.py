"""The image-evidence stage's answer kept in the run folder (``evidence.parquet``), so that a
re-analysis with the same clip, landmarks, contacts and settings reads the video no more.

Keyed by the clip's bytes, the landmarks, the contacts handed in, the ``EvidenceSettings`` and
the stridecam version; a file with another key, or one that cannot be read, is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from stridecam import __version__
from stridecam.io.store import atomic_path
from stridecam.model.evidence_settings import EvidenceSettings
from stridecam.model.poses import Poses
from stridecam.model.serial import to_jsonable

EVIDENCE_FILE = "evidence.parquet"
_KEY = b"stridecam.evidence_key"
log = logging.getLogger(__name__)


def evidence_key(clip_sha256: str, poses: Poses, contacts: pd.DataFrame,
                 settings: EvidenceSettings) -> str:
    """Key of one image-evidence answer: everything its table depends on."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"clip": clip_sha256, "version": __version__,
                              "settings": to_jsonable(settings),
                              "columns": [str(c) for c in contacts.columns]},
                             sort_keys=True).encode())
    for array in (poses.time_s, poses.frame_index, poses.xy_px, poses.visibility):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(pd.util.hash_pandas_object(contacts, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def load_evidence(folder: str | Path, key: str) -> pd.DataFrame | None:
    """The saved table when its key is ``key``, else None (missing, other key, unreadable)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(folder) / EVIDENCE_FILE
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException):
        return None
    if (table.schema.metadata or {}).get(_KEY) != key.encode():
        return None
    return table.to_pandas()


def save_evidence(folder: str | Path, key: str, contacts: pd.DataFrame) -> None:
    """Keep ``contacts`` (the stage's answer) under ``key``; written whole or not at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pa.Table.from_pandas(contacts, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError) as exc:  # a column Arrow cannot hold
        log.debug("image evidence not kept: %s", exc)
        return
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _KEY: key.encode()})
    with atomic_path(Path(folder) / EVIDENCE_FILE) as tmp:
        pq.write_table(table, tmp, compression="zstd")
