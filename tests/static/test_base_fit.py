"""``StaticVectorizerBase`` owns fit: the one hook, all-or-nothing fits, one OOV wording."""

from __future__ import annotations

import pickle
import re
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from sklearn_lexembed import GloveVectorizer, WordVectors
from sklearn_lexembed._core.text import DEFAULT_TOKEN_PATTERN
from sklearn_lexembed.static import _base
from sklearn_lexembed.static._base import FittedWords, StaticVectorizerBase
from sklearn_lexembed.static._oov import oov_error
from sklearn_lexembed.static._subword import SubwordTable

WORDS = ["cat", "dog", "car", "the", "sat"]
MATRIX = np.array(
    [[1.0, 0.2], [0.9, 0.3], [0.0, 1.0], [0.5, 0.5], [-0.3, 0.8]],
    dtype=np.float32,
)
DOCS = ["the cat sat", "the dog sat", "a car", "the cat and the dog", "dog dog car"]

OOV_TAIL = "is not in the vocabulary (oov='error'). Use oov='subword', 'zero' or 'ignore' to "
OOV_TAIL += "embed unknown words."


class TinyVectorizer(StaticVectorizerBase):
    """The smallest static vectorizer: a fixed table, one extra fitted attribute."""

    hook_calls: list = []

    def __init__(
        self,
        *,
        oov="subword",
        min_n=3,
        max_n=6,
        pooling="mean",
        sif_alpha=1e-3,
        normalize=False,
        lowercase=True,
        strip_accents=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        preprocessor=None,
    ):
        self.oov = oov
        self.min_n = min_n
        self.max_n = max_n
        self.pooling = pooling
        self.sif_alpha = sif_alpha
        self.normalize = normalize
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor

    def _fit_word_vectors(self, X, y=None):
        TinyVectorizer.hook_calls.append((X, y))
        return FittedWords(WordVectors(WORDS, MATRIX), attributes={"extra_": 1})


@pytest.fixture(autouse=True)
def reset_hook_calls():
    TinyVectorizer.hook_calls.clear()
    yield
    TinyVectorizer.hook_calls.clear()


# ------------------------------------------------------------------- the subclass API
def test_subclass_gets_fit_transform_and_queries():
    vectorizer = TinyVectorizer()
    assert vectorizer.fit(DOCS) is vectorizer
    assert vectorizer.extra_ == 1
    assert isinstance(vectorizer.word_vectors_, WordVectors)
    assert vectorizer.word_vectors_.words == WORDS
    assert vectorizer.idf_ is None and vectorizer.sif_weights_ is None
    assert vectorizer.sif_component_ is None

    out = vectorizer.transform(["cat dog", "car", ""])
    assert out.dtype == np.float32 and out.shape == (3, 2)
    np.testing.assert_allclose(out, [[0.95, 0.25], [0.0, 1.0], [0.0, 0.0]], rtol=1e-6)

    np.testing.assert_array_equal(vectorizer.word_vectors(["dog", "cat"]), MATRIX[[1, 0]])
    np.testing.assert_array_equal(vectorizer.word_vectors("car"), MATRIX[2])

    cat, dog = MATRIX[0].astype(np.float64), MATRIX[1].astype(np.float64)
    cosine = cat @ dog / (np.linalg.norm(cat) * np.linalg.norm(dog))
    (word, score), *_ = vectorizer.most_similar("cat", topn=1)
    assert word == "dog" and score == pytest.approx(cosine, rel=1e-6)
    assert vectorizer.similarity("cat", "dog") == pytest.approx(cosine, rel=1e-6)

    names = vectorizer.get_feature_names_out()
    assert list(names) == ["tinyvectorizer0", "tinyvectorizer1"]


@pytest.mark.parametrize("pooling", ["mean", "max", "sif", "tfidf"])
def test_fit_calls_the_hook_exactly_once(pooling):
    vectorizer = TinyVectorizer(pooling=pooling).fit(DOCS, y="ignored")
    assert len(TinyVectorizer.hook_calls) == 1
    X, y = TinyVectorizer.hook_calls[0]
    # The default _fit_documents hands the hook the checked documents as a list.
    assert type(X) is list and X == DOCS and y == "ignored"
    assert vectorizer.extra_ == 1
    vectorizer.transform(DOCS)
    assert len(TinyVectorizer.hook_calls) == 1  # transform never calls it
    clone(vectorizer).fit(DOCS)
    assert len(TinyVectorizer.hook_calls) == 2


