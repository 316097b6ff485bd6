"""The one per-process cache: loaded word-vector tables and transformer models.

Keyed by where a resource came from (a bundle name, a file's real path with its size and
modification time, a model folder with device and dtype), so clones of an estimator in a grid
search, and unpickled copies, share one load instead of reading the weights once per candidate.
:func:`clear_cache` (exported by the package) frees them.
"""

from __future__ import annotations

import threading

__all__ = ["cache_info", "cached", "clear_cache"]

_entries: dict = {}
_lock = threading.Lock()
_stats = {"loads": 0, "hits": 0}


def cached(key, load):
    """Return the cached value of ``key``, calling ``load()`` on a miss.

    The load runs outside the lock, so two different resources load concurrently; if two
    threads load the same key, the first result stored wins and both get it.

    Parameters
    ----------
    key : tuple
        Hashable; its first element names the kind of resource.
    load : callable
        ``load() -> value``.

    Returns
    -------
    value : object
    """
    with _lock:
        if key in _entries:
            _stats["hits"] += 1
            return _entries[key]
    value = load()
    with _lock:
        _stats["loads"] += 1
        return _entries.setdefault(key, value)


def cache_info():
    """Loads and hits since the process started, and the number of cached entries.

    Returns
    -------
    info : dict
        ``{"loads": int, "hits": int, "entries": int}``.
    """
    with _lock:
        return {**_stats, "entries": len(_entries)}


def clear_cache():
    """Forget every cached word-vector table and transformer model of this process.

    Their memory is freed once no fitted estimator holds them. Estimators fitted before keep
    working; the next ``fit`` (or the first use of an unpickled estimator) loads from disk again.

    Examples
    --------
    >>> from sklearn_lexembed import clear_cache
    >>> clear_cache()
    """
    with _lock:
        _entries.clear()
