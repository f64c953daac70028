#!/usr/bin/env python3
"""Rebuild the MediaPipe pose landmarker bundles (lite, full, heavy) from registry packages only.

The official ``pose_landmarker_<variant>.task`` files live on Google's model storage. This script
makes equivalent bundles from two registry packages:

* PyPI wheel ``mediapipe==0.10.21`` (the last one with the legacy solutions), fetched with
  ``pip download --no-deps``: ``pose_detection.tflite`` (the person detector, shared by all three
  variants) and ``pose_landmark_full.tflite``;
* npm package ``@mediapipe/pose@0.5.1675469404``, fetched with ``npm pack``:
  ``pose_landmark_{lite,full,heavy}.tflite`` (its full model equals the wheel's byte for byte).

The legacy landmark models carry no TFLite metadata, which the Tasks runtime needs (input
normalisation). The metadata is written with mediapipe's own ``MetadataWriter`` (from the
installed mediapipe 1.2.x), then both models are zipped uncompressed, 4-byte aligned, with a
fixed timestamp, so the output is the same bytes on every run.

Usage::

    python tools/build_pose_bundles.py --out build/pose_bundles [--work DIR] [--check DIR]

``--work`` keeps the downloaded wheel and tarball (reused on the next run); ``--check DIR``
compares each output with ``DIR/<same name>`` and exits 1 if any differs. Needs network to PyPI
and the npm registry, plus ``pip`` and ``npm`` on PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import types
import zipfile
from pathlib import Path

from stridecam.io.store import file_sha256

WHEEL_VERSION = "0.10.21"
# Pinned to one wheel so the inputs are the same from any host; the tflite files inside are
# platform independent anyway, and their sha256 is checked below.
WHEEL_TARGET = ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                "--implementation", "cp", "--abi", "cp311"]
NPM_SPEC = "@mediapipe/pose@0.5.1675469404"
VARIANTS = ("lite", "full", "heavy")

# sha256 of the source models as the registries ship them (checked before use).
SOURCE_SHA256 = {
    "mediapipe/modules/pose_detection/pose_detection.tflite":
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    "package/pose_landmark_lite.tflite":
        "f17bfbecadb61c3be1baa8b8d851cc6619c870a87167b32848ad20db306b9d61",
    "package/pose_landmark_full.tflite":
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    "package/pose_landmark_heavy.tflite":
        "59e42d71bcd44cbdbabc419f0ff76686595fd265419566bd4009ef703ea8e1fe",
}
WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_LANDMARK_FULL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"

# sha256 of the bundles this script is expected to produce (= /work/shared/models).
EXPECTED_SHA256 = {
    "lite": "59615dfff98af49b2de2576861617a20b85f0213945f3d44bd65002a8b04319e",
    "full": "7cc9f7603f49048ad82bfb691519d5cda9118904ed9f0482aa326b4a49a5eb2f",
    "heavy": "dd8b1fd5b4404c5efd6f40f3050f9dc1e269ba9a85ae83d6f7a50e629457c26d",
}

ZIP_DATE_TIME = (2023, 4, 28, 0, 45, 16)  # fixed entry timestamp: repeatable output
ZIP_EXTERNAL_ATTR = 0o600 << 16  # what zipfile gives entries written from a name
ZIP_CREATE_SYSTEM = 3  # Unix, whatever the host (zipfile would write 0 on Windows)

DETECTOR_METADATA = dict(
    name="Pose Detection", description="Detects human poses",
    input_description="Input image to be detected", norm_mean=127.5, norm_std=127.5,
    outputs=[("raw boxes/keypoints", "Undecoded face bboxes location and keypoints"),
             ("scores", "Scores of the detected bboxes.")],
)
LANDMARK_METADATA = dict(
    name="Pose Landmark", description="Detects human pose landmarks with frontal camera.",
    input_description="Input image to be landmarked", norm_mean=0.0, norm_std=255.0,
    outputs=[("landmarks", "Pose landmarks"), ("presence", "Presence of pose."),
             ("segmentation_mask", "Segmentation mask for pose."),
             ("heat_map", "Heat map for pose."), ("world_landmarks", "World landmarks for pose.")],
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- registry downloads
def fetch_wheel(work: Path) -> Path:
    """Return the mediapipe wheel in ``work``, downloading it with pip if absent."""
    found = sorted(work.glob(f"mediapipe-{WHEEL_VERSION}-*.whl"))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", f"mediapipe=={WHEEL_VERSION}",
               "--no-deps", "--only-binary=:all:", *WHEEL_TARGET, "--dest", str(work)]
        print("$", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)
        found = sorted(work.glob(f"mediapipe-{WHEEL_VERSION}-*.whl"))
    if not found:
        raise SystemExit(f"pip download left no mediapipe-{WHEEL_VERSION} wheel in {work}")
    return found[0]


def fetch_npm(work: Path) -> Path:
    """Return the @mediapipe/pose tarball in ``work``, fetching it with ``npm pack`` if absent."""
    tarball = work / f"mediapipe-pose-{NPM_SPEC.rsplit('@', 1)[1]}.tgz"
    if not tarball.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise SystemExit("npm not found on PATH: it is needed to fetch " + NPM_SPEC)
        cmd = [npm, "pack", NPM_SPEC, "--pack-destination", str(work)]
        print("$", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    if not tarball.exists():
        raise SystemExit(f"npm pack left no {tarball.name} in {work}")
    return tarball


def read_sources(wheel: Path, tarball: Path) -> dict[str, bytes]:
    """Read the four source models and check them against ``SOURCE_SHA256``."""
    sources: dict[str, bytes] = {}
    with zipfile.ZipFile(wheel) as zf:
        sources[WHEEL_DETECTOR] = zf.read(WHEEL_DETECTOR)
        wheel_full = zf.read(WHEEL_LANDMARK_FULL)
    with tarfile.open(tarball, "r:gz") as tf:
        for variant in VARIANTS:
            name = f"package/pose_landmark_{variant}.tflite"
            member = tf.extractfile(name)
            if member is None:
                raise SystemExit(f"{tarball.name}: {name} is not a regular file")
            sources[name] = member.read()
    for name, data in sources.items():
        if sha256_bytes(data) != SOURCE_SHA256[name]:
            raise SystemExit(f"{name}: sha256 {sha256_bytes(data)} is not the pinned "
                             f"{SOURCE_SHA256[name]}; the registry package changed")
    if wheel_full != sources["package/pose_landmark_full.tflite"]:
        print("note: the wheel's pose_landmark_full.tflite differs from the npm one", flush=True)
    return sources


# ---------------------------------------------------------------- metadata and bundle
def _install_metadata_version_standin() -> None:
    """Let mediapipe's metadata module import without its missing compiled helper.

    mediapipe 1.2.x's ``tasks/python/metadata/metadata.py`` imports
    ``mediapipe.tasks.cc.metadata.python._pywrap_metadata_version``, which the wheel does not
    ship. Its only use is ``GetMinimumMetadataParserVersion``; for the fields written here
    (names, descriptions, image properties, normalisation, stats) that is "1.0.0", which is
    also what the reference bundles carry. The stand-in is installed only if the import fails.
    """
    target = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    try:
        importlib.import_module(target)
        return
    except ImportError:
        pass
    parent = None
    parts = target.split(".")
    for depth in range(3, len(parts) + 1):  # mediapipe.tasks.cc ... _pywrap_metadata_version
        name = ".".join(parts[:depth])
        module = sys.modules.get(name)
        if module is None:
            module = types.ModuleType(name)
            if depth < len(parts):
                module.__path__ = []
            sys.modules[name] = module
        if parent is not None:
            setattr(parent, parts[depth - 1], module)
        parent = module
    sys.modules[target].GetMinimumMetadataParserVersion = lambda _buf: "1.0.0"  # type: ignore[attr-defined]


def add_metadata(model: bytes, spec: dict) -> bytes:
    """Return ``model`` with TFLite metadata written by mediapipe's MetadataWriter."""
    _install_metadata_version_standin()
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_info, metadata_writer

    class _Writer(metadata_writer.MetadataWriter):
        def __del__(self) -> None:
            # The parent's __del__ calls os.path at interpreter exit (noisy "Exception
            # ignored"); the TemporaryDirectory it guards removes itself anyway.
            self._temp_folder.cleanup()

    writer = _Writer.create(bytearray(model))
    # add_general_info() sets name and description only; version and author need GeneralMd.
    writer._general_md = metadata_info.GeneralMd(  # noqa: SLF001 - no public setter exists
        name=spec["name"], version="1", description=spec["description"], author="MediaPipe")
    writer.add_image_input(norm_mean=[spec["norm_mean"]], norm_std=[spec["norm_std"]],
                           name="image", description=spec["input_description"])
    for name, description in spec["outputs"]:
        writer.add_feature_output(name=name, description=description)
    model_with_metadata, _json = writer.populate()
    return bytes(model_with_metadata)


