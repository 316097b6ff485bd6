"""CosineNeighbors: exact or approximate cosine neighbours of vectors or of raw texts."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._core.compat import HasMethods, Interval, StrOptions, fit_context
from .._core.rows import unit_rows
from .._core.threads import N_JOBS_CONSTRAINT, effective_threads
from ._ann import FaissIndex, HnswIndex
from ._exact import (
    brute_kneighbors,
    brute_radius_neighbors,
    rank_candidates,
    unit_queries,
    warm_up,
)
from ._recall import per_query_recall, recall_estimate, smallest_setting

__all__ = ["CosineNeighbors"]

# "auto" switches from exact brute force to hnswlib at this many indexed rows (when hnswlib is
# installed and the vectors are dense). Measured on GloVe, 2 threads, 1,000 held-out queries
# (benchmarks/results/neighbors.md): one exact query on 399,000 x 50 rows takes 4 ms (p50), in
# a real-time budget, and a graph tuned to recall 0.95 pays back its build (37 s) only after
# about 140,000 queries; the break-even grows with the index (24,000 queries at 50,000 rows).
AUTO_ANN_MIN_ROWS = 1_000_000
# Rows held out of an approximate build to measure its recall (at most; a tenth of small sets).
_CALIBRATION_QUERIES = 1000


def _refuse_text(X):
    """Text given to a search without an encoder: say what to pass, not numpy's float error."""
    dtype = getattr(X, "dtype", None)
    if isinstance(X, str):
        text = True
    elif dtype is not None:
        text = dtype.kind in "US" or (
            dtype.kind == "O" and len(X) > 0 and isinstance(np.asarray(X).ravel()[0], str)
        )
    else:
        first = X[0] if isinstance(X, list | tuple) and len(X) > 0 else None
        if isinstance(first, list | tuple) and len(first) > 0:
            first = first[0]  # a column of texts: [["a text"], ["another"]]
        text = isinstance(first, str)
    if not text and hasattr(X, "iloc") and len(X) > 0:
        # A DataFrame of texts: its dtypes may be object, str or a pandas string dtype.
        row = X.iloc[0]
        text = any(isinstance(value, str) for value in getattr(row, "values", [row]))
    if text:
        raise TypeError(
            "CosineNeighbors was given text but has no encoder; pass one, e.g. "
            "CosineNeighbors(encoder=GloveVectorizer()) or encoder=ContextualVectorizer(), or "
            "pass vectors."
        )


