"""CosineNeighbors: scikit-learn's answers (cosine brute force), exactly, fast, on vectors or texts."""

from __future__ import annotations

import pickle
import re
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import KNeighborsTransformer, NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lexembed import CosineNeighbors, GloveVectorizer
from sklearn_lexembed.datasets import load_polarity

RNG = np.random.default_rng(42)
X = RNG.normal(size=(300, 16))
QUERIES = RNG.normal(size=(40, 16))
TEXTS = load_polarity()[0][:60]


def _reference(X, queries=None, k=5):
    """scikit-learn's cosine brute force."""
    return (
        NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute")
        .fit(X)
        .kneighbors(queries)
    )


def _ranked_by_index(X, queries, k, exclude_self=False):
    """float64 distances of every pair, best first, equal distances in index order."""

    def unit(A):
        norms = np.linalg.norm(A, axis=1, keepdims=True)
        return A / np.where(norms == 0, 1, norms)

    distances = 1 - unit(queries) @ unit(X).T
    if exclude_self:
        np.fill_diagonal(distances, np.inf)
    order = np.lexsort((np.broadcast_to(np.arange(len(X)), distances.shape), distances), axis=1)
    return np.take_along_axis(distances, order, 1)[:, :k], order[:, :k]


@parametrize_with_checks([CosineNeighbors(), CosineNeighbors(n_neighbors=2, batch_size=3)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ----------------------------------------------------------------- same answers as sklearn
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("query", ["new points", "X=None"])
@pytest.mark.parametrize("k", [1, 5, 40])
def test_kneighbors_matches_sklearn(dtype, query, k):
    data, queries = X.astype(dtype), None if query == "X=None" else QUERIES.astype(dtype)
    expected_dist, expected_ind = _reference(data, queries, k)
    dist, ind = CosineNeighbors(n_neighbors=k, batch_size=16).fit(data).kneighbors(queries)
    np.testing.assert_array_equal(ind, expected_ind)
    np.testing.assert_allclose(dist, expected_dist, atol=1e-5)
    assert dist.dtype == dtype


@pytest.mark.slow
def test_glove_vectors_match_sklearn(glove_store):
    vectors = np.asarray(glove_store.vectors[:20000])
    queries = vectors[np.random.default_rng(0).choice(len(vectors), 200, replace=False)]
    expected_dist, expected_ind = _reference(
        vectors.astype(np.float64), queries.astype(np.float64), 10
    )
    search = CosineNeighbors(n_neighbors=10).fit(vectors)
    dist, ind = search.kneighbors(queries)
    np.testing.assert_array_equal(ind, expected_ind)
    np.testing.assert_allclose(dist, expected_dist, atol=1e-5)
    # Each query is an indexed row: itself first at distance 0, and excluded with X=None.
    np.testing.assert_allclose(dist[:, 0], 0, atol=1e-6)
    small = vectors[:3000]
    _, ind_train = CosineNeighbors(n_neighbors=3).fit(small).kneighbors()
    np.testing.assert_array_equal(ind_train, _reference(small.astype(np.float64), None, 3)[1])


def test_ties_are_broken_by_index_and_zero_vectors_are_at_distance_one():
    data = X[:50].copy()
    data[[10, 30, 45]] = data[5]  # four identical rows
    data[[7, 8]] = 0.0
    queries = np.vstack([data[5], np.zeros(16), QUERIES[:5]])
    search = CosineNeighbors(n_neighbors=6).fit(data)
    for q, exclude in ((queries, False), (None, True)):
        dist, ind = search.kneighbors(q)
        expected_dist, expected_ind = _ranked_by_index(data, data if q is None else q, 6, exclude)
        np.testing.assert_array_equal(ind, expected_ind)
        np.testing.assert_allclose(dist, expected_dist, atol=1e-6)
    dist, ind = search.kneighbors(queries[:2])
    np.testing.assert_array_equal(ind[0, :4], [5, 10, 30, 45])
    np.testing.assert_array_equal(ind[1], np.arange(6))  # a zero query: all at 1.0
    np.testing.assert_array_equal(dist[1], 1.0)
    dist_all, ind_all = search.kneighbors(queries, n_neighbors=50)
    assert not np.isnan(dist_all).any()
    np.testing.assert_array_equal(dist_all[np.isin(ind_all, [7, 8])], 1.0)


def test_sparse_input_gives_the_dense_answer():
    data = sp.random(200, 30, density=0.2, random_state=0, format="csr")
    queries = sp.random(20, 30, density=0.2, random_state=1, format="csr")
    dense = CosineNeighbors(n_neighbors=4).fit(data.toarray())
    sparse = CosineNeighbors(n_neighbors=4).fit(data)
    for q in (queries, queries.toarray(), None):
        np.testing.assert_array_equal(
            sparse.kneighbors(q)[1], dense.kneighbors(None if q is None else queries)[1]
        )
        np.testing.assert_allclose(
            sparse.kneighbors(q)[0], dense.kneighbors(None if q is None else queries)[0], atol=1e-6
        )


@pytest.mark.parametrize("query", ["new points", "X=None"])
@pytest.mark.parametrize("sparse_input", [False, True])
def test_radius_neighbors_matches_sklearn(query, sparse_input):
    data = sp.csr_matrix(X) if sparse_input else X
    queries = None if query == "X=None" else QUERIES
    ours = CosineNeighbors(radius=0.7).fit(data)
    theirs = NearestNeighbors(radius=0.7, metric="cosine", algorithm="brute").fit(X)
    dist, ind = ours.radius_neighbors(queries, sort_results=True)
    expected_dist, expected_ind = theirs.radius_neighbors(queries, sort_results=True)
    assert sum(map(len, ind)) > 100
    for a, b, da, db in zip(ind, expected_ind, dist, expected_dist):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(da, db, atol=1e-6)
    unsorted = ours.radius_neighbors(queries, radius=0.7, return_distance=False)
    for a, b in zip(unsorted, expected_ind):
        np.testing.assert_array_equal(a, np.sort(b))


@pytest.mark.parametrize("mode", ["connectivity", "distance"])
def test_kneighbors_graph_and_transform_match_kneighbors_transformer(mode):
    ours = CosineNeighbors(n_neighbors=4).fit(X)
    theirs = NearestNeighbors(n_neighbors=4, metric="cosine", algorithm="brute").fit(X)
    for q in (QUERIES, None):
        graph = ours.kneighbors_graph(q, mode=mode)
        expected = theirs.kneighbors_graph(q, mode=mode)
        assert sp.issparse(graph) and graph.format == "csr"
        np.testing.assert_allclose(graph.toarray(), expected.toarray(), atol=1e-6)
    transformer = KNeighborsTransformer(n_neighbors=4, metric="cosine", algorithm="brute")
    np.testing.assert_allclose(
        ours.transform(QUERIES).toarray(),
        transformer.fit(X).transform(QUERIES).toarray(),
        atol=1e-6,
    )
    assert len(ours.get_feature_names_out()) == len(X)


@pytest.mark.parametrize("mode", ["connectivity", "distance"])
def test_radius_neighbors_graph_matches_sklearn(mode):
    ours = CosineNeighbors(radius=0.7).fit(X)
    theirs = NearestNeighbors(radius=0.7, metric="cosine", algorithm="brute").fit(X)
    for q in (QUERIES, None):
        graph = ours.radius_neighbors_graph(q, mode=mode)
        expected = theirs.radius_neighbors_graph(q, mode=mode)
        assert graph.format == "csr" and graph.nnz == expected.nnz > 100
        np.testing.assert_allclose(graph.toarray(), expected.toarray(), atol=1e-6)
    assert ours.radius_neighbors_graph(QUERIES, radius=0.0).nnz == 0
    with pytest.raises(ValueError, match=re.escape("mode must be 'connectivity' or 'distance'")):
        ours.radius_neighbors_graph(QUERIES, mode="weights")


def test_blocks_and_threads_do_not_change_the_answer():
    expected = CosineNeighbors(n_neighbors=7).fit(X).kneighbors(QUERIES)
    for batch_size, n_jobs in ((1, 1), (7, 2), (1000, -1)):
        got = (
            CosineNeighbors(n_neighbors=7, batch_size=batch_size, n_jobs=n_jobs)
            .fit(X)
            .kneighbors(QUERIES)
        )
        np.testing.assert_array_equal(got[1], expected[1])
        np.testing.assert_array_equal(got[0], expected[0])


def test_index_larger_than_one_tile(monkeypatch):
    """Several tiles, a ragged last one, and the self row on a tile border."""
    import sklearn_lexembed.neighbors._exact as knn

    monkeypatch.setattr(knn, "_TILE", 64)
    data = np.random.default_rng(1).normal(size=(1000, 8))
    dist, ind = CosineNeighbors(n_neighbors=9, batch_size=50).fit(data).kneighbors()
    expected_dist, expected_ind = _reference(data, None, 9)
    np.testing.assert_array_equal(ind, expected_ind)
    np.testing.assert_allclose(dist, expected_dist, atol=1e-6)


# --------------------------------------------------------------------------- the encoder
def test_encoder_takes_raw_texts(fitted_glove):
    search = CosineNeighbors(n_neighbors=3, encoder=GloveVectorizer()).fit(TEXTS)
    on_vectors = CosineNeighbors(n_neighbors=3).fit(fitted_glove.transform(TEXTS))
    queries = ["a funny and moving film", "boring plot"]
    np.testing.assert_array_equal(
        search.kneighbors(queries)[1], on_vectors.kneighbors(fitted_glove.transform(queries))[1]
    )
    np.testing.assert_array_equal(search.kneighbors()[1], on_vectors.kneighbors()[1])
    assert search.__sklearn_tags__().input_tags.string


def test_unfitted_encoder_is_cloned_fitted_encoder_is_used_as_is():
    unfitted = TfidfVectorizer()
    search = CosineNeighbors(encoder=unfitted).fit(TEXTS)
    assert search.encoder_ is not unfitted and not hasattr(unfitted, "vocabulary_")
    fitted = TfidfVectorizer().fit(TEXTS[:10])
    search = CosineNeighbors(encoder=fitted).fit(TEXTS)
    assert search.encoder_ is fitted
    assert len(fitted.vocabulary_) == len(TfidfVectorizer().fit(TEXTS[:10]).vocabulary_)


def test_sparse_encoder_output_matches_sklearn():
    tfidf = TfidfVectorizer().fit(TEXTS)
    search = CosineNeighbors(n_neighbors=4, encoder=TfidfVectorizer()).fit(TEXTS)
    expected = _reference(tfidf.transform(TEXTS), tfidf.transform(TEXTS[:5]), 4)
    dist, ind = search.kneighbors(TEXTS[:5])
    np.testing.assert_allclose(dist, expected[0], atol=1e-6)
    np.testing.assert_array_equal(dist[:, 0], 0)


def test_pipeline_and_pickle():
    pipeline = make_pipeline(GloveVectorizer(), CosineNeighbors(n_neighbors=2)).fit(TEXTS)
    graph = pipeline.transform(TEXTS[:3])
    assert graph.shape == (3, len(TEXTS))
    restored = pickle.loads(pickle.dumps(pipeline))
    np.testing.assert_array_equal(restored.transform(TEXTS[:3]).toarray(), graph.toarray())
    copy = clone(CosineNeighbors(encoder=GloveVectorizer()))
    assert copy.encoder is not None and not hasattr(copy, "encoder_")


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "texts",
    [["a text", "another"], ("a text",), np.array(["a text", "another"]), "a text"],
    ids=["list", "tuple", "str-array", "str"],
)
def test_text_without_an_encoder_says_to_pass_one(texts):
    message = "CosineNeighbors was given text but has no encoder; pass one"
    with pytest.raises(TypeError, match=re.escape(message)):
        CosineNeighbors().fit(texts)
    with pytest.raises(TypeError, match=re.escape(message)):
        CosineNeighbors(n_neighbors=1).fit(X).kneighbors(texts)
    objects = np.array(["a text", "another"], dtype=object)
    with pytest.raises(TypeError, match=re.escape(message)):
        CosineNeighbors().fit(objects)


def test_bad_input_errors_are_clear():
    search = CosineNeighbors(n_neighbors=3).fit(X)
    with pytest.raises(
        ValueError,
        match=re.escape("X has 5 features, but CosineNeighbors is expecting 16 features as input"),
    ):
        search.kneighbors(np.ones((2, 5)))
    bad = QUERIES.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=re.escape("Input contains NaN (nan) at row 3, column 2")):
        search.kneighbors(bad)
    bad[3, 2] = -np.inf
    with pytest.raises(ValueError, match=re.escape("Input contains infinity (-inf) at row 3")):
        CosineNeighbors().fit(bad)
    with pytest.raises(
        ValueError, match=re.escape("Input contains infinity (inf) at row 1, column 0")
    ):
        CosineNeighbors().fit(sp.csr_matrix([[1.0, 0.0], [np.inf, 0.0]]))
    with pytest.raises(
        ValueError, match=re.escape("n_neighbors=301 is larger than the 300 sample(s) in the index")
    ):
        search.kneighbors(QUERIES, n_neighbors=301)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "n_neighbors=300 is larger than the 299 sample(s) other than the query itself"
        ),
    ):
        search.kneighbors(n_neighbors=300)
    with pytest.raises(ValueError, match=re.escape("Found array with 0 sample(s)")):
        CosineNeighbors().fit(np.empty((0, 4)))
    with pytest.raises(ValueError, match=re.escape("radius_neighbors needs a radius")):
        search.radius_neighbors(QUERIES)
    with pytest.raises(
        ValueError, match=re.escape("return_distance must be True if sort_results is True.")
    ):
        search.radius_neighbors(QUERIES, radius=0.5, return_distance=False, sort_results=True)
    with pytest.raises(
        ValueError, match=re.escape("mode must be 'connectivity' or 'distance'; got 'weights'.")
    ):
        search.kneighbors_graph(QUERIES, mode="weights")
    with pytest.raises(
        ValueError, match=re.escape("algorithm='hnsw' needs dense vectors; got a sparse matrix.")
    ):
        CosineNeighbors(algorithm="hnsw").fit(sp.csr_matrix(X))
    with pytest.raises(
        ValueError,
        match=re.escape("The 'algorithm' parameter of CosineNeighbors must be a str among"),
    ):
        CosineNeighbors(algorithm="kd_tree").fit(X)