def write_bundle(path: Path, entries: dict[str, bytes]) -> None:
    """Zip ``entries`` uncompressed, each file's data 4-byte aligned, with a fixed timestamp."""
    from mediapipe.tasks.python.metadata.metadata_writers.model_asset_bundle_utils import (
        AlignZipFile,
    )

    tmp = path.with_suffix(path.suffix + ".partial")
    with AlignZipFile(tmp, mode="w", alignment=4) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = ZIP_EXTERNAL_ATTR
            info.create_system = ZIP_CREATE_SYSTEM
            zf.writestr(info, data)
    check_bundle(tmp)
    tmp.replace(path)


def check_bundle(path: Path) -> None:
    """Raise if ``path`` is not a stored, 4-byte aligned two-model bundle."""
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        names = [info.filename for info in zf.infolist()]
        if names != ["pose_detector.tflite", "pose_landmarks_detector.tflite"]:
            raise SystemExit(f"{path}: unexpected entries {names}")
        for info in zf.infolist():
            raw.seek(info.header_offset + 26)
            name_len = int.from_bytes(raw.read(2), "little")
            extra_len = int.from_bytes(raw.read(2), "little")
            data_offset = info.header_offset + 30 + name_len + extra_len
            if info.compress_type != zipfile.ZIP_STORED or data_offset % 4:
                raise SystemExit(f"{path}: {info.filename} is compressed or not 4-byte aligned")


