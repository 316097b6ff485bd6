import pickle
import re

import numpy as np
import pytest

from sklearn_lexembed.datasets import evaluation_path
from sklearn_lexembed.static._store import WordVectors

WORDS = ["north", "south", "east", "cat", "north"]
VECTORS = np.array(
    [[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.7, 0.7, 0.0], [0.0, 0.0, 1.0], [9.0, 9.0, 9.0]],
    dtype=np.float32,
)


@pytest.fixture
def store():
    return WordVectors(WORDS, VECTORS)


def test_lookup_keeps_first_occurrence_and_float32(store):
    assert store.key_to_index["north"] == 0
    assert len(store) == 5 and store.n_dims == 3
    assert store.word_vectors(["cat", "north"]).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert store.word_vectors("cat").dtype == np.float32


def test_unknown_word_is_named(store):
    with pytest.raises(KeyError, match=re.escape("Word 'west' is not in the vocabulary.")):
        store.word_vectors(["north", "west"])


def test_similarity_is_cosine(store):
    expected = 0.7 / np.sqrt(0.98)
    assert store.similarity("north", "east") == pytest.approx(expected, rel=1e-6)


def test_most_similar_excludes_query_words_and_orders(store):
    # "north" (row 0) is excluded; its duplicate row 4 is a different row and may appear.
    assert [w for w, _ in store.most_similar("north", topn=3)] == ["south", "east", "north"]
    # north - cat: cat's direction is pushed to the bottom.
    result = store.most_similar(positive=["north"], negative=["cat"], topn=3)
    assert [w for w, _ in result] == ["south", "east", "north"]


def test_most_similar_restrict_vocab(store):
    # Only rows 0-2 are searched: "cat" and the duplicate "north" (row 4) are out of reach.
    assert [w for w, _ in store.most_similar("east", topn=10, restrict_vocab=3)] == [
        "south",
        "north",
    ]


def test_shape_mismatch_is_reported():
    with pytest.raises(ValueError, match="Got 2 words but 3 vector rows"):
        WordVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must be a 2-D matrix"):
        WordVectors(["a"], np.zeros(3))


def test_pickle_drops_derived_data(store):
    _ = store.unit_vectors
    store.derived("x", lambda: np.zeros(1000))
    restored = pickle.loads(pickle.dumps(store))
    assert restored._unit_vectors is None and restored._derived == {}
    assert restored.key_to_index == store.key_to_index
    np.testing.assert_array_equal(restored.vectors, store.vectors)


@pytest.mark.parametrize("name", ["wordsim353.tsv", "simlex999.txt"])
def test_word_pairs_equal_gensim(glove_store, gensim_glove, name):
    path = evaluation_path(name)
    ours = glove_store.evaluate_word_pairs(path)
    theirs = gensim_glove.evaluate_word_pairs(path)
    assert ours[1].statistic == pytest.approx(theirs[1].statistic, abs=1e-4)
    assert ours[0].statistic == pytest.approx(theirs[0].statistic, abs=1e-4)
    assert ours[2] == pytest.approx(theirs[2])


def test_known_glove_scores(glove_store):
    ws353 = glove_store.evaluate_word_pairs(evaluation_path("wordsim353.tsv"))[1].statistic
    simlex = glove_store.evaluate_word_pairs(evaluation_path("simlex999.txt"))[1].statistic
    assert ws353 == pytest.approx(0.50, abs=0.01)
    assert simlex == pytest.approx(0.26, abs=0.01)
    assert glove_store.most_similar(["king", "woman"], ["man"], topn=1)[0][0] == "queen"


def test_analogies_equal_gensim_question_by_question(glove_store, gensim_glove, tmp_path):
    # 15 questions per section keep gensim's one-at-a-time loop short.
    lines, per_section = [], 0
    for line in open(evaluation_path("questions-words.txt"), encoding="utf8"):
        if line.startswith(":"):
            lines.append(line)
            per_section = 0
        elif per_section < 15:
            lines.append(line)
            per_section += 1
    subset = tmp_path / "questions.txt"
    subset.write_text("".join(lines), encoding="utf8")
    ours, our_sections = glove_store.evaluate_word_analogies(subset, restrict_vocab=30000)
    theirs, their_sections = gensim_glove.evaluate_word_analogies(subset, restrict_vocab=30000)
    assert ours == pytest.approx(theirs)
    for mine, gensims in zip(our_sections, their_sections):
        assert mine["section"] == gensims["section"]
        assert mine["correct"] == gensims["correct"]


