"""Approximate cosine search: faiss and hnswlib indexes over unit-normalised float32 rows.

Both take inner products of unit vectors, so the cosine similarity is their score. Imports
happen when an index is built; a missing library raises an ImportError naming the extra. Each
wrapper pickles its index as bytes, since neither library's index pickles by itself reliably.
"""

from __future__ import annotations

import numpy as np

__all__ = ["FaissIndex", "HnswIndex"]

_EXTRA_HINT = "pip install 'sklearn-lexembed[ann]'"


def _require(module, package):
    try:
        return __import__(module)
    except ImportError as error:
        raise ImportError(
            f"algorithm={module.replace('lib', '')!r} needs the {package} package, which is "
            f"not installed. Install the 'ann' extra: {_EXTRA_HINT}"
        ) from error


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

    def build(self, vectors, n_threads):
        faiss = _require("faiss", "faiss-cpu")
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
        hnsw = (
            getattr(faiss.try_extract_index_hnsw(index), "hnsw", None)
            if hasattr(faiss, "try_extract_index_hnsw")
            else getattr(index, "hnsw", None)
        )
        if hnsw is not None and self.ef_construction is not None:
            hnsw.efConstruction = int(self.ef_construction)
        with _faiss_threads(faiss, n_threads):
            if not index.is_trained:
                if vectors.shape[0] < getattr(ivf, "nlist", 1):
                    raise ValueError(
                        f"faiss_index={self.spec!r} needs at least {ivf.nlist} training "
                        f"vectors (one per inverted list); got {vectors.shape[0]}."
                    )
                index.train(vectors)
            index.add(vectors)
        self.index = index
        return self

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
        if ef_search is not None and "HNSW" in self.spec.upper():
            space.set_index_parameter(self.index, "efSearch", max(int(ef_search), k))
        with _faiss_threads(faiss, n_threads):
            sims, indices = self.index.search(np.ascontiguousarray(queries, np.float32), k)
        return sims, indices.astype(np.int64)

    def __getstate__(self):
        state = self.__dict__.copy()
        if self.index is not None:
            import faiss

            state["index"] = faiss.serialize_index(self.index)
        return state

    def __setstate__(self, state):
        if state.get("index") is not None:
            faiss = _require("faiss", "faiss-cpu")
            state["index"] = faiss.deserialize_index(state["index"])
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

    def build(self, vectors, n_threads):
        hnswlib = _require("hnswlib", "hnswlib")
        index = hnswlib.Index(space="ip", dim=vectors.shape[1])
        index.init_index(
            max_elements=vectors.shape[0],
            M=int(self.m),
            ef_construction=int(self.ef_construction),
            random_seed=int(self.seed),
        )
        index.add_items(vectors, np.arange(vectors.shape[0]), num_threads=n_threads)
        self.index = index
        return self

    def search(self, queries, k, n_threads, *, ef_search=None, **_):
        """(similarities, indices) of the k best rows found (``ef_search``: None, as built)."""
        self.index.set_ef(max(int(self.ef_search if ef_search is None else ef_search), k))
        labels, distances = self.index.knn_query(queries, k=k, num_threads=n_threads)
        return 1.0 - distances, labels.astype(np.int64)

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
                    state["index"] = (self.index.dim, self.index.get_max_elements(), fh.read())
        return state

    def __setstate__(self, state):
        if state.get("index") is not None:
            import os
            import tempfile

            hnswlib = _require("hnswlib", "hnswlib")
            dim, max_elements, payload = state["index"]
            index = hnswlib.Index(space="ip", dim=dim)
            with tempfile.TemporaryDirectory() as folder:
                path = os.path.join(folder, "index.bin")
                with open(path, "wb") as fh:
                    fh.write(payload)
                index.load_index(path, max_elements=max_elements)
            state["index"] = index
        self.__dict__.update(state)
