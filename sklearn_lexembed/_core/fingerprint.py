"""Content fingerprints of model folders: what a cached export or a cached vector is keyed by.

A fingerprint hashes the *content* of the files that decide a model's output (configuration,
weights, tokenizer), so a folder whose weights changed gets a new one even when its path did
not. Hashing a 90 MB model takes a fraction of a second; the result is remembered per process
for as long as each file keeps its size and modification time.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

__all__ = ["folder_fingerprint"]

# The files of a transformers / sentence-transformers model folder that change its vectors.
# Sub-folders (onnx/, openvino/, 1_Pooling/) hold other formats or settings we do not read.
_MODEL_FILE_SUFFIXES = (".json", ".txt", ".model", ".safetensors", ".bin")
_CHUNK = 1 << 22

_known: dict = {}
_lock = threading.Lock()


def _hash_file(path, digest):
    with open(path, "rb") as fin:
        while chunk := fin.read(_CHUNK):
            digest.update(chunk)


def folder_fingerprint(folder):
    """SHA-256 of the model files at the top of ``folder`` (names and contents), in hex.

    Parameters
    ----------
    folder : str or path-like
        A model folder (``config.json``, weights, tokenizer files).

    Returns
    -------
    fingerprint : str
        64 hex digits; equal for two folders holding the same files.

    Raises
    ------
    FileNotFoundError
        If ``folder`` holds no model file.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _MODEL_FILE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"{os.fspath(folder)!r} holds no model file to fingerprint.")
    stamp = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    key = (str(folder.resolve()), stamp)
    with _lock:
        if key in _known:
            return _known[key]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode("utf-8") + b"\0")
        _hash_file(path, digest)
        digest.update(b"\0")
    value = digest.hexdigest()
    with _lock:
        _known[key] = value
    return value