@pytest.mark.parametrize("algorithm, module", [("faiss", "faiss"), ("hnsw", "hnswlib")])
def test_missing_ann_library_names_the_extra(monkeypatch, algorithm, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes the import fail
    with pytest.raises(ImportError, match=re.escape("pip install 'sklearn-lexembed[ann]'")):
        CosineNeighbors(algorithm=algorithm).fit(X)


# ------------------------------------------------------------------ approximate backends
@pytest.fixture(scope="module")
def glove_sample(glove_store):
    # The 20,000 most frequent words: building a graph index over 50,000 took 4x longer.
    vectors = np.asarray(glove_store.vectors[:20000])
    queries = vectors[np.random.default_rng(1).choice(len(vectors), 300, replace=False)]
    queries = queries + np.random.default_rng(2).normal(scale=0.1, size=queries.shape)
    exact = CosineNeighbors(n_neighbors=10, algorithm="brute").fit(vectors).kneighbors(queries)
    return vectors, queries.astype(np.float32), exact


def _recall(found, expected):
    return np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, expected)])


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        {"algorithm": "hnsw"},
        {"algorithm": "faiss", "faiss_index": "HNSW32"},
        {"algorithm": "faiss", "faiss_index": "IVF256,Flat", "n_probe": 16},
    ],
    ids=["hnswlib", "faiss-HNSW32", "faiss-IVF"],
)
def test_ann_recall_on_glove(glove_sample, params):
    pytest.importorskip("faiss")
    pytest.importorskip("hnswlib")
    vectors, queries, (exact_dist, exact_ind) = glove_sample
    search = CosineNeighbors(n_neighbors=10, random_state=0, **params).fit(vectors)
    dist, ind = search.kneighbors(queries)
    # Measured 1.000 (hnswlib), 1.000 (faiss HNSW32), 0.966 (IVF; 0.971 on 50,000 words);
    # 0.95 is the bar.
    assert _recall(ind, exact_ind) >= 0.95
    # Found neighbours carry exact distances, sorted.
    assert np.all(np.diff(dist, axis=1) >= 0)
    hit = ind == exact_ind
    np.testing.assert_allclose(dist[hit], exact_dist[hit], atol=1e-6)
    restored = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(restored.kneighbors(queries)[1], ind)


