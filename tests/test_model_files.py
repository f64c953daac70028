"""Model files: the shipped bundle, the rebuild script's writer, and resolve_model's search order.

No network: every download goes through a fake (or a patched ``pooch.retrieve``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, shared_file

from stridecam.io import model_files
from stridecam.io.model_files import resolve_model
from stridecam.model.errors import ModelError

MODELS_DIR = REPO / "stridecam" / "models"
SHIPPED = MODELS_DIR / "pose_landmarker_full.task"
REAL_DOWNLOAD_OFFICIAL = model_files.download_official  # kept before fixtures patch it


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fake_bundle(path: Path, tag: bytes = b"") -> Path:
    """A minimal valid-looking bundle: the two entries, each starting like a TFLite file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        for name in model_files.BUNDLE_ENTRIES:
            zf.writestr(name, b"\x1c\x00\x00\x00TFL3" + tag)
    return path


@pytest.fixture
def no_sources(tmp_path, monkeypatch):
    """Isolate resolution: no env dir, an empty cache folder, no bundled file, no network."""
    monkeypatch.delenv(model_files.ENV_MODEL_DIR, raising=False)
    cache = tmp_path / "cache" / "models"
    monkeypatch.setattr(model_files, "cache_dir", lambda: cache)
    monkeypatch.setattr(model_files, "bundled_model", lambda variant: None)

    def no_network(variant, dest_dir):
        raise AssertionError("download must not be attempted")

    monkeypatch.setattr(model_files, "download_official", no_network)
    return cache


def failing_download(variant, dest_dir):
    raise ConnectionError("Name or service not known")  # what offline looks like (an OSError)


# ----------------------------------------------------------------------------- shipped bundle
def test_shipped_bundle_is_byte_identical_to_shared_reference():
    reference = shared_file("models/pose_landmarker_full.task")
    assert SHIPPED.is_file()
    assert SHIPPED.stat().st_size == reference.stat().st_size
    assert sha256(SHIPPED) == sha256(reference)


def test_shipped_bundle_hash_is_the_one_the_models_readme_states():
    readme = (MODELS_DIR / "README.md").read_text(encoding="utf-8")
    row = re.search(r"`pose_landmarker_full\.task` \| ([\d,]+) \| `([0-9a-f]{64})`", readme)
    assert row, "README.md table row for pose_landmarker_full.task not found"
    assert int(row.group(1).replace(",", "")) == SHIPPED.stat().st_size
    assert row.group(2) == sha256(SHIPPED)


def test_package_data_has_apache_licence_and_resolves_to_shipped_file(monkeypatch):
    licence = (MODELS_DIR / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence[:200] and "Version 2.0" in licence[:200]
    assert "END OF TERMS AND CONDITIONS" in licence
    assert model_files.bundled_model("full") == SHIPPED
    assert model_files.bundled_model("heavy") is None
    monkeypatch.delenv(model_files.ENV_MODEL_DIR, raising=False)
    assert resolve_model("full") == SHIPPED


def test_shipped_bundle_is_stored_aligned_and_checks_as_a_bundle():
    model_files.check_bundle(SHIPPED)
    with zipfile.ZipFile(SHIPPED) as zf, open(SHIPPED, "rb") as raw:
        infos = zf.infolist()
        assert [i.filename for i in infos] == list(model_files.BUNDLE_ENTRIES)
        for info in infos:
            raw.seek(info.header_offset + 26)
            name_len, extra_len = np.frombuffer(raw.read(4), dtype="<u2")
            data_offset = info.header_offset + 30 + int(name_len) + int(extra_len)
            assert info.compress_type == zipfile.ZIP_STORED
            assert data_offset % 4 == 0


def test_real_load_of_shipped_bundle_in_image_mode():
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model("full", SHIPPED))),
        running_mode=vision.RunningMode.IMAGE,
    )
    blank = np.full((64, 48, 3), 128, dtype=np.uint8)
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=blank))
    assert result.pose_landmarks == []  # loads and runs; nobody in a grey image


