"""A disk cache of per-document vectors, shared by every process that points at its folder.

Each vector is one small file named by the SHA-256 of the settings that decide the output
(model fingerprint, backend, layer, pooling, ...) and the text. A file holds a magic tag, the
dimension, the SHA-256 of the payload and the float32 payload; it is written to a unique
temporary name and renamed into place, so two processes writing the same key both leave one
whole file, and a reader sees either nothing or a complete entry. An entry whose length or
checksum is wrong is reported, recomputed and rewritten, never returned.

Hits return the stored bytes: bit-identical to the computation that wrote them.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
import warnings
from pathlib import Path

import numpy as np

__all__ = ["VectorCache", "cache_folder"]

_MAGIC = b"LXV1"
_HEADER = struct.Struct("<4sI32s")


def cache_folder(cache):
    """The folder of a ``cache`` parameter: None, a path, or a :class:`joblib.Memory`.

    Parameters
    ----------
    cache : None, str, path-like or joblib.Memory

    Returns
    -------
    folder : pathlib.Path or None
        None when nothing is cached (``cache=None`` or a Memory without a location).

    Raises
    ------
    TypeError
        For any other type.
    """
    if cache is None:
        return None
    if isinstance(cache, str | os.PathLike):
        return Path(cache).expanduser() / "sklearn-lexembed-vectors"
    location = getattr(cache, "location", None)
    if hasattr(cache, "cache") and hasattr(cache, "clear"):  # a joblib.Memory
        return None if location is None else Path(location) / "sklearn-lexembed-vectors"
    raise TypeError(
        f"cache must be None, a folder path or a joblib.Memory; got {type(cache).__name__}."
    )


class VectorCache:
    """Per-document vectors under ``folder / settings-hash``, with hit and miss counts.

    Parameters
    ----------
    folder : pathlib.Path
        From :func:`cache_folder`.
    settings : tuple
        Everything besides the text that changes a vector (a ``repr``-stable tuple).
    n_dims : int
        Dimension of the vectors.
    """

    def __init__(self, folder, settings, n_dims):
        tag = hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()[:32]
        self.folder = Path(folder) / tag
        self.n_dims = int(n_dims)
        self.hits = 0
        self.misses = 0
        self.damaged = 0

    def create(self):
        """Create the folder; raise a clear error when it cannot be written."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe = self.folder / f".probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OSError(
                f"The vector cache folder {os.fspath(self.folder)!r} cannot be written "
                f"({exc.strerror}); pass a writable folder as cache=, or cache=None."
            ) from exc

    @staticmethod
    def key(text):
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, key):
        return self.folder / key[:2] / f"{key}.vec"

    def _read(self, key):
        """The stored row, None if absent; raises ValueError if the entry is damaged."""
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        expected = _HEADER.size + 4 * self.n_dims
        if len(data) != expected:
            raise ValueError(f"{len(data)} bytes, expected {expected}")
        magic, n_dims, digest = _HEADER.unpack_from(data)
        payload = data[_HEADER.size :]
        if magic != _MAGIC or n_dims != self.n_dims:
            raise ValueError("wrong header")
        if hashlib.sha256(payload).digest() != digest:
            raise ValueError("checksum mismatch")
        return np.frombuffer(payload, dtype="<f4")

    def get(self, keys):
        """Rows found for ``keys`` (float32, shape (len(keys), n_dims)) and the missing positions.

        Damaged entries count as missing, and one warning per call says how many there were.
        """
        out = np.empty((len(keys), self.n_dims), dtype=np.float32)
        missing, damaged = [], []
        for position, key in enumerate(keys):
            try:
                row = self._read(key)
            except ValueError as problem:
                damaged.append((key, str(problem)))
                row = None
            if row is None:
                missing.append(position)
            else:
                out[position] = row
        if damaged:
            self.damaged += len(damaged)
            key, problem = damaged[0]
            warnings.warn(
                f"{len(damaged)} damaged vector cache entr{'y' if len(damaged) == 1 else 'ies'} "
                f"in {os.fspath(self.folder)!r} (first: {key[:12]}..., {problem}) will be "
                "recomputed and rewritten.",
                UserWarning,
                stacklevel=3,
            )
        self.hits += len(keys) - len(missing)
        self.misses += len(missing)
        return out, np.asarray(missing, dtype=np.intp)

    def put(self, keys, rows):
        """Store ``rows`` (float32, one per key); each entry is written whole or not at all."""
        rows = np.ascontiguousarray(rows, dtype="<f4")
        for key, row in zip(keys, rows, strict=True):
            payload = row.tobytes()
            data = _HEADER.pack(_MAGIC, self.n_dims, hashlib.sha256(payload).digest()) + payload
            path = self._path(key)
            path.parent.mkdir(exist_ok=True)
            temporary = path.with_name(f".{key}.{uuid.uuid4().hex}.tmp")
            try:
                temporary.write_bytes(data)
                os.replace(temporary, path)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
