"""Approximate cosine search: faiss and hnswlib indexes over unit-normalised float32 rows.

Both take inner products of unit vectors, so the cosine similarity is their score. Imports
happen when an index is built; a missing library raises an ImportError naming the extra.

Every wrapper has the same four steps: :meth:`build` (create, train if the index needs it,
add a first set of rows), :meth:`add` (more rows, under their own row numbers), :meth:`search`
(with an optional query-time setting) and :meth:`knob` (which query-time setting trades speed
for recall, and its range), so :class:`CosineNeighbors` can hold rows out of a build, measure
recall on them, and add them afterwards.

Each wrapper pickles its index as bytes, since neither library's index pickles by itself, with
a SHA-256 digest checked before the bytes reach the library: a damaged blob raises instead of
crashing the interpreter inside it.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["FaissIndex", "HnswIndex"]

_EXTRA_HINT = "pip install 'sklearn-lexembed[ann]'"
# Rows per add call: a progress bar moves at least this often, and each call's copy of the
# rows (a gather by row number) stays small.
_ADD_CHUNK = 16384
# Largest ef_search tried when tuning an HNSW index for a recall target.
MAX_EF_SEARCH = 4096


def _require(module, package):
    try:
        return __import__(module)
    except ImportError as error:
        raise ImportError(
            f"algorithm={module.replace('lib', '')!r} needs the {package} package, which is "
            f"not installed. Install the 'ann' extra: {_EXTRA_HINT}"
        ) from error


def _add_in_chunks(add, vectors, rows, verbose, description):
    """Call ``add(chunk_vectors, chunk_rows)`` over chunks of ``rows``, with a progress bar."""
    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(rows), desc=description, unit="row")
    try:
        for start in range(0, len(rows), _ADD_CHUNK):
            chunk = rows[start : start + _ADD_CHUNK]
            add(np.ascontiguousarray(vectors[chunk], dtype=np.float32), chunk)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if bar is not None:
            bar.close()


def _pack(payload):
    return {"sha256": hashlib.sha256(payload).hexdigest(), "bytes": payload}


def _unpack(blob, library):
    """The bytes of a packed blob, after checking their digest."""
    if not isinstance(blob, dict) or not isinstance(blob.get("bytes"), bytes):
        raise ValueError(f"The saved {library} index is not in the expected format.")
    if hashlib.sha256(blob["bytes"]).hexdigest() != blob.get("sha256"):
        raise ValueError(
            f"The saved {library} index is damaged (its SHA-256 digest does not match); "
            "refit the estimator or load an intact copy of the file."
        )
    return blob["bytes"]


class FaissIndex:
    """A faiss index (any ``index_factory`` string) under the inner-product metric.

    Parameters
    ----------
    spec : str
        faiss ``index_factory`` description: ``"Flat"`` (exact), ``"HNSW32"``,
        ``"IVF1024,Flat"``...
    n_probe : int or None
        Inverted lists visited per query by IVF indexes (faiss' ``nprobe``).
    ef_construction, ef_search : int or None
        HNSW build and search beam widths (faiss' ``efConstruction``, ``efSearch``).
    seed : int
        Seed of faiss' k-means when the index needs training.
    """

    def __init__(self, spec, *, n_probe=None, ef_construction=None, ef_search=None, seed=0):
        self.spec = spec
        self.n_probe = n_probe
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.seed = seed
        self.index = None
        # faiss numbers rows in the order they are added; labels[i] is the row number of
        # faiss' row i (None while that is the identity).
        self.labels = None

    def build(self, vectors, n_threads, rows=None, verbose=False):
        """Create the index, train it on ``vectors[rows]`` if it needs it, and add those rows."""
        faiss = _require("faiss", "faiss-cpu")
        rows = np.arange(len(vectors)) if rows is None else rows
        try:
            index = faiss.index_factory(vectors.shape[1], self.spec, faiss.METRIC_INNER_PRODUCT)
        except RuntimeError as error:
            raise ValueError(
                f"faiss could not build an index from faiss_index={self.spec!r}: "
                f"{str(error).strip().splitlines()[-1]}"
            ) from None
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            ivf.cp.seed = int(self.seed)
        hnsw = self._hnsw(faiss, index)
        if hnsw is not None and self.ef_construction is not None:
            hnsw.efConstruction = int(self.ef_construction)
        if not index.is_trained:
            if len(rows) < getattr(ivf, "nlist", 1):
                raise ValueError(
                    f"faiss_index={self.spec!r} needs at least {ivf.nlist} training "
                    f"vectors (one per inverted list); got {len(rows)}."
                )
            with _faiss_threads(faiss, n_threads):
                index.train(np.ascontiguousarray(vectors[rows], dtype=np.float32))
        self.index, self.labels = index, None
        self.add(vectors, rows, n_threads, verbose)
        return self

    def add(self, vectors, rows, n_threads, verbose=False):
        """Add ``vectors[rows]``, to be found under the row numbers ``rows``."""
        faiss = _require("faiss", "faiss-cpu")
        start = self.index.ntotal
        with _faiss_threads(faiss, n_threads):
            _add_in_chunks(
                lambda chunk, _: self.index.add(chunk), vectors, rows, verbose, "faiss index"
            )
        rows = np.asarray(rows, dtype=np.int64)
        identity = self.labels is None and np.array_equal(rows, np.arange(start, start + len(rows)))
        if not identity:
            previous = np.arange(start) if self.labels is None else self.labels
            self.labels = np.concatenate([previous, rows])
        return self

    @staticmethod
    def _hnsw(faiss, index):
        if hasattr(faiss, "try_extract_index_hnsw"):
            return getattr(faiss.try_extract_index_hnsw(index), "hnsw", None)
        return getattr(index, "hnsw", None)

    def knob(self, k, n_rows):
        """(name, smallest, largest) of the setting that trades speed for recall, or None."""
        faiss = _require("faiss", "faiss-cpu")
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            return "n_probe", 1, int(ivf.nlist)
        if self._hnsw(faiss, self.index) is not None:
            return "ef_search", k, max(k, min(MAX_EF_SEARCH, n_rows))
        return None

    def search(self, queries, k, n_threads, *, n_probe=None, ef_search=None):
        """(similarities, indices) of the k best rows; index -1 where faiss found fewer.

        ``n_probe`` and ``ef_search`` are query-time settings (None: as at build time).
        """
        faiss = _require("faiss", "faiss-cpu")
        n_probe = self.n_probe if n_probe is None else n_probe
        ef_search = self.ef_search if ef_search is None else ef_search
        space = faiss.ParameterSpace()
        if n_probe is not None and faiss.try_extract_index_ivf(self.index) is not None:
            space.set_index_parameter(self.index, "nprobe", int(n_probe))
        if ef_search is not None and self._hnsw(faiss, self.index) is not None:
            space.set_index_parameter(self.index, "efSearch", max(int(ef_search), k))
        with _faiss_threads(faiss, n_threads):
            sims, indices = self.index.search(queries, k)
        if self.labels is not None:
            indices = np.where(indices < 0, -1, self.labels[np.maximum(indices, 0)])
        return sims, indices.astype(np.int64, copy=False)

    def __getstate__(self):
        state = self.__dict__.copy()
        if self.index is not None:
            import faiss

            state["index"] = _pack(faiss.serialize_index(self.index).tobytes())
        return state

    def __setstate__(self, state):
        if state.get("index") is not None:
            faiss = _require("faiss", "faiss-cpu")
            payload = _unpack(state["index"], "faiss")
            state["index"] = faiss.deserialize_index(np.frombuffer(payload, dtype=np.uint8))
        state.setdefault("labels", None)
        self.__dict__.update(state)


class _faiss_threads:
    """faiss' OpenMP thread count for one call (None: unchanged), restored afterwards."""

    def __init__(self, faiss, n_threads):
        self.faiss, self.n_threads = faiss, n_threads

    def __enter__(self):
        self.previous = self.faiss.omp_get_max_threads()
        if self.n_threads is not None:
            self.faiss.omp_set_num_threads(self.n_threads)

    def __exit__(self, *exc):
        self.faiss.omp_set_num_threads(self.previous)


class HnswIndex:
    """An hnswlib graph under the inner-product space.

    Parameters
    ----------
    m : int
        Links per node (hnswlib's ``M``).
    ef_construction, ef_search : int
        Build and search beam widths; the search uses at least ``k``.
    seed : int
        hnswlib's ``random_seed`` (the level of each inserted node).
    """

    def __init__(self, *, m, ef_construction, ef_search, seed=0):
        self.m = m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.seed = seed
        self.index = None

    def build(self, vectors, n_threads, rows=None, verbose=False):
        """Create a graph with room for every row of ``vectors`` and add ``vectors[rows]``."""
        hnswlib = _require("hnswlib", "hnswlib")
        index = hnswlib.Index(space="ip", dim=vectors.shape[1])
        index.init_index(
            max_elements=vectors.shape[0],
            M=int(self.m),
            ef_construction=int(self.ef_construction),
            random_seed=int(self.seed),
        )
        self.index = index
        rows = np.arange(len(vectors)) if rows is None else rows
        return self.add(vectors, rows, n_threads, verbose)

    def add(self, vectors, rows, n_threads, verbose=False):
        """Add ``vectors[rows]``, labelled by their row numbers."""
        _add_in_chunks(
            lambda chunk, labels: self.index.add_items(chunk, labels, num_threads=n_threads),
            vectors,
            rows,
            verbose,
            "hnsw graph",
        )
        return self

    def knob(self, k, n_rows):
        """(name, smallest, largest) of the setting that trades speed for recall."""
        return "ef_search", k, max(k, min(MAX_EF_SEARCH, n_rows))

    def search(self, queries, k, n_threads, *, ef_search=None, **_):
        """(similarities, indices) of the k best rows found (``ef_search``: None, as built)."""
        self.index.set_ef(max(int(self.ef_search if ef_search is None else ef_search), k))
        labels, distances = self.index.knn_query(queries, k=k, num_threads=n_threads)
        return 1.0 - distances, labels.astype(np.int64, copy=False)

    def __getstate__(self):
        state = self.__dict__.copy()
        if self.index is not None:
            import os
            import tempfile

            # hnswlib writes its graph to a file; the bytes travel in the pickle.
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "index.bin")
                self.index.save_index(path)
                with open(path, "rb") as fh:
                    payload = _pack(fh.read())
            state["index"] = (self.index.dim, self.index.get_max_elements(), payload)
        return state

    def __setstate__(self, state):
        if state.get("index") is not None:
            import os
            import tempfile

            hnswlib = _require("hnswlib", "hnswlib")
            dim, max_elements, blob = state["index"]
            payload = _unpack(blob, "hnswlib")
            _check_hnsw_header(payload, dim, max_elements)
            index = hnswlib.Index(space="ip", dim=dim)
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "index.bin")
                with open(path, "wb") as fh:
                    fh.write(payload)
                index.load_index(path, max_elements=max_elements)
            state["index"] = index
        self.__dict__.update(state)


def _check_hnsw_header(payload, dim, max_elements):
    """The dimension and capacity pickled beside the graph must be the graph's own.

    They sit outside the digest, and hnswlib trusts the dimension it is given: a wrong one
    loads silently and reads every vector past its end. The graph file starts with six
    size_t fields (offsetLevel0, max_elements, cur_element_count, size_data_per_element,
    label_offset, offsetData); a vector takes label_offset - offsetData = 4 * dim bytes.
    """
    import struct

    fields = struct.unpack_from("<6Q", payload) if len(payload) >= 48 else None
    if (
        fields is None
        or not isinstance(dim, int)
        or not isinstance(max_elements, int)
        or fields[1] != max_elements
        or fields[4] - fields[5] != 4 * dim
    ):
        raise ValueError(
            "The saved hnswlib index is damaged (its dimension or capacity does not match "
            "the graph); refit the estimator or load an intact copy of the file."
        )