def test_unfitted_subclass_raises_not_fitted():
    vectorizer = TinyVectorizer()
    for call in (
        lambda: vectorizer.transform(DOCS),
        lambda: vectorizer.word_vectors("cat"),
        lambda: vectorizer.most_similar("cat"),
    ):
        with pytest.raises(NotFittedError):
            call()
    assert TinyVectorizer.hook_calls == []


def test_min_n_above_max_n_raises_before_the_hook():
    message = "min_n must be <= max_n; got min_n=5 and max_n=3."
    with pytest.raises(ValueError, match=re.escape(message)):
        TinyVectorizer(min_n=5, max_n=3).fit(DOCS)
    assert TinyVectorizer.hook_calls == []


def test_tfidf_idf_is_scikit_learns_smoothed_idf():
    vectorizer = TinyVectorizer(pooling="tfidf").fit(DOCS)
    reference = TfidfVectorizer(token_pattern=DEFAULT_TOKEN_PATTERN, smooth_idf=True).fit(DOCS)
    expected = dict(zip(reference.get_feature_names_out(), reference.idf_))
    assert set(vectorizer.idf_) == set(expected)
    for word, idf in expected.items():
        assert vectorizer.idf_[word] == pytest.approx(idf, rel=1e-12)
    assert vectorizer._idf_unseen == pytest.approx(np.log(1 + len(DOCS)) + 1, rel=1e-12)


def test_tfidf_uses_the_hooks_document_frequencies():
    class CountingHook(TinyVectorizer):
        def _fit_word_vectors(self, X, y=None):
            return FittedWords(
                WordVectors(WORDS, MATRIX),
                document_frequency=Counter({"cat": 1, "dog": 3}),
                n_documents=4,
            )

    vectorizer = CountingHook(pooling="tfidf").fit(DOCS)
    assert vectorizer.idf_ == {"cat": np.log(5 / 2) + 1, "dog": np.log(5 / 4) + 1}
    assert vectorizer._idf_unseen == np.log(5) + 1


def test_sif_uses_the_store_counts():
    class CountsHook(TinyVectorizer):
        def _fit_word_vectors(self, X, y=None):
            return FittedWords(WordVectors(WORDS, MATRIX, counts=[500, 250, 150, 80, 20]))

    vectorizer = CountsHook(pooling="sif", sif_alpha=0.01).fit(DOCS)
    probabilities = np.array([500, 250, 150, 80, 20]) / 1000
    np.testing.assert_allclose(vectorizer.sif_weights_, 0.01 / (0.01 + probabilities), rtol=1e-6)
    component = vectorizer.sif_component_
    assert component.shape == (2,) and np.linalg.norm(component) == pytest.approx(1, rel=1e-6)


# ------------------------------------------------------------------- all or nothing
class ArmedTokenizer:
    """Splits on spaces; raises on its ``fail_at``-th call once armed."""

    def __init__(self):
        self.calls = 0
        self.fail_at = None

    def __call__(self, doc):
        self.calls += 1
        if self.fail_at is not None and self.calls == self.fail_at:
            raise RuntimeError(f"tokenizer failed on call {self.calls}")
        return doc.split()


SECOND_DOCS = ["car car car", "sat sat", "dog", "the car"]
PROBE = ["the cat sat", "a dog and a car", "zzqx", ""]
# "zzqx" shares no n-gram with the five words: each transform of PROBE warns of its zero row.
PROBE_WARNING = "1 of 4 documents have no token with a vector"


@pytest.mark.filterwarnings(f"ignore:{PROBE_WARNING}")
@pytest.mark.parametrize("pooling", ["sif", "tfidf"])
@pytest.mark.parametrize("k", [1, 3, len(SECOND_DOCS)])
def test_failed_refit_keeps_the_previous_fitted_state(pooling, k):
    tokenizer = ArmedTokenizer()
    vectorizer = GloveVectorizer(
        vectors=(WORDS, MATRIX), pooling=pooling, tokenizer=tokenizer, token_pattern=None
    ).fit(DOCS)
    before = vectorizer.transform(PROBE)
    state = dict(vars(vectorizer))
    pooled_stat = "idf_" if pooling == "tfidf" else "sif_component_"
    assert state[pooled_stat] is not None

    tokenizer.fail_at = tokenizer.calls + k  # the k-th call of the refit
    message = f"tokenizer failed on call {tokenizer.fail_at}"
    with pytest.raises(RuntimeError, match=f"^{re.escape(message)}$"):
        vectorizer.fit(SECOND_DOCS)
    tokenizer.fail_at = None

    assert vars(vectorizer).keys() == state.keys()
    for name, value in state.items():
        assert vars(vectorizer)[name] is value, name
    np.testing.assert_array_equal(vectorizer.transform(PROBE), before)

    # The same refit, unarmed, does change the state: the check above could fail.
    vectorizer.fit(SECOND_DOCS)
    assert vectorizer.word_vectors_ is not state["word_vectors_"]
    assert vectorizer.__dict__[pooled_stat] is not state[pooled_stat]
    assert not np.array_equal(vectorizer.transform(PROBE), before)