def test_faiss_flat_is_exact_and_x_none_excludes_self():
    pytest.importorskip("faiss")
    search = CosineNeighbors(n_neighbors=5, algorithm="faiss", faiss_index="Flat").fit(X)
    for q in (QUERIES, None):
        dist, ind = search.kneighbors(q)
        expected_dist, expected_ind = _reference(X, q, 5)
        np.testing.assert_array_equal(ind, expected_ind)
        np.testing.assert_allclose(dist, expected_dist, atol=1e-6)
    assert search.effective_algorithm_ == "faiss"
    assert CosineNeighbors().fit(X).effective_algorithm_ == "brute"


def test_hnsw_is_reproducible_with_random_state():
    pytest.importorskip("hnswlib")
    first = CosineNeighbors(algorithm="hnsw", random_state=0, n_jobs=1).fit(X)
    second = CosineNeighbors(algorithm="hnsw", random_state=0, n_jobs=1).fit(X)
    np.testing.assert_array_equal(first.kneighbors(QUERIES)[1], second.kneighbors(QUERIES)[1])
    np.testing.assert_array_equal(first.kneighbors()[1], _reference(X, None, 5)[1])


# ------------------------------------------------------------- one answer, whichever path
def _tied_data():
    data = np.random.default_rng(3).normal(size=(700, 12))
    data[[10, 300, 650]] = data[5]  # four identical rows
    data[[7, 400]] = 0.0
    return data