class CosineNeighbors(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Nearest neighbours under cosine distance, exact or approximate, of vectors or texts.

    The scikit-learn neighbours API (:class:`~sklearn.neighbors.NearestNeighbors` with
    ``metric="cosine"``): :meth:`kneighbors`, :meth:`radius_neighbors`,
    :meth:`kneighbors_graph`, and a :meth:`transform` that returns the sparse distance graph as
    :class:`~sklearn.neighbors.KNeighborsTransformer` does, so it fits in pipelines. Distances
    are ``1 - cosine similarity``, in ``[0, 2]``. With an ``encoder`` (any of this package's
    vectorizers, or any transformer), :meth:`fit` and the queries take raw texts.

    Parameters
    ----------
    n_neighbors : int, default=5
        Neighbours returned by :meth:`kneighbors` when not given there.
    radius : float, default=None
        Distance limit of :meth:`radius_neighbors` when not given there.
    algorithm : {"auto", "brute", "faiss", "hnsw"}, default="auto"
        ``"brute"`` is exact: unit-normalised float32 products shortlist candidates in cache-
        sized tiles, then float64 rescoring gives the same neighbours, in the same order, as
        scikit-learn's brute force (see Notes). ``"faiss"`` builds the faiss index described by
        ``faiss_index``; ``"hnsw"`` an hnswlib graph (both need
        ``pip install 'sklearn-lexembed[ann]'``). ``"auto"`` is ``"brute"`` below
        1,000,000 indexed rows, for sparse vectors, or when hnswlib is missing; ``"hnsw"``
        above.
    encoder : transformer, default=None
        Turns raw inputs (texts) into vectors, e.g. ``GloveVectorizer()``. An unfitted encoder
        is cloned and fitted on the texts given to :meth:`fit`; a fitted one is used as it is
        (not copied, not refitted).
    batch_size : int, default=256
        Queries per block of the exact search; each thread holds one block. Its peak extra
        memory is ``4 x batch_size x (8192 + n_samples_fit / 16)`` bytes plus 4 MB for
        :meth:`kneighbors` (on 399,000 rows: 13, 38 and 133 MB measured at 64, 256 and 1024),
        and ``5 x batch_size x 8192`` bytes plus 24 per neighbour returned for
        :meth:`radius_neighbors` (see :ref:`retrieval`). Larger blocks read the index fewer
        times: 1024 was 1.4 times faster than 64 there.
    n_jobs : int, default=None
        Threads for the graph build and the search. ``"brute"`` gives each thread whole query
        blocks (the BLAS runs one thread per block during the call, restored afterwards); faiss
        gets this many OpenMP threads and hnswlib its ``num_threads``. ``None`` means 1 unless
        in a :func:`joblib.parallel_config` context; ``-1`` uses every core.
    faiss_index : str, default="HNSW32"
        The faiss ``index_factory`` description for ``algorithm="faiss"``: ``"Flat"`` (exact),
        ``"HNSW32"`` (a graph with 32 links per node), ``"IVF1024,Flat"`` (1024 inverted
        lists)... The metric is always the inner product of unit vectors.
    n_probe : int, default=None
        Inverted lists visited per query by faiss IVF indexes (None: faiss' default, 1).
        Read at query time, like ``ef_search``: ``set_params`` changes it without refitting.
    hnsw_m : int, default=32
        Links per node of the hnswlib graph (its ``M``). On the 400,000 x 50 GloVe matrix, 32
        reached recall@10 0.95 at 25% more queries/s than 16, for a 30% longer build
        (benchmarks/bench_neighbors.py).
    ef_construction : int, default=100
        Beam width while building an HNSW graph (hnswlib, and faiss HNSW indexes). 100 builds
        the 400,000-row graph in about 40 s on 2 cores, half the time of 200, whose graph
        was barely better (M=16, ef_search=96: recall@10 0.946 against 0.941; measured).
    ef_search : int, default=100
        Beam width while searching an HNSW graph; at least ``n_neighbors`` is used. Larger is
        slower and finds more of the true neighbours. Read at query time, unless
        ``target_recall`` chose it at fit.
    target_recall : float in (0, 1], default=None
        The recall@``n_neighbors`` an approximate index must reach. :meth:`fit` holds a tenth
        of the rows (at most 1,000) out of the build, answers them at increasing effort,
        compares with exact search, keeps the smallest ``ef_search`` (HNSW) or ``n_probe``
        (IVF) whose 95% confidence interval lies at or above the target, then adds the held-out
        rows. Queries then use that setting (``query_params_``) instead of the parameters. A
        target the index cannot reach warns and keeps the largest setting tried. Exact
        algorithms have recall 1. None: no measurement, the parameters as given.
    verbose : bool, default=False
        Show a progress bar (tqdm) while an approximate index is built.
    random_state : int, RandomState instance or None, default=None
        Seeds the HNSW level draws, faiss' k-means and the rows held out for
        ``target_recall``; unused by ``"brute"``.

    Attributes
    ----------
    n_samples_fit_ : int
        Number of indexed samples.
    n_features_in_ : int
        Dimension of the indexed vectors (without an encoder).
    effective_algorithm_ : str
        The algorithm used: ``"brute"``, ``"faiss"`` or ``"hnsw"``.
    encoder_ : transformer or None
        The fitted encoder.
    recall_ : float
        Recall@``n_neighbors`` measured at fit on the held-out rows (1.0 for exact search).
        Only with ``target_recall``.
    recall_interval_ : tuple of float
        Its 95% confidence interval ``(low, high)``. Only with ``target_recall``.
    query_params_ : dict
        The query setting chosen for ``target_recall``, e.g. ``{"ef_search": 97}`` (empty
        when there is nothing to choose). Only with ``target_recall``.

    See Also
    --------
    sklearn.neighbors.NearestNeighbors : The same queries for any metric.
    sklearn.neighbors.KNeighborsTransformer : The neighbours graph as a pipeline step.

    Notes
    -----
    Exact search ranks by float64 cosine similarity and breaks ties by index. The float32
    product only shortlists ``n_neighbors + 16`` candidates per query; a worst-case rounding
    bound proves that nothing outside the shortlist can enter the top ``n_neighbors``, and a
    query where it cannot (exact duplicates, zero vectors) is redone exactly.

    A zero vector (for example a document with no known word) has cosine similarity 0, so
    distance 1.0, to everything, including another zero vector; never NaN.

    ``kneighbors(X=None)`` returns each indexed sample's neighbours other than itself.
    ``radius_neighbors`` is always exact, whatever ``algorithm``. The approximate algorithms'
    results are rescored exactly, so their distances are exact and sorted, but some true
    neighbours may be missing.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lexembed import CosineNeighbors
    >>> X = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    >>> search = CosineNeighbors(n_neighbors=2).fit(X)
    >>> distances, indices = search.kneighbors([[2.0, 0.1]])
    >>> indices
    array([[0, 1]])
    >>> np.round(distances, 3)
    array([[0.001, 0.258]])
    >>> search.kneighbors(return_distance=False)  # each sample's neighbours but itself
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    """

    _parameter_constraints: dict = {
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "radius": [Interval(Real, 0, 2, closed="both"), None],
        "algorithm": [StrOptions({"auto", "brute", "faiss", "hnsw"})],
        "encoder": [HasMethods(["transform"]), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "n_jobs": N_JOBS_CONSTRAINT,
        "faiss_index": [str],
        "n_probe": [Interval(Integral, 1, None, closed="left"), None],
        "hnsw_m": [Interval(Integral, 2, None, closed="left")],
        "ef_construction": [Interval(Integral, 1, None, closed="left")],
        "ef_search": [Interval(Integral, 1, None, closed="left")],
        "target_recall": [Interval(Real, 0, 1, closed="right"), None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_neighbors=5,
        *,
        radius=None,
        algorithm="auto",
        encoder=None,
        batch_size=256,
        n_jobs=None,
        faiss_index="HNSW32",
        n_probe=None,
        hnsw_m=32,
        ef_construction=100,
        ef_search=100,
        target_recall=None,
        verbose=False,
        random_state=None,
    ):
        self.n_neighbors = n_neighbors
        self.radius = radius
        self.algorithm = algorithm
        self.encoder = encoder
        self.batch_size = batch_size
        self.n_jobs = n_jobs
        self.faiss_index = faiss_index
        self.n_probe = n_probe
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.target_recall = target_recall
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.encoder is None
        tags.input_tags.string = self.encoder is not None
        tags.input_tags.two_d_array = self.encoder is None
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def __setstate__(self, state):
        super().__setstate__(state)
        if "n_samples_fit_" in state:
            # A loaded index answers its first query as fast as its tenth.
            warm_up()

    # ------------------------------------------------------------------ input
    def _vectors(self, X, reset):
        """Validated query or index vectors (encoded first when there is an encoder)."""
        options = {
            "accept_sparse": "csr",
            "dtype": [np.float64, np.float32],
            "ensure_all_finite": False,
        }
        if self.encoder is None:
            _refuse_text(X)
            V = validate_data(self, X, reset=reset, **options)
        else:
            V = check_array(self.encoder_.transform(X), input_name="encoded X", **options)
            _check_encoded_rows(X, V)
            if not reset and V.shape[1] != self._fit_X.shape[1]:
                raise ValueError(
                    f"The encoder returned {V.shape[1]} features, but the index has "
                    f"{self._fit_X.shape[1]}; was the encoder refitted after fit?"
                )
        _check_finite(V)
        return V

    def _fit_encoder(self, X):
        if self.encoder is None:
            self.encoder_ = None
            return
        try:
            check_is_fitted(self.encoder)
            self.encoder_ = self.encoder
        except NotFittedError:
            self.encoder_ = clone(self.encoder).fit(X)

    # -------------------------------------------------------------------- fit
    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Index the vectors (or the encoded texts) of ``X``.

        With ``target_recall`` and an approximate algorithm, a sample of the rows is held out
        of the build, searched at increasing effort, and added afterwards (see
        :ref:`retrieval`). A failure or an interrupt leaves the estimator as it was before.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or iterable of str \
                with an ``encoder``
            The samples to search among.
        y : None
            Ignored.

        Returns
        -------
        self : CosineNeighbors
            The fitted estimator.
        """
        previous = self.__dict__.copy()
        try:
            self._fit(X)
        except BaseException:
            # All or nothing: no new encoder with an old index, no half-built index.
            self.__dict__.clear()
            self.__dict__.update(previous)
            raise
        return self

    def _fit(self, X):
        for name in ("recall_", "recall_interval_", "query_params_", "_ann"):
            self.__dict__.pop(name, None)
        self._fit_encoder(X)
        V = self._vectors(X, reset=True)
        self._fit_dtype = V.dtype.name  # a str: skops trusts it
        self._fit_X = unit_rows(V)
        self.n_samples_fit_ = V.shape[0]
        self._n_features_out = self.n_samples_fit_
        self.effective_algorithm_ = self._resolve_algorithm(V)
        self._ann = None
        warm_up()
        if self.effective_algorithm_ == "brute":
            if self.target_recall is not None:
                # Exact search finds every true neighbour: nothing to measure or tune.
                self.recall_, self.recall_interval_, self.query_params_ = 1.0, (1.0, 1.0), {}
            return
        random_state = check_random_state(self.random_state)
        ann = self._new_index(random_state.randint(np.iinfo(np.int32).max))
        if self.target_recall is None:
            self._ann = ann.build(self._fit_X, self._threads(), verbose=self.verbose)
            return
        held_out = self._held_out_rows(random_state)
        kept = np.setdiff1d(np.arange(self.n_samples_fit_), held_out)
        ann.build(self._fit_X, self._threads(), rows=kept, verbose=self.verbose)
        setting, estimate = self._tune(ann, kept, held_out)
        ann.add(self._fit_X, held_out, self._threads())
        self._ann = ann
        self.query_params_ = setting
        self.recall_ = estimate.recall
        self.recall_interval_ = (estimate.low, estimate.high)

    def _new_index(self, seed):
        if self.effective_algorithm_ == "faiss":
            return FaissIndex(
                self.faiss_index,
                n_probe=self.n_probe,
                ef_construction=self.ef_construction,
                ef_search=self.ef_search,
                seed=seed,
            )
        return HnswIndex(
            m=self.hnsw_m, ef_construction=self.ef_construction, ef_search=self.ef_search, seed=seed
        )

    def _held_out_rows(self, random_state):
        """The rows held out of the build to measure recall on: a tenth, at most 1,000."""
        n = self.n_samples_fit_
        n_held = min(_CALIBRATION_QUERIES, n // 10)
        needed = max(100, 10 * self.n_neighbors)
        if n < needed:
            raise ValueError(
                f"target_recall needs at least {needed} indexed samples (a tenth, at least 10, "
                f"are held out to measure recall at n_neighbors={self.n_neighbors}); got {n}."
            )
        return np.sort(random_state.choice(n, n_held, replace=False))

    def _tune(self, ann, kept, held_out):
        """The cheapest query setting whose recall on the held-out rows reaches the target."""
        k, threads = self.n_neighbors, self._threads()
        truth, _ = brute_kneighbors(
            self._fit_X[kept],
            self._fit_X[held_out],
            k,
            batch_size=self.batch_size,
            n_threads=threads,
        )
        queries = self._fit_X[held_out]
        unit = unit_queries(queries)

        def measure(**setting):
            _, found = ann.search(queries, k, threads, **setting)
            found_sims, _ = rank_candidates(self._fit_X, queries, found, unit_queries=unit)
            return recall_estimate(per_query_recall(found_sims, truth), k)

        knob = ann.knob(k, len(kept))
        if knob is None:
            setting, estimate = {}, measure()
            reached = estimate.low >= self.target_recall
        else:
            name, low, high = knob
            value, estimate, reached = smallest_setting(
                lambda value: measure(**{name: value}), self.target_recall, low, high
            )
            setting = {name: int(value)}
        if not reached:
            how = f"with {next(iter(setting))}={next(iter(setting.values()))}, " if setting else ""
            warnings.warn(
                f"target_recall={self.target_recall} was not reached: {how}the index found "
                f"{estimate.recall:.3f} of the true {k} nearest neighbours of {len(held_out)} "
                f"held-out rows (95% interval {estimate.low:.3f} to {estimate.high:.3f}). "
                "Use a denser index (larger hnsw_m or ef_construction, more inverted lists "
                "probed, no compression), a lower target, or algorithm='brute' (exact).",
                UserWarning,
                stacklevel=4,
            )
        return setting, estimate

    def _resolve_algorithm(self, V):
        if self.algorithm in {"faiss", "hnsw"} and sp.issparse(V):
            raise ValueError(
                f"algorithm={self.algorithm!r} needs dense vectors; got a sparse matrix. Use "
                "algorithm='brute' (or 'auto'), which searches sparse vectors exactly."
            )
        if self.algorithm != "auto":
            return self.algorithm
        if sp.issparse(V) or V.shape[0] < AUTO_ANN_MIN_ROWS:
            return "brute"
        try:
            import hnswlib  # noqa: F401
        except ImportError:
            return "brute"
        return "hnsw"

    def _threads(self):
        return effective_threads(self.n_jobs)

    # ---------------------------------------------------------------- queries
    def _queries(self, X):
        """(unit or raw query vectors, self offset, distance dtype) for a query method."""
        check_is_fitted(self)
        if X is None:
            return self._fit_X, 0, np.dtype(self._fit_dtype)
        V = self._vectors(X, reset=False)
        both32 = V.dtype == np.float32 and self._fit_dtype == "float32"
        return V, None, np.float32 if both32 else np.float64

    def _check_n_neighbors(self, n_neighbors, query_is_train):
        if n_neighbors is None:
            n_neighbors = self.n_neighbors
        if not isinstance(n_neighbors, Integral) or isinstance(n_neighbors, bool):
            raise TypeError(f"n_neighbors must be an int; got {n_neighbors!r}.")
        if n_neighbors < 1:
            raise ValueError(f"n_neighbors must be >= 1; got {n_neighbors}.")
        available = self.n_samples_fit_ - query_is_train
        if n_neighbors > available:
            which = "other than the query itself (X=None)" if query_is_train else "in the index"
            raise ValueError(
                f"n_neighbors={n_neighbors} is larger than the {available} sample(s) {which}; "
                f"ask for at most {available}."
            )
        return int(n_neighbors)

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """The ``n_neighbors`` nearest indexed samples of each query, nearest first.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), iterable of str \
                with an ``encoder``, or None, default=None
            The queries. None queries every indexed sample, excluding itself.
        n_neighbors : int, default=None
            Neighbours per query (default: the ``n_neighbors`` parameter).
        return_distance : bool, default=True
            Also return the distances.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors)
            Cosine distances, float32 when both the index and the queries are float32, else
            float64. Only when ``return_distance=True``.
        neigh_ind : ndarray of shape (n_queries, n_neighbors), int64
            Row indices of the neighbours; equal distances in index order.
        """
        queries, self_offset, dtype = self._queries(X)
        n_neighbors = self._check_n_neighbors(n_neighbors, self_offset is not None)
        sims, indices = self._search(queries, n_neighbors, self_offset)
        if not return_distance:
            return indices
        return _distances(sims, dtype), indices

    def _search(self, queries, k, self_offset):
        """(float64 similarities, indices) of the k best rows, by the fitted algorithm."""
        if self.effective_algorithm_ == "brute":
            return brute_kneighbors(
                self._fit_X,
                queries,
                k,
                batch_size=self.batch_size,
                self_offset=self_offset,
                n_threads=self._threads(),
            )
        return self._ann_kneighbors(queries, k, self_offset)

    def _query_setting(self):
        """The query-time search effort: tuned at fit for a target recall, else the params."""
        if hasattr(self, "query_params_"):
            return {"n_probe": None, "ef_search": None, **self.query_params_}
        return {"n_probe": self.n_probe, "ef_search": self.ef_search}

    def _ann_kneighbors(self, queries, k, self_offset):
        extra = self_offset is not None
        if extra:
            # The index's own rows: unit float32 already; each finds itself, dropped below.
            unit, search_queries = None, queries
        else:
            unit = unit_queries(queries)
            search_queries = unit.astype(np.float32)
        _, found = self._ann.search(
            search_queries,
            min(k + extra, self.n_samples_fit_),
            self._threads(),
            **self._query_setting(),
        )
        if extra:
            # As scikit-learn does: drop the query itself, else the last neighbour.
            own = found == np.arange(len(found))[:, None]
            own[~own.any(axis=1), -1] = True
            found = found[~own].reshape(len(found), -1)
        exact, found = rank_candidates(self._fit_X, queries, found, self_offset, unit_queries=unit)
        missing = np.flatnonzero((found < 0).any(axis=1))
        if len(missing):
            # Rows the index could not fill (a small IVF probe) are answered exactly.
            exact[missing], found[missing] = brute_kneighbors(
                self._fit_X,
                queries[missing],
                k,
                batch_size=self.batch_size,
                n_threads=self._threads(),
            )
        return exact, found

    def measure_recall(self, X, n_neighbors=None, *, max_queries=1000, random_state=None):
        """Recall@k of this index on queries, against exact search, with a 95% interval.

        A check of the fitted promise (``recall_``) on the queries a service really gets:
        up to ``max_queries`` of them are answered both by the fitted algorithm and exactly.
        It costs about as much as exact search of those queries.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or iterable of str \
                with an ``encoder``
            The queries.
        n_neighbors : int, default=None
            The k of recall@k (default: the ``n_neighbors`` parameter).
        max_queries : int, default=1000
            Queries measured at most, drawn without replacement when there are more.
        random_state : int, RandomState instance or None, default=None
            Seeds that draw.

        Returns
        -------
        estimate : RecallEstimate
            A named tuple ``(recall, low, high, n_queries, n_neighbors)``: the mean share of
            the true ``n_neighbors`` nearest neighbours found per query, and its 95% interval.
        """
        if X is None:
            raise ValueError(
                "measure_recall needs queries: pass the vectors (or texts) a search will get."
            )
        if not isinstance(max_queries, Integral) or max_queries < 1:
            raise ValueError(f"max_queries must be a positive int; got {max_queries!r}.")
        queries, _, _ = self._queries(X)
        k = self._check_n_neighbors(n_neighbors, False)
        if queries.shape[0] > max_queries:
            draw = check_random_state(random_state).choice(
                queries.shape[0], max_queries, replace=False
            )
            queries = queries[np.sort(draw)]
        found, _ = self._search(queries, k, None)
        truth, _ = brute_kneighbors(
            self._fit_X, queries, k, batch_size=self.batch_size, n_threads=self._threads()
        )
        return recall_estimate(per_query_recall(found, truth), k)

    def radius_neighbors(self, X=None, radius=None, return_distance=True, sort_results=False):
        """Every indexed sample within cosine distance ``radius`` of each query (exact).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), iterable of str \
                with an ``encoder``, or None, default=None
            The queries. None queries every indexed sample, excluding itself.
        radius : float, default=None
            Largest distance returned (default: the ``radius`` parameter).
        return_distance : bool, default=True
            Also return the distances.
        sort_results : bool, default=False
            Sort each query's neighbours by distance (then index); otherwise they come in
            index order. Needs ``return_distance=True``.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries,) of ndarray
            Distances per query. Only when ``return_distance=True``.
        neigh_ind : ndarray of shape (n_queries,) of ndarray
            Indices per query.
        """
        if sort_results and not return_distance:
            raise ValueError("return_distance must be True if sort_results is True.")
        radius = self.radius if radius is None else radius
        if radius is None:
            raise ValueError(
                "radius_neighbors needs a radius: pass radius=... or set "
                "CosineNeighbors(radius=...)."
            )
        if not isinstance(radius, Real) or not 0 <= radius <= 2:
            raise ValueError(f"radius must be a cosine distance in [0, 2]; got {radius!r}.")
        queries, self_offset, dtype = self._queries(X)
        sims, indices = brute_radius_neighbors(
            self._fit_X,
            queries,
            float(radius),
            batch_size=self.batch_size,
            self_offset=self_offset,
            sort_results=sort_results,
            n_threads=self._threads(),
        )
        indices = _object_array(indices)
        if not return_distance:
            return indices
        return _object_array([_distances(s, dtype) for s in sims]), indices

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """The k-neighbours graph as a CSR matrix of shape (n_queries, n_samples_fit).

        Parameters
        ----------
        X : {array-like, sparse matrix}, iterable of str with an ``encoder``, or None, \
                default=None
            The queries; None queries every indexed sample, excluding itself.
        n_neighbors : int, default=None
            Neighbours per query (default: the ``n_neighbors`` parameter).
        mode : {"connectivity", "distance"}, default="connectivity"
            Ones, or the cosine distances, as the stored values.

        Returns
        -------
        graph : scipy.sparse.csr_matrix of shape (n_queries, n_samples_fit)
            Row ``i`` holds the ``n_neighbors`` neighbours of query ``i`` (1 or their
            distance, by ``mode``); absent entries are not neighbours.
        """
        _check_graph_mode(mode)
        distances, indices = self.kneighbors(X, n_neighbors, return_distance=True)
        n_queries, k = indices.shape
        indptr = np.arange(0, n_queries * k + 1, k)
        return _csr_graph(distances.ravel(), indices.ravel(), indptr, mode, self.n_samples_fit_)

    def radius_neighbors_graph(self, X=None, radius=None, mode="connectivity", sort_results=False):
        """The graph of neighbours within ``radius``, as a CSR matrix (exact).

        Parameters
        ----------
        X : {array-like, sparse matrix}, iterable of str with an ``encoder``, or None, \
                default=None
            The queries; None queries every indexed sample, excluding itself.
        radius : float, default=None
            Largest distance kept (default: the ``radius`` parameter).
        mode : {"connectivity", "distance"}, default="connectivity"
            Ones, or the cosine distances, as the stored values.
        sort_results : bool, default=False
            Store each row's neighbours by distance (then index) rather than by index.

        Returns
        -------
        graph : scipy.sparse.csr_matrix of shape (n_queries, n_samples_fit)
            Row ``i`` holds every indexed sample within ``radius`` of query ``i`` (1 or its
            distance, by ``mode``); absent entries are not neighbours.
        """
        _check_graph_mode(mode)
        distances, indices = self.radius_neighbors(
            X, radius, return_distance=True, sort_results=sort_results
        )
        lengths = np.fromiter(map(len, indices), np.int64, len(indices))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        dtype = distances[0].dtype if len(distances) else np.float64
        return _csr_graph(
            np.concatenate([*distances, np.empty(0, dtype)]),
            np.concatenate([*indices, np.empty(0, np.int64)]),
            indptr,
            mode,
            self.n_samples_fit_,
        )

    def transform(self, X):
        """The distance graph of ``X``, as :class:`~sklearn.neighbors.KNeighborsTransformer`.

        Each row holds the ``n_neighbors + 1`` nearest indexed samples (one extra, since a
        sample that is itself indexed is its own nearest neighbour, at distance 0).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), or iterable of str \
                with an ``encoder``
            The queries.

        Returns
        -------
        graph : scipy.sparse.csr_matrix of shape (n_queries, n_samples_fit)
            Cosine distances to the neighbours; absent entries are not neighbours.
        """
        check_is_fitted(self)
        return self.kneighbors_graph(X, self.n_neighbors + 1, mode="distance")

    def fit_transform(self, X, y=None):
        """Fit, then return the distance graph of ``X`` (see :meth:`transform`).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or iterable of str \
                with an ``encoder``
            The samples to index, which are also the queries.
        y : None
            Ignored.

        Returns
        -------
        graph : scipy.sparse.csr_matrix of shape (n_samples, n_samples)
            Cosine distances from each sample to its ``n_neighbors + 1`` nearest indexed
            samples (a sample is its own nearest one, at distance 0); absent entries are not
            neighbours.
        """
        return self.fit(X).transform(X)


def _check_encoded_rows(X, V):
    """One vector per input: an encoder that reads a table column by column (a one-column
    DataFrame given to TfidfVectorizer yields the column name) would index the wrong thing."""
    try:
        n_inputs = len(X)
    except TypeError:  # a generator of texts
        return
    if not isinstance(X, str) and V.shape[0] != n_inputs:
        shape = f" of shape {X.shape}" if hasattr(X, "shape") else ""
        raise ValueError(
            f"The encoder returned {V.shape[0]} vector(s) for {n_inputs} input(s); it must "
            f"return one per text. Got {type(X).__name__}{shape}: pass a 1-D collection of "
            "texts (for a single-column table or array, its column: X[:, 0] or df['text'])."
        )


def _check_finite(V):
    """Raise naming the first non-finite entry (row and column) of a vector matrix."""
    data = V.data if sp.issparse(V) else V
    finite = np.isfinite(data)
    if finite.all():
        return
    flat = int(np.argmin(finite.ravel()))
    if sp.issparse(V):
        coo = V.tocoo()
        bad = int(np.flatnonzero(~np.isfinite(coo.data))[0])
        row, column, value = int(coo.row[bad]), int(coo.col[bad]), coo.data[bad]
    else:
        row, column = np.unravel_index(flat, V.shape)
        value = V[row, column]
    kind = "NaN" if np.isnan(value) else "infinity"
    raise ValueError(
        f"Input contains {kind} ({value}) at row {row}, column {column}; cosine distances "
        "need finite vectors."
    )


def _distances(sims, dtype):
    return np.clip(1.0 - sims, 0.0, 2.0).astype(dtype, copy=False)


def _object_array(arrays):
    out = np.empty(len(arrays), dtype=object)
    for i, array in enumerate(arrays):
        out[i] = array
    return out


def _check_graph_mode(mode):
    if mode not in {"connectivity", "distance"}:
        raise ValueError(f"mode must be 'connectivity' or 'distance'; got {mode!r}.")


def _csr_graph(distances, indices, indptr, mode, n_samples_fit):
    """A neighbours graph from flat per-row neighbours: distances or ones as the values."""
    data = distances if mode == "distance" else np.ones(len(indices), dtype=distances.dtype)
    return sp.csr_matrix(
        (data, indices.astype(np.int64, copy=False), indptr), shape=(len(indptr) - 1, n_samples_fit)
    )