def build(out: Path, work: Path, variants=VARIANTS) -> dict[str, Path]:
    """Build ``pose_landmarker_<variant>.task`` for each variant into ``out``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    sources = read_sources(fetch_wheel(work), fetch_npm(work))
    detector = add_metadata(sources[WHEEL_DETECTOR], DETECTOR_METADATA)
    built = {}
    for variant in variants:
        landmarks = add_metadata(sources[f"package/pose_landmark_{variant}.tflite"],
                                 LANDMARK_METADATA)
        path = out / f"pose_landmarker_{variant}.task"
        write_bundle(path, {"pose_detector.tflite": detector,
                            "pose_landmarks_detector.tflite": landmarks})
        built[variant] = path
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("build/pose_bundles"),
                        help="output folder (default: build/pose_bundles)")
    parser.add_argument("--work", type=Path, default=None,
                        help="download cache folder, kept and reused (default: a temp folder)")
    parser.add_argument("--check", type=Path, default=None, metavar="DIR",
                        help="compare each output with DIR/<same name>; exit 1 on a difference")
    parser.add_argument("--variant", choices=VARIANTS, action="append",
                        help="build only this variant (repeatable; default: all three)")
    args = parser.parse_args(argv)
    variants = tuple(args.variant) if args.variant else VARIANTS

    with tempfile.TemporaryDirectory(prefix="pose_bundles_") as tmp:
        built = build(args.out, args.work or Path(tmp), variants)

    failures = 0
    for variant, path in built.items():
        digest = file_sha256(path)
        known = "matches pinned" if digest == EXPECTED_SHA256[variant] else "DIFFERS from pinned"
        print(f"{path}  {path.stat().st_size:,} bytes  sha256 {digest}  ({known})")
        if args.check is not None:
            reference = args.check / path.name
            if not reference.exists():
                print(f"  check: {reference} missing")
                failures += 1
            elif reference.read_bytes() == path.read_bytes():
                print(f"  check: byte-identical to {reference}")
            else:
                print(f"  check: DIFFERENT from {reference} (sha256 {file_sha256(reference)})")
                failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
