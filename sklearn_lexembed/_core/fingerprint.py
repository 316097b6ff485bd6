"""Content fingerprints of files and model folders: what cached exports, cached vectors and
references to vectors files are keyed by.

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

__all__ = ["files_fingerprint", "folder_fingerprint"]

# The files of a transformers / sentence-transformers model folder that change its vectors.
# Sub-folders (onnx/, openvino/, 1_Pooling/) hold other formats or settings we do not read.
_MODEL_FILE_SUFFIXES = (".json", ".txt", ".model", ".safetensors", ".bin")
_CHUNK = 1 << 22

_known: dict = {}
_lock = threading.Lock()


def files_fingerprint(paths):
    """SHA-256 of the names and contents of ``paths``, in hex.

    Remembered per process for as long as every file keeps its size, modification time,
    change time and inode (a rewrite changes the change time even when ``os.utime`` restores
    the modification time), so checking a fingerprint again costs a few ``stat`` calls.

    Parameters
    ----------
    paths : sequence of str or path-like

    Returns
    -------
    fingerprint : str
        64 hex digits.
    """
    paths = [Path(p).resolve() for p in paths]
    stamps = []
    for path in paths:
        stat = path.stat()
        stamps.append((str(path), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino))
    key = tuple(stamps)
    with _lock:
        if key in _known:
            return _known[key]
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode("utf-8", "surrogatepass") + b"\0")
        with open(path, "rb") as fin:
            while chunk := fin.read(_CHUNK):
                digest.update(chunk)
        digest.update(b"\0")
    value = digest.hexdigest()
    with _lock:
        _known[key] = value
    return value


def folder_fingerprint(folder):
    """SHA-256 of the model files at the top of ``folder`` (names and contents), in hex.

    Parameters
    ----------
    folder : str or path-like
        A model folder (``config.json``, weights, tokenizer files).

    Returns
    -------
    fingerprint : str
        64 hex digits; equal for two folders holding the same files
        (:func:`files_fingerprint` of those files).

    Raises
    ------
    FileNotFoundError
        If ``folder`` holds no model file.
    """
    folder = Path(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _MODEL_FILE_SUFFIXES)
    if not files:
        raise FileNotFoundError(f"{os.fspath(folder)!r} holds no model file to fingerprint.")
    return files_fingerprint(files)
