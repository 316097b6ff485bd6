"""Starting fastText (subword) training from pretrained word vectors (issue 14).

With ``subwords=True`` a word's input vector is the mean of its own row and its n-gram rows.
``init_vectors`` starts the n-gram rows from the pretrained vectors' n-grams and sets each
word row so that the mean is exactly the word's pretrained vector (or, for a new word, its
pretrained composition); the freezing strategies act on the word rows.
"""

import re

import numpy as np
import pytest

from sklearn_lexembed import SkipGramVectorizer
from sklearn_lexembed._core.text import build_analyzer
from sklearn_lexembed.datasets import evaluation_path, load_lee_corpus
from sklearn_lexembed.skipgram._initial import initial_model, start_from
from sklearn_lexembed.skipgram._kernel import encode_chunks, train_epochs
from sklearn_lexembed.skipgram._vocab import alias_table, count_words, subsample_thresholds
from sklearn_lexembed.static._oov import subword_table
from sklearn_lexembed.static._store import WordVectors
from sklearn_lexembed.static._subword import ngram_hashes

LEE = load_lee_corpus()
DIM = 8
# A tiny pretrained table: 400 of the Lee corpus's words (so the corpus's other words are new)
# with random vectors; the n-gram table learned from it knows the n-grams shared by two words.
_ANALYZER = build_analyzer(SkipGramVectorizer())
_LEE_WORDS = count_words(LEE, _ANALYZER, min_count=2).words
PRETRAINED_WORDS = list(_LEE_WORDS[:400:2]) + ["zzyzx"]  # one word absent from the corpus
PRETRAINED_MATRIX = np.random.default_rng(0).normal(size=(len(PRETRAINED_WORDS), DIM))
PRETRAINED_MATRIX = PRETRAINED_MATRIX.astype(np.float32)
PRETRAINED = WordVectors(PRETRAINED_WORDS, PRETRAINED_MATRIX)
PARAMS = dict(
    vector_size=DIM,
    min_count=2,
    init_vectors=(PRETRAINED_WORDS, PRETRAINED_MATRIX),
    n_jobs=1,
    random_state=0,
    device="cpu",
)


def _start(strategy="anchor", anchor_strength=1.0):
    """The Lee vocabulary's subword model, started from PRETRAINED as ``train`` starts it."""
    vocabulary = count_words(LEE, _ANALYZER, min_count=2, always_keep=PRETRAINED.key_to_index)
    model, keys = initial_model(
        vocabulary.words, DIM, np.random.default_rng(0), True, 3, 6, 2_000_000
    )
    known = start_from(PRETRAINED, vocabulary.words, model, 3, 6, strategy, anchor_strength)
    return vocabulary, model, keys, known


def _train(vocabulary, model, epochs=2, learning_rate=0.025):
    train_epochs(
        model,
        lambda epoch: encode_chunks(LEE, _ANALYZER, vocabulary.index, 10_000),
        thresholds=subsample_thresholds(vocabulary.counts, 1e-3),
        noise=alias_table(vocabulary.counts, 0.75),
        window=5,
        negative=5,
        shrink_windows=True,
        learning_rate=learning_rate,
        min_learning_rate=1e-4,
        epochs=epochs,
        words_per_epoch=vocabulary.n_kept_tokens,
        n_threads=1,
        seed=0,
    )


# ------------------------------------------------------------------------ the starting point
def test_known_words_compose_to_their_pretrained_vectors_at_step_zero():
    vocabulary, model, _, known = _start()
    words = list(vocabulary.words)
    assert known.sum() == len(PRETRAINED_WORDS) - 1 and (~known).sum() > 3000
    composed = model.word_vectors()
    known_words = [w for w, k in zip(words, known) if k]
    # Exactly the pretrained vector up to float32 rounding of (1 + n) * v - sum + sum.
    np.testing.assert_allclose(
        composed[known], PRETRAINED.word_vectors(known_words), rtol=1e-5, atol=1e-5
    )
    # The word rows are not the pretrained vectors: they carry the mean's (1 + n) factor.
    assert not np.allclose(model.input_vectors[known], PRETRAINED.word_vectors(known_words))


def test_new_words_compose_to_the_pretrained_composition_at_step_zero():
    vocabulary, model, _, known = _start()
    new = [w for w, k in zip(vocabulary.words, known) if not k]
    expected, found = subword_table(PRETRAINED, 3, 6).compose(new)
    assert found.mean() > 0.8
    composed = model.word_vectors()[~known]
    np.testing.assert_allclose(composed[found], expected[found], rtol=1e-5, atol=1e-5)


def test_ngram_rows_start_from_the_pretrained_ngram_vectors():
    vocabulary, model, (keys, row_of_key), _ = _start()
    vectors, found = subword_table(PRETRAINED, 3, 6).ngram_vectors(keys)
    assert 200 < found.sum() < len(keys)  # 307 of the 34,414 are in the small table
    # A row is the mean of the known n-grams hashed to it (34,414 n-grams share 34,132 of the
    # 2M buckets), zero where none is known.
    expected = np.zeros_like(model.ngram_vectors)
    np.add.at(expected, row_of_key[found], vectors)
    n_known = np.bincount(row_of_key[found], minlength=len(expected))
    expected[n_known > 0] /= n_known[n_known > 0, None]
    assert len(np.unique(row_of_key)) < len(keys) and (n_known == 0).any()
    np.testing.assert_allclose(model.ngram_vectors, expected, rtol=1e-6, atol=1e-7)
    # The keys are the vocabulary's own n-gram hashes.
    _, hashes = ngram_hashes(vocabulary.words, 3, 6)
    np.testing.assert_array_equal(np.unique(hashes), keys)