@pytest.mark.filterwarnings(f"ignore:{PROBE_WARNING}")
def test_failed_refit_in_the_hook_keeps_the_previous_fitted_state():
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), pooling="tfidf").fit(DOCS)
    before = vectorizer.transform(PROBE)
    state = dict(vars(vectorizer))
    vectorizer.set_params(vectors=42)
    with pytest.raises(TypeError, match=re.escape("got int")):
        vectorizer.fit(SECOND_DOCS)
    assert vars(vectorizer).keys() == state.keys()
    for name, value in state.items():
        if name != "vectors":  # the parameter set_params just changed
            assert vars(vectorizer)[name] is value, name
    vectorizer.set_params(vectors=state["vectors"])
    np.testing.assert_array_equal(vectorizer.transform(PROBE), before)


@pytest.mark.parametrize("pooling", ["sif", "tfidf"])
def test_failed_first_fit_leaves_the_estimator_unfitted(pooling):
    tokenizer = ArmedTokenizer()
    tokenizer.fail_at = 2
    vectorizer = GloveVectorizer(
        vectors=(WORDS, MATRIX), pooling=pooling, tokenizer=tokenizer, token_pattern=None
    )
    with pytest.raises(RuntimeError, match=f"^{re.escape('tokenizer failed on call 2')}$"):
        vectorizer.fit(DOCS)
    tokenizer.fail_at = None
    assert [name for name in vars(vectorizer) if name.endswith("_")] == []
    assert "_n_features_out" not in vars(vectorizer)
    with pytest.raises(NotFittedError):
        vectorizer.transform(PROBE)
    with pytest.raises(NotFittedError):
        vectorizer.word_vectors("cat")


# --------------------------------------------------------------- out-of-vocabulary
@pytest.fixture(params=["glove", "tiny"])
def error_vectorizer(request):
    if request.param == "glove":
        return GloveVectorizer(vectors=(WORDS, MATRIX), oov="error").fit(DOCS)
    return TinyVectorizer(oov="error").fit(DOCS)


def test_oov_error_from_transform_names_word_and_document(error_vectorizer):
    message = f"Word 'zzqx' in document at index 1 {OOV_TAIL}"
    with pytest.raises(KeyError, match=re.escape(message)):
        error_vectorizer.transform(["the cat", "the zzqx cat", "qqqq"])
    assert oov_error("zzqx", 1).args == (message,)


def test_oov_error_from_word_vectors_names_the_word(error_vectorizer):
    message = f"Word 'zzqx' {OOV_TAIL}"
    for words in (["cat", "zzqx", "qqqq"], "zzqx"):
        with pytest.raises(KeyError, match=re.escape(message)) as info:
            error_vectorizer.word_vectors(words)
        assert info.value.args == (message,)
    assert oov_error("zzqx").args == (message,)


def test_oov_error_document_index_counts_across_blocks(monkeypatch):
    monkeypatch.setattr(_base, "_DOCS_PER_BLOCK", 2)
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov="error").fit(DOCS)
    for docs, index in [
        (["cat", "dog", "car", "zzqx"], 3),
        (["cat", "", "", "", "dog zzqx"], 4),
        (["", "", "zzqx"], 2),
    ]:
        message = f"Word 'zzqx' in document at index {index} {OOV_TAIL}"
        with pytest.raises(KeyError, match=re.escape(message)):
            vectorizer.transform(docs)


def test_oov_ignore_zero_and_error_agree_on_known_words():
    docs = ["cat dog", "car"]
    outputs = [
        GloveVectorizer(vectors=(WORDS, MATRIX), oov=oov).fit([]).transform(docs)
        for oov in ("ignore", "zero", "error")
    ]
    np.testing.assert_array_equal(outputs[0], outputs[1])
    np.testing.assert_array_equal(outputs[0], outputs[2])


def test_oov_ignore_word_vectors_gives_a_zero_row():
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov="ignore").fit([])
    out = vectorizer.word_vectors(["cat", "zzqx", "car"])
    assert out.shape == (3, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out, [MATRIX[0], [0.0, 0.0], MATRIX[2]])
    np.testing.assert_array_equal(vectorizer.word_vectors("zzqx"), [0.0, 0.0])


