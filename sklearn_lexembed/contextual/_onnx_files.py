"""Exported ONNX files, cached on disk: one file per model, layer and graph variant.

An exported model is a file in a cache folder (the ``onnx_dir`` parameter, else the
``SKLEARN_LEXEMBED_ONNX_DIR`` environment variable, else ``~/.cache/sklearn-lexembed/onnx``),
named by the fingerprint of the model's files, the hidden layer returned, the quantization,
the opset and the export recipe. It is written into a temporary folder beside it and renamed
into place, with its SHA-256 in a companion file, so an interrupted export leaves nothing that
a later run would load, and a damaged file is exported again rather than run. A cache folder
the process cannot write to is replaced by one in the temporary directory, with one warning.

Variants: ``"fp32"`` and ``"int8"`` are fused for ONNX Runtime (``_onnx_backend``);
``"plain"`` is the unfused float32 export that OpenVINO reads (``_openvino_backend``). Once the
file exists nothing here imports torch or transformers.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path

from .._core.cache import cached

__all__ = ["ENV_ONNX_DIR", "VARIANTS", "cached_runtime", "exported_model", "require_runtime"]

ENV_ONNX_DIR = "SKLEARN_LEXEMBED_ONNX_DIR"
# variant -> (the runtime that checks the export, the extra that installs it)
VARIANTS = {
    "fp32": ("onnxruntime", "onnx"),
    "int8": ("onnxruntime", "onnx"),
    "plain": ("openvino", "openvino"),
}
_warned_dirs: set = set()
_verified: dict = {}
_lock = threading.Lock()


def require_runtime(variant):
    """Import the runtime a variant needs, or raise the error that names the extra."""
    import importlib

    runtime, extra = VARIANTS[variant]
    try:
        return importlib.import_module(runtime)
    except ImportError as exc:
        raise ImportError(
            f"This backend needs {runtime}, which is not installed: "
            f"pip install 'sklearn-lexembed[{extra}]'."
        ) from exc


def _cache_root(onnx_dir):
    """The folder exported models go to: writable, created if needed."""
    chosen = (
        onnx_dir or os.environ.get(ENV_ONNX_DIR) or Path.home() / ".cache/sklearn-lexembed/onnx"
    )
    root = Path(chosen).expanduser()
    try:
        root.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=root, prefix=".probe-")
        probe.close()
        return root
    except OSError as exc:
        user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
        fallback = Path(tempfile.gettempdir()) / f"sklearn-lexembed-onnx-{user}"
        fallback.mkdir(parents=True, exist_ok=True)
        if str(root) not in _warned_dirs:
            _warned_dirs.add(str(root))
            warnings.warn(
                f"The ONNX cache folder {os.fspath(root)!r} is not writable ({exc.strerror}); "
                f"exported models go to {os.fspath(fallback)!r} instead. Set onnx_dir= or "
                f"${ENV_ONNX_DIR} to a writable folder to keep them.",
                UserWarning,
                stacklevel=4,
            )
        return fallback


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fin:
        while chunk := fin.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _intact(path):
    """Whether ``path`` and its checksum file exist and agree (checked once per process)."""
    checksum = path.with_name(path.name + ".sha256")
    if not (path.exists() and checksum.exists()):
        return False
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key in _verified:
            return _verified[key]
    ok = checksum.read_text().strip() == _sha256(path)
    with _lock:
        _verified[key] = ok
    return ok


def exported_model(folder, fingerprint, layer_index, variant, onnx_dir, trust_remote_code=False):
    """The cached ONNX file for these settings, exported first if it is missing or damaged.

    Parameters
    ----------
    folder : str
        The model folder (read only when exporting).
    fingerprint : str
        ``_core.fingerprint.folder_fingerprint(folder)``.
    layer_index : int
        Hidden layer returned: 0 the embeddings, ``n_layers`` the last.
    variant : {"fp32", "int8", "plain"}
    onnx_dir : str, path-like or None
        The cache folder asked for (see the module docstring).
    trust_remote_code : bool, default=False
        Passed to transformers when exporting.

    Returns
    -------
    path : pathlib.Path
    """
    require_runtime(variant)
    from ._onnx_export import OPSET, RECIPE

    root = _cache_root(onnx_dir)
    path = root / f"{fingerprint[:24]}-layer{layer_index}-{variant}-opset{OPSET}-r{RECIPE}.onnx"
    if _intact(path):
        return path
    from ._onnx_export import export_encoder

    work = Path(tempfile.mkdtemp(dir=root, prefix=".export-"))
    try:
        written = work / "model.onnx"
        export_encoder(folder, layer_index, variant, written, trust_remote_code=trust_remote_code)
        digest = _sha256(written)
        # The model first, then its checksum: a file without a matching checksum is redone.
        os.replace(written, path)
        checksum = work / "model.sha256"
        checksum.write_text(digest + "\n")
        os.replace(checksum, path.with_name(path.name + ".sha256"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def cached_runtime(kind, path, n_threads, load):
    """``load()`` (a session or compiled model of ``path``), kept in the process cache per file,
    its modification time and the thread count, so clones and repeated calls reuse it."""
    stat = os.stat(path)
    return cached((kind, str(path), stat.st_mtime_ns, int(n_threads)), load)