def test_a_tiny_learning_rate_keeps_the_fitted_vectors_at_the_pretrained_ones():
    # A fit needs at least one epoch; at learning rate 1e-9 it cannot move anything.
    model = SkipGramVectorizer(learning_rate=1e-9, min_learning_rate=0.0, epochs=1, **PARAMS)
    model.fit(LEE)
    known = [w for w in PRETRAINED_WORDS if w in model.vocabulary_]
    assert len(known) == len(PRETRAINED_WORDS) - 1 and "zzyzx" not in model.vocabulary_
    np.testing.assert_allclose(
        model.word_vectors(known), PRETRAINED.word_vectors(known), rtol=1e-4, atol=1e-4
    )
    assert model.drift_["mean_cosine"] == pytest.approx(1.0, abs=1e-6)
    assert model.drift_["n_known"] == len(known)


# ----------------------------------------------------------------------- freezing strategies
@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_freeze_keeps_the_word_rows_bit_identical(backend):
    vocabulary, model, _, known = _start("freeze")
    rows_before = model.input_vectors.copy()
    ngrams_before = model.ngram_vectors.copy()
    if backend == "numba":
        _train(vocabulary, model)
    else:
        torch = pytest.importorskip("torch")
        from sklearn_lexembed.skipgram._torch import train_epochs_torch

        train_epochs_torch(
            model,
            lambda epoch: encode_chunks(LEE, _ANALYZER, vocabulary.index, 10_000),
            thresholds=subsample_thresholds(vocabulary.counts, 1e-3),
            noise=alias_table(vocabulary.counts, 0.75),
            window=5,
            negative=5,
            shrink_windows=True,
            learning_rate=0.025,
            min_learning_rate=1e-4,
            epochs=1,
            words_per_epoch=vocabulary.n_kept_tokens,
            seed=0,
            device=torch.device("cpu"),
        )
    np.testing.assert_array_equal(model.input_vectors[known], rows_before[known])
    # The new words' rows and the shared n-gram rows train.
    assert not np.array_equal(model.input_vectors[~known], rows_before[~known])
    assert not np.array_equal(model.ngram_vectors, ngrams_before)


def test_anchor_keeps_the_word_rows_closer_than_free():
    moved = {}
    for strategy in ("anchor", "free"):
        vocabulary, model, _, known = _start(strategy)
        before = model.input_vectors[known].copy()
        _train(vocabulary, model, learning_rate=0.05)
        moved[strategy] = np.linalg.norm(model.input_vectors[known] - before, axis=1).mean()
    # Measured mean distance of a known word row from its start: anchor 0.43, free 1.39 (the
    # composed vectors' mean cosine to the start, 0.63 against 0.62, barely differs: the
    # n-gram rows train freely).
    assert moved["anchor"] < 0.5 * moved["free"]
    assert moved["anchor"] > 0


# ----------------------------------------------------------------------------- the estimator
def test_init_vectors_with_the_default_subwords_fits():
    # The call that raised "init_vectors needs subwords=False" before issue 14.
    words, matrix = ["cat", "dog"], np.ones((2, 8), dtype=np.float32)
    toy = ["the cat sat on the mat", "the dog sat on the log"] * 10
    model = SkipGramVectorizer(vector_size=8, init_vectors=(words, matrix), device="cpu")
    assert model.subwords is True
    assert model.fit(toy).transform(toy).shape == (20, 8)


def test_new_words_get_vectors_and_drift_is_reported():
    model = SkipGramVectorizer(epochs=2, **PARAMS).fit(LEE)
    new = [w for w in model.vocabulary_ if w not in PRETRAINED]
    assert len(new) > 3000
    vectors = model.word_vectors(new)
    assert np.isfinite(vectors).all() and (np.linalg.norm(vectors, axis=1) > 0).all()
    # A word unseen at fit time composes from the trained n-grams.
    assert np.linalg.norm(model.word_vectors("presidentially")) > 0
    drift = model.drift_
    assert set(drift) == {
        "mean_cosine",
        "n_known",
        "ws353_before",
        "ws353_after",
        "simlex_before",
        "simlex_after",
    }
    assert drift["n_known"] == len(PRETRAINED_WORDS) - 1
    assert 0.0 < drift["mean_cosine"] < 1.0


def test_the_dimension_check_holds_with_subwords():
    with pytest.raises(
        ValueError,
        match=re.escape(
            "init_vectors have 8 dimensions but vector_size=16; set vector_size=8 (projecting "
            "vectors to another dimension is not supported)."
        ),
    ):
        SkipGramVectorizer(**{**PARAMS, "vector_size": 16}).fit(LEE[:10])


def test_the_bundled_glove_adapts_on_the_lee_corpus(glove_store):
    model = SkipGramVectorizer(
        init_vectors="glove-wiki-gigaword-50",
        vector_size=50,
        min_count=2,
        epochs=5,
        n_jobs=1,
        random_state=0,
        device="cpu",
    ).fit(LEE)
    known = [w for w in model.vocabulary_ if w in glove_store]
    assert len(known) > 7000 and len(model.vocabulary_) > len(known)
    drift = model.drift_
    assert drift["n_known"] == len(known)
    # Measured (random_state 0 and 1): mean cosine 0.967, WS353 on the known words 0.530
    # before, 0.536 and 0.522 after; under a second on one thread.
    assert 0.9 < drift["mean_cosine"] < 0.995
    assert drift["ws353_after"] > drift["ws353_before"] - 0.05
    ws353 = model.word_vectors_.evaluate_word_pairs(evaluation_path("wordsim353.tsv"))
    assert ws353[1].statistic > 0.45