def test_oov_ignore_drops_and_zero_counts_unknown_tokens():
    docs = ["cat zzqx", "zzqx qqqq"]
    message = "1 of 2 documents have no token with a vector and are embedded as zero rows "
    message += "(the first at index 1: 'zzqx qqqq')."
    with pytest.warns(UserWarning, match=re.escape(message)):
        ignore = GloveVectorizer(vectors=(WORDS, MATRIX), oov="ignore").fit([]).transform(docs)
    with pytest.warns(UserWarning, match=re.escape(message)):
        zero = GloveVectorizer(vectors=(WORDS, MATRIX), oov="zero").fit([]).transform(docs)
    np.testing.assert_allclose(ignore, [MATRIX[0], [0.0, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(zero, [MATRIX[0] / 2, [0.0, 0.0]], rtol=1e-6)


# ------------------------------------------------- the subword table is built in fit
@pytest.fixture
def table_builds(monkeypatch):
    """Every build of a subword table from a vocabulary, recorded."""
    calls = []
    build = SubwordTable.from_word_vectors.__func__

    def counting(cls, words, *args, **kwargs):
        calls.append(len(words))
        return build(cls, words, *args, **kwargs)

    monkeypatch.setattr(SubwordTable, "from_word_vectors", classmethod(counting))
    return calls


def test_fit_builds_the_subword_table_not_the_first_query(table_builds):
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX)).fit(DOCS)
    assert table_builds == [len(WORDS)]
    vectorizer.transform(["the cats sat"])
    vectorizer.word_vectors("dogs")
    vectorizer.most_similar("cars")
    assert table_builds == [len(WORDS)]
    # The base does it for every static vectorizer.
    TinyVectorizer().fit(DOCS).transform(["cats"])
    assert table_builds == [len(WORDS)] * 2


def test_an_unpickled_vectorizer_builds_the_table_while_loading(table_builds):
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX)).fit(DOCS)
    expected = vectorizer.transform(["the cats sat"])
    restored = pickle.loads(pickle.dumps(vectorizer))
    assert len(table_builds) == 2  # the store's derived tables are not pickled
    np.testing.assert_array_equal(restored.transform(["the cats sat"]), expected)
    assert len(table_builds) == 2


@pytest.mark.parametrize("oov", ["zero", "ignore", "error"])
def test_other_policies_build_no_table(table_builds, oov):
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov=oov).fit(DOCS)
    pickle.loads(pickle.dumps(vectorizer)).transform(["the cat"])
    assert table_builds == []


def test_clones_share_the_table_of_the_process_cached_store(glove_store, table_builds):
    vectorizer = GloveVectorizer().fit(DOCS)
    built = len(table_builds)
    assert built <= 1  # none if an earlier test already built it on the shared store
    clone(vectorizer).fit(DOCS)
    clone(vectorizer).set_params(pooling="sif").fit(DOCS)
    assert len(table_builds) == built


# ----------------------------------------------- most_similar with unseen words
def test_most_similar_composes_unseen_words_with_oov_subword():
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX)).fit([])
    store = vectorizer.word_vectors_
    cats, cars = vectorizer.word_vectors(["cats", "cars"])
    assert cats.any() and "cats" not in store
    assert vectorizer.most_similar("cats", topn=3) == store.most_similar(cats, topn=3)
    assert vectorizer.most_similar(["cats", "dog"], ["cars"]) == store.most_similar(
        [cats, "dog"], [cars]
    )
    # A known query word is still left out of the answer.
    assert "dog" not in [word for word, _ in vectorizer.most_similar(["cats", "dog"])]
    message = (
        "Word 'zzqx' is not in the vocabulary and none of its character n-grams is known "
        "(oov='subword'), so it has no vector to compare."
    )
    with pytest.raises(KeyError, match=re.escape(message)):
        vectorizer.most_similar(["cat", "zzqx"])


@pytest.mark.parametrize("oov", ["zero", "ignore", "error"])
def test_most_similar_unknown_word_raises_with_other_policies(oov):
    vectorizer = GloveVectorizer(vectors=(WORDS, MATRIX), oov=oov).fit([])
    with pytest.raises(KeyError, match=re.escape("Word 'cats' is not in the vocabulary.")):
        vectorizer.most_similar("cats")
    with pytest.raises(KeyError, match=re.escape("Word 'cats' is not in the vocabulary.")):
        vectorizer.most_similar("cat", negative=["cats"])


def test_most_similar_composes_an_unseen_word_near_its_stem(fitted_glove):
    assert "teachering" not in fitted_glove.word_vectors_
    neighbours = [word for word, _ in fitted_glove.most_similar("teachering", topn=10)]
    # Measured: "teaching" first, "teach" third.
    assert {"teaching", "teach"} <= set(neighbours)