def test_single_query_tiled_and_threaded_paths_give_one_answer(monkeypatch):
    """A few queries are scored by one whole-index product, more by tiles on threads: the
    same neighbours in the same order, and the same distances to float32 precision."""
    import sklearn_lexembed.neighbors._exact as knn

    data = _tied_data()
    queries = np.vstack([data[5], np.zeros(12), data[:3] + 1e-3, QUERIES[:5, :12]])
    expected_dist, expected_ind = _ranked_by_index(data, queries, 8)
    answers = []
    search = CosineNeighbors(n_neighbors=8, batch_size=4).fit(data)
    answers.append([np.vstack(a) for a in zip(*(search.kneighbors(q[None]) for q in queries))])
    answers.append(search.kneighbors(queries))
    answers.append(search.set_params(n_jobs=2, batch_size=3).kneighbors(queries))
    monkeypatch.setattr(knn, "_TILE", 64)  # many tiles, a ragged last one
    monkeypatch.setattr(knn, "_CHUNK_BYTES", 1)  # selection one query at a time
    answers.append(search.set_params(n_jobs=1, batch_size=5).kneighbors(queries))
    for dist, ind in answers:
        np.testing.assert_array_equal(ind, expected_ind)
        np.testing.assert_allclose(dist, expected_dist, rtol=0, atol=1e-7)
    _, own = search.kneighbors()
    np.testing.assert_array_equal(own, _ranked_by_index(data, data, 8, exclude_self=True)[1])