# ----------------------------------------------------------------------------- rebuild script
def load_build_tool():
    spec = importlib.util.spec_from_file_location(
        "build_pose_bundles", REPO / "tools" / "build_pose_bundles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_tool_metadata_and_zip_reproduce_the_shipped_bundle(tmp_path):
    """Offline check of the script's two steps: re-writing the metadata of the shipped models
    with the script's field values must change nothing, and zipping them must give the same
    bytes (stored, aligned, fixed timestamp). A wrong field or zip setting makes this fail."""
    tool = load_build_tool()
    with zipfile.ZipFile(SHIPPED) as zf:
        detector = zf.read("pose_detector.tflite")
        landmarks = zf.read("pose_landmarks_detector.tflite")
    assert tool.add_metadata(detector, tool.DETECTOR_METADATA) == detector
    assert tool.add_metadata(landmarks, tool.LANDMARK_METADATA) == landmarks
    out = tmp_path / "pose_landmarker_full.task"
    tool.write_bundle(out, {"pose_detector.tflite": detector,
                            "pose_landmarks_detector.tflite": landmarks})
    assert out.read_bytes() == SHIPPED.read_bytes()
    assert tool.EXPECTED_SHA256["full"] == sha256(out)


# ----------------------------------------------------------------------------- resolution order
def test_order_explicit_then_env_then_bundled_then_cache_then_download(tmp_path, monkeypatch,
                                                                      no_sources):
    explicit = fake_bundle(tmp_path / "mine" / "any_name.task", b"explicit")
    env_dir = tmp_path / "env"
    env_file = fake_bundle(env_dir / "pose_landmarker_full.task", b"env")
    bundled = fake_bundle(tmp_path / "pkg" / "pose_landmarker_full.task", b"pkg")
    cached = fake_bundle(no_sources / "pose_landmarker_full.task", b"cache")
    monkeypatch.setenv(model_files.ENV_MODEL_DIR, str(env_dir))
    monkeypatch.setattr(model_files, "bundled_model",
                        lambda variant: bundled if variant == "full" else None)
    calls = []

    def fake_download(variant, dest_dir):
        calls.append((variant, dest_dir))
        return fake_bundle(dest_dir / model_files.model_filename(variant), b"download")

    kw = {"download": fake_download}
    assert resolve_model("full", explicit, **kw) == explicit
    assert resolve_model("full", str(explicit), **kw) == explicit  # str accepted too
    assert resolve_model("full", **kw) == env_file
    env_file.unlink()  # env dir set but without the file: fall through
    assert resolve_model("full", **kw) == bundled
    monkeypatch.setattr(model_files, "bundled_model", lambda variant: None)
    assert resolve_model("full", **kw) == cached
    cached.unlink()
    assert calls == []
    got = resolve_model("full", **kw)
    assert calls == [("full", no_sources)]
    assert got == no_sources / "pose_landmarker_full.task"
    # the download landed in the cache, so the next call finds it there without downloading
    assert resolve_model("full", **kw) == got and len(calls) == 1


def test_env_dir_serves_variants_that_are_not_shipped(tmp_path, monkeypatch, no_sources):
    env_dir = tmp_path / "env"
    heavy = fake_bundle(env_dir / "pose_landmarker_heavy.task")
    monkeypatch.setenv(model_files.ENV_MODEL_DIR, str(env_dir))
    assert resolve_model("heavy") == heavy
    assert resolve_model(" Heavy ") == heavy  # case and spaces forgiven
    lite = fake_bundle(no_sources / "pose_landmarker_lite.task")
    assert resolve_model("lite") == lite


def test_real_bundled_file_is_used_for_full_only(tmp_path, monkeypatch):
    monkeypatch.delenv(model_files.ENV_MODEL_DIR, raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setattr(model_files, "cache_dir", lambda: cache)
    assert resolve_model("full", download=failing_download) == SHIPPED
    with pytest.raises(ModelError, match="pose_landmarker_lite.task not found"):
        resolve_model("lite", download=failing_download)


# ----------------------------------------------------------------------------- errors
def test_nothing_found_gives_one_clear_line(monkeypatch, no_sources):
    with pytest.raises(ModelError) as caught:
        resolve_model("heavy", download=failing_download)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("pose_landmarker_heavy.task not found: pass --model PATH")
    for needle in (model_files.ENV_MODEL_DIR, str(no_sources), "tools/build_pose_bundles.py",
                   model_files.official_url("heavy"), "Name or service not known"):
        assert needle in message
    assert not (no_sources / "pose_landmarker_heavy.task").exists()


def test_unknown_variant_names_the_valid_ones(no_sources):
    with pytest.raises(ModelError, match=r"'medium'.*lite, full, heavy"):
        resolve_model("medium")


def test_explicit_path_must_exist_and_be_a_bundle(tmp_path, no_sources):
    missing = tmp_path / "nope.task"
    with pytest.raises(ModelError, match=re.escape(str(missing))):
        resolve_model("full", missing)
    with pytest.raises(ModelError, match="is a folder"):
        resolve_model("full", tmp_path)
    not_zip = tmp_path / "video.task"
    not_zip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
    with pytest.raises(ModelError, match="not a pose landmarker bundle"):
        resolve_model("full", not_zip)


def test_check_bundle_rejects_missing_entry_and_non_tflite(tmp_path):
    one = tmp_path / "one.task"
    with zipfile.ZipFile(one, "w") as zf:
        zf.writestr("pose_detector.tflite", b"\x1c\x00\x00\x00TFL3")
    with pytest.raises(ModelError, match="no pose_landmarks_detector.tflite"):
        model_files.check_bundle(one)
    junk = tmp_path / "junk.task"
    with zipfile.ZipFile(junk, "w") as zf:
        for name in model_files.BUNDLE_ENTRIES:
            zf.writestr(name, b"not a model at all")
    with pytest.raises(ModelError, match="is not a TFLite model"):
        model_files.check_bundle(junk)


def test_corrupt_cached_file_is_an_error_not_a_silent_redownload(no_sources):
    no_sources.mkdir(parents=True)
    (no_sources / "pose_landmarker_lite.task").write_bytes(b"partial download")
    with pytest.raises(ModelError, match="delete it to download it again"):
        resolve_model("lite")


# ------------------------------------------------------------------------- download verification
def patch_retrieve(monkeypatch, payload: bytes):
    """Replace pooch.retrieve with a local writer of ``payload`` (no network)."""
    import pooch

    def fake_retrieve(url, known_hash=None, fname=None, path=None, downloader=None, **kw):
        assert url == model_files.official_url("lite")
        target = Path(path) / fname
        target.write_bytes(payload)
        return str(target)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)


def test_download_official_rejects_an_unpublished_hash_and_deletes_it(tmp_path, monkeypatch):
    payload = fake_bundle(tmp_path / "src.task").read_bytes()
    patch_retrieve(monkeypatch, payload)
    with pytest.raises(ModelError, match="not a published one"):
        model_files.download_official("lite", tmp_path / "cache")
    assert not (tmp_path / "cache" / "pose_landmarker_lite.task").exists()


def test_download_official_accepts_a_published_hash(tmp_path, monkeypatch):
    payload = fake_bundle(tmp_path / "src.task").read_bytes()
    patch_retrieve(monkeypatch, payload)
    published = dict(model_files.OFFICIAL_SHA256)
    published["lite"] = frozenset({hashlib.sha256(payload).hexdigest()})
    monkeypatch.setattr(model_files, "OFFICIAL_SHA256", published)
    got = model_files.download_official("lite", tmp_path / "cache")
    assert got == tmp_path / "cache" / "pose_landmarker_lite.task"
    assert got.read_bytes() == payload


def test_offline_download_fails_fast_through_the_real_downloader(tmp_path, monkeypatch, no_sources):
    """The real download_official with requests made to fail at once, as offline DNS does."""
    import requests

    def refuse(*args, **kwargs):
        raise requests.ConnectionError("Failed to resolve 'storage.googleapis.com'")

    monkeypatch.setattr(requests, "get", refuse)
    monkeypatch.setattr(requests.Session, "request", refuse)
    with pytest.raises(ModelError,
                       match=r"pose_landmarker_lite\.task not found.*Failed to resolve"):
        resolve_model("lite", download=REAL_DOWNLOAD_OFFICIAL)