def test_pairs_file_without_valid_lines(tmp_path, store):
    path = tmp_path / "pairs.tsv"
    path.write_text("# only a comment\nfoo\tbar\t1.0\n")
    with pytest.raises(ValueError, match="No valid similarity judgements"):
        store.evaluate_word_pairs(path)


def test_most_similar_accepts_vectors_and_checks_them(glove_store):
    queen = glove_store.word_vectors(["queen"])[0]
    # A vector query is not excluded from the answer, unlike a word query.
    assert glove_store.most_similar(queen, topn=1)[0][0] == "queen"
    assert glove_store.most_similar(["queen"], topn=1)[0][0] != "queen"
    by_vector = glove_store.most_similar(
        [glove_store.word_vectors(["king"])[0], "woman"], ["man"], topn=3
    )
    by_word = glove_store.most_similar(["king", "woman"], ["man"], topn=4)
    assert by_vector[0][0] == "king" and [w for w, _ in by_vector[1:]] == [
        w for w, _ in by_word[:2]
    ]
    with pytest.raises(
        ValueError, match=re.escape("finite 1-D array of 50 values; got shape (3,)")
    ):
        glove_store.most_similar(np.ones(3))
    with pytest.raises(ValueError, match="with NaN/inf"):
        glove_store.most_similar(np.full(50, np.nan))


# ------------------------------------------------------------- what a store holds
@pytest.mark.parametrize(
    "words, error, message",
    [
        (["a", None], ValueError, "Word at row 1 is None; expected str."),
        (["a", 3], TypeError, "Word at row 1 has type int; expected str."),
    ],
)
def test_words_must_be_str(words, error, message):
    with pytest.raises(error, match=re.escape(message)):
        WordVectors(words, np.eye(2))


@pytest.mark.parametrize("value, what", [(np.nan, "NaN"), (-np.inf, "an infinite value")])
def test_non_finite_vectors_are_refused_with_word_and_row(value, what):
    vectors = VECTORS.copy()
    vectors[3, 2] = value
    with pytest.raises(
        ValueError,
        match=re.escape(f"The vector of 'cat' (row 3) holds {what}; word vectors must be finite"),
    ):
        WordVectors(WORDS, vectors)


def test_finite_check_is_exact_in_every_block(monkeypatch):
    from sklearn_lexembed.static import _store

    monkeypatch.setattr(_store, "_FINITE_BLOCK", 4)
    big = np.full((10, 3), 3e38, dtype=np.float32)  # finite values whose row sums overflow
    assert _store.first_nonfinite_row(big) is None
    big[9, 0] = np.nan
    assert _store.first_nonfinite_row(big) == 9


def test_unpickled_state_is_checked_too(store):
    state = store.__getstate__()
    state["vectors"] = state["vectors"].copy()
    state["vectors"][1, 0] = np.nan
    with pytest.raises(ValueError, match=re.escape("The vector of 'south' (row 1) holds NaN")):
        WordVectors.__new__(WordVectors).__setstate__(state)


# Lone surrogates: a (words, matrix) pair or a tokenizer can produce them, and UTF-8 cannot
# encode them strictly.
SURROGATE_WORDS = ["ok", "\ud800", "caf\udce9", "\U0001f600"]


def test_words_with_lone_surrogates_round_trip_through_joblib_and_skops(tmp_path):
    import joblib

    sio = pytest.importorskip("skops.io")
    store = WordVectors(SURROGATE_WORDS, np.eye(4, 2))
    joblib.dump(store, tmp_path / "store.joblib")
    assert joblib.load(tmp_path / "store.joblib").words == SURROGATE_WORDS
    sio.dump(store, tmp_path / "store.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "store.skops")
    assert untrusted == ["sklearn_lexembed.static._store.WordVectors"]
    restored = sio.load(tmp_path / "store.skops", trusted=untrusted)
    assert restored.words == SURROGATE_WORDS
    assert restored.index("\ud800") == 1


def test_skipgram_vocabulary_with_lone_surrogates_pickles(tmp_path):
    import joblib

    from sklearn_lexembed import SkipGramVectorizer

    docs = ["ok \ud800 word", "word ok \ud800"] * 5
    model = SkipGramVectorizer(
        vector_size=4,
        min_count=1,
        epochs=1,
        subwords=False,
        token_pattern=r"\S+",
        n_jobs=1,
        random_state=0,
    ).fit(docs)
    assert "\ud800" in model.word_vectors_
    joblib.dump(model, tmp_path / "model.joblib")
    restored = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(restored.transform(docs), model.transform(docs))