def test_radius_search_in_tiles_keeps_index_order(monkeypatch):
    import sklearn_lexembed.neighbors._exact as knn

    data = _tied_data()
    theirs = NearestNeighbors(radius=0.8, metric="cosine", algorithm="brute").fit(data)
    expected_dist, expected_ind = theirs.radius_neighbors(QUERIES[:, :12], sort_results=True)
    monkeypatch.setattr(knn, "_TILE", 64)
    monkeypatch.setattr(knn, "_RESCORE_CHUNK", 7)
    search = CosineNeighbors(radius=0.8, batch_size=16).fit(data)
    dist, ind = search.radius_neighbors(QUERIES[:, :12], sort_results=True)
    unsorted = search.radius_neighbors(QUERIES[:, :12], return_distance=False)
    assert sum(map(len, ind)) > 1000
    for a, b, da, db, u in zip(ind, expected_ind, dist, expected_dist, unsorted):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(da, db, atol=1e-7)
        np.testing.assert_array_equal(u, np.sort(b))


def test_exact_search_never_imports_torch():
    # The first query of a fresh process must cost what later ones do: importing torch took
    # more than a second of it.
    code = (
        "import sys, numpy as np\n"
        "from sklearn_lexembed import CosineNeighbors\n"
        "X = np.random.default_rng(0).normal(size=(200, 50))\n"
        "search = CosineNeighbors(radius=0.9).fit(X)\n"
        "search.kneighbors(X[:1]); search.kneighbors(X[:50]); search.kneighbors()\n"
        "search.radius_neighbors(X[:50]); search.kneighbors_graph(X[:9])\n"
        "print('torch' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("batch_size", [16, 256])
def test_peak_memory_of_exact_search_is_as_documented(batch_size):
    """The numpy buffers of one call (tracemalloc sees them all), against the documented
    formula: ``batch_size x (8192 + n_samples_fit / 16) x 4`` bytes for kneighbors, plus 4 MB
    of selection temporaries; ``batch_size x 8192 x 5`` for a radius query, plus what it
    finds."""
    import tracemalloc

    data = np.random.default_rng(0).normal(size=(60000, 8)).astype(np.float32)
    queries = data[:512] + np.float32(0.01)
    search = CosineNeighbors(n_neighbors=10, batch_size=batch_size, radius=0.02).fit(data)
    outputs = 512 * 10 * 16
    tracemalloc.start()
    try:
        search.kneighbors(queries)
        knn_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        found = search.radius_neighbors(queries)[1]
        radius_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    queries_copies = queries.size * 8 * 3  # validated, normalised float64, float32 copies
    documented = batch_size * (8192 + 60000 / 16) * 4 + 4 * 2**20
    # Measured 1.6 and 18.2 MB against 4.7 and 15.7 documented; before the selection was
    # chunked, 1024-query blocks peaked at 3 times the formula, and radius queries held
    # batch_size x n_samples_fit scores.
    assert knn_peak <= 1.5 * documented + outputs + queries_copies
    n_found = sum(map(len, found))
    assert radius_peak <= 1.5 * batch_size * 8192 * 5 + 200 * n_found + queries_copies


# ------------------------------------------------------------------ texts, tables, columns
@pytest.mark.parametrize("table", ["array", "list of rows", "DataFrame"])
def test_a_column_of_texts(table, fitted_glove):
    pd = pytest.importorskip("pandas")
    column = {
        "array": np.array(TEXTS[:6])[:, None],
        "list of rows": [[text] for text in TEXTS[:6]],
        "DataFrame": pd.DataFrame({"text": TEXTS[:6]}),
    }[table]
    with pytest.raises(TypeError, match=re.escape("was given text but has no encoder; pass one")):
        CosineNeighbors().fit(column)
    # Our encoders name the fix; TfidfVectorizer reads a DataFrame by its column names.
    with pytest.raises((ValueError, TypeError), match=r"column|the texts themselves"):
        CosineNeighbors(n_neighbors=1, encoder=GloveVectorizer()).fit(column)
    if table == "DataFrame":
        with pytest.raises(
            ValueError, match=re.escape("The encoder returned 1 vector(s) for 6 input(s)")
        ):
            CosineNeighbors(n_neighbors=1, encoder=TfidfVectorizer()).fit(column)
