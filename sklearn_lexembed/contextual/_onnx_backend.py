"""The ONNX Runtime inference backend: cached exported models, sessions, pooled rows.

An exported model is a file in a cache folder (the ``onnx_dir`` parameter, else the
``SKLEARN_LEXEMBED_ONNX_DIR`` environment variable, else ``~/.cache/sklearn-lexembed/onnx``),
named by the fingerprint of the model's files, the hidden layer returned, the quantization,
the opset and the export recipe. It is written into a temporary folder beside it and renamed
into place, with its SHA-256 in a companion file, so an interrupted export leaves nothing that
a later run would load, and a damaged file is exported again rather than run. A cache folder
the process cannot write to is replaced by one in the temporary directory, with one warning.

Once the file exists nothing here imports torch or transformers: the tokenizer comes from
``tokenizers`` and inference from ``onnxruntime``. Sessions are kept in the package's process
cache per file and thread count, so clones and repeated calls pay no set-up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import warnings
from contextlib import nullcontext
from pathlib import Path

from .._core.cache import cached
from ._mask_pooling import mask_pool_array

__all__ = ["ENV_ONNX_DIR", "OnnxEncoder", "onnx_model_path", "onnx_session"]

ENV_ONNX_DIR = "SKLEARN_LEXEMBED_ONNX_DIR"
_INSTALL = "pip install 'sklearn-lexembed[onnx]'"
_warned_dirs: set = set()
_verified: dict = {}
_lock = threading.Lock()


def _require_onnxruntime():
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError(
            f"backend='onnx' needs onnxruntime and onnx, which are not installed: {_INSTALL}."
        ) from exc
    return onnxruntime


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


def onnx_model_path(folder, fingerprint, layer_index, quantize, onnx_dir):
    """The cached ONNX file for these settings, exported first if it is missing or damaged.

    Parameters
    ----------
    folder : str
        The model folder (read only when exporting).
    fingerprint : str
        ``_core.fingerprint.folder_fingerprint(folder)``.
    layer_index : int
        Hidden layer returned: 0 the embeddings, ``n_layers`` the last.
    quantize : {None, "int8"}
    onnx_dir : str, path-like or None
        The cache folder asked for (see the module docstring).

    Returns
    -------
    path : pathlib.Path
    """
    _require_onnxruntime()
    from ._onnx_export import OPSET, RECIPE

    root = _cache_root(onnx_dir)
    kind = quantize or "fp32"
    path = root / f"{fingerprint[:24]}-layer{layer_index}-{kind}-opset{OPSET}-r{RECIPE}.onnx"
    if _intact(path):
        return path
    from ._onnx_export import export_encoder

    work = Path(tempfile.mkdtemp(dir=root, prefix=".export-"))
    try:
        written = work / "model.onnx"
        export_encoder(folder, layer_index, quantize, written)
        digest = _sha256(written)
        # The model first, then its checksum: a file without a matching checksum is redone.
        os.replace(written, path)
        checksum = work / "model.sha256"
        checksum.write_text(digest + "\n")
        os.replace(checksum, path.with_name(path.name + ".sha256"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return path


def onnx_session(path, n_threads):
    """An ONNX Runtime session for ``path`` on ``n_threads`` intra-op threads (cached).

    Parameters
    ----------
    path : path-like
    n_threads : int

    Returns
    -------
    session : onnxruntime.InferenceSession
    """
    ort = _require_onnxruntime()

    def load():
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(n_threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    stat = os.stat(path)
    return cached(("onnx-session", str(path), stat.st_mtime_ns, int(n_threads)), load)


class OnnxEncoder:
    """Runs an ONNX Runtime session on the batches of ``padded_batches``.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        From :func:`onnx_session`; its graph returns the hidden states of one layer.
    """

    def __init__(self, session):
        self.session = session

    def running(self):
        """Nothing to set up per call: the session owns its threads."""
        return nullcontext()

    def hidden(self, ids, mask):
        """Hidden states, float32 ndarray of shape (n_sequences, n_tokens, n_dims)."""
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

    def pool(self, ids, mask, method):
        """Pooled rows, float32 ndarray of shape (n_sequences, n_dims)."""
        return mask_pool_array(self.hidden(ids, mask), mask, method)
