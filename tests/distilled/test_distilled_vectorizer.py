"""DistilledVectorizer: distillation, corpus training, loaded folders, persistence, errors.

Most tests distil the tiny random BERT of ``tests/_tiny_teacher.py`` (a fit takes a fraction
of a second); the tests marked slow distil the bundled all-MiniLM-L6-v2.
"""

from __future__ import annotations

import json
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest
from _tiny_teacher import tiny_teacher_folder
from sklearn.base import clone

from sklearn_lexembed import ContextualVectorizer, DistilledVectorizer
from sklearn_lexembed.datasets import load_lee_corpus
from sklearn_lexembed.distilled import _training

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "model2vec"
FIXTURE_TEXTS = json.loads((FIXTURE / "texts.json").read_text(encoding="utf-8"))
LEE = load_lee_corpus()
# "gollum" is not in the tiny teacher's vocabulary: WordPiece splits it; it occurs twice.
CORPUS = [
    "gollum hides in the dark under the mountain",
    "the people of the world saw gollum again",
    "a new government was formed after the war",
    "the city council met on monday",
]


@pytest.fixture(scope="module")
def teacher():
    return ContextualVectorizer(tiny_teacher_folder()).fit([""])


def tiny(**params):
    return DistilledVectorizer(tiny_teacher_folder(), **{"random_state": 0, "n_jobs": 1, **params})


def fitted_names(estimator):
    return sorted(k for k in vars(estimator) if k.endswith("_") and not k.startswith("__"))


def reconstructed(vectorizer, row):
    """A row taken back from PCA space to the teacher's (n_components=None: a rotation)."""
    return vectorizer.vectors_[row] @ vectorizer.pca_components_ + vectorizer.pca_mean_


def test_rows_are_the_teacher_output_of_each_token_alone(teacher):
    vectorizer = tiny(corpus_training=False).fit(CORPUS)
    tokenizer = vectorizer._tokenizer
    for word in ["the", "people", "world", "government"]:
        (token,) = tokenizer.encode(word, add_special_tokens=False).ids
        np.testing.assert_allclose(
            reconstructed(vectorizer, token), teacher.transform([word])[0], atol=1e-5
        )


def test_frequent_split_words_get_their_own_row(teacher):
    vectorizer = tiny(corpus_training=False).fit(CORPUS)
    assert vectorizer.new_words_ == ["gollum"]
    n_teacher_tokens = teacher._model().backend.get_vocab_size()
    ids = vectorizer._tokenizer.encode("Gollum's", add_special_tokens=False).ids
    assert ids[0] == n_teacher_tokens  # the first row after the teacher's vocabulary
    assert len(teacher._model().backend.encode("gollum", add_special_tokens=False).ids) > 1
    np.testing.assert_allclose(
        reconstructed(vectorizer, n_teacher_tokens), teacher.transform(["gollum"])[0], atol=1e-5
    )
    assert tiny(corpus_training=False, min_count=3).fit(CORPUS).new_words_ == []
    assert tiny(corpus_training=False, max_new_words=0).fit(CORPUS).new_words_ == []


def test_pca_and_weights_are_learned_in_fit_only():
    vectorizer = tiny(corpus_training=False, weighting="sif", n_components=8).fit(CORPUS)
    before = {k: np.copy(getattr(vectorizer, k)) for k in ("vectors_", "token_weights_")}
    vectorizer.transform(LEE[:50])
    for name, value in before.items():
        np.testing.assert_array_equal(getattr(vectorizer, name), value)
    other = tiny(corpus_training=False, weighting="sif", n_components=8).fit(LEE[:50])
    assert not np.array_equal(other.token_weights_, vectorizer.token_weights_)
    # SIF: a token of every document weighs less than one the corpus never uses.
    the = vectorizer._tokenizer.token_to_id("the")
    unseen = vectorizer._tokenizer.token_to_id(".")  # no punctuation in CORPUS
    assert vectorizer.token_weights_[the] < vectorizer.token_weights_[unseen]
    assert vectorizer.explained_variance_ratio_.shape == (8,)
    assert vectorizer.transform(["the war"]).shape == (1, 8)


def test_zipf_weights_fall_with_the_token_rank():
    weights = tiny(corpus_training=False, weighting="zipf").fit(CORPUS).token_weights_
    assert np.all(np.diff(weights) >= 0)
    assert weights[0] < weights[-1]


def test_corpus_training_lowers_the_loss_and_raises_held_out_agreement():
    train, held_out = LEE[:250], LEE[250:]
    untrained = tiny(corpus_training=False).fit(train)
    trained = tiny(epochs=5, validation_fraction=0.2).fit(train)
    assert trained.n_iter_ >= 2
    assert trained.loss_curve_[1] < trained.loss_curve_[0]
    scores = trained.validation_scores_
    assert len(scores) == trained.n_iter_ + 1
    assert max(scores) == scores[trained.best_epoch_] > scores[0]
    before = untrained.agreement(held_out)
    after = trained.agreement(held_out)
    assert after > before + 0.05, (before, after)


def test_training_stops_when_held_out_agreement_stops_rising(monkeypatch):
    scores = iter([0.5, 0.6, 0.7, 0.65, 0.8])
    monkeypatch.setattr(_training, "mean_cosine", lambda *args: next(scores))
    vectorizer = tiny(epochs=10).fit(LEE[:100])
    # Epoch 3 scored 0.65 < 0.7: training stopped there and kept epoch 2's table.
    assert vectorizer.validation_scores_ == [0.5, 0.6, 0.7, 0.65]
    assert (vectorizer.n_iter_, vectorizer.best_epoch_) == (3, 2)


def test_without_held_out_documents_every_epoch_runs():
    vectorizer = tiny(epochs=3, validation_fraction=0.0).fit(LEE[:60])
    assert vectorizer.n_iter_ == vectorizer.best_epoch_ == 3
    assert vectorizer.validation_scores_ == []


def test_random_state_makes_fits_identical():
    first = tiny(epochs=2).fit(LEE[:80])
    second = tiny(epochs=2).fit(LEE[:80])
    np.testing.assert_array_equal(first.vectors_, second.vectors_)
    third = tiny(epochs=2, random_state=1).fit(LEE[:80])
    assert not np.array_equal(first.vectors_, third.vectors_)


def test_max_documents_bounds_the_training_sample(monkeypatch):
    seen = []
    original = _training.train_table

    def spy(table, sequences, targets, **kwargs):
        seen.append(len(sequences))
        return original(table, sequences, targets, **kwargs)

    monkeypatch.setattr("sklearn_lexembed.distilled._vectorizer.train_table", spy)
    tiny(epochs=1, max_documents=30).fit(LEE[:100])
    assert seen == [30]


def test_unknown_tokens_give_a_zero_row_never_nan():
    vectorizer = tiny(epochs=1).fit(LEE[:40])
    with pytest.warns(UserWarning, match=r"1 of 3 documents have no token with a vector"):
        out = vectorizer.transform(["ሰላም", "", "the war"])
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[:2], 0)
    np.testing.assert_allclose(np.linalg.norm(out[2]), 1, rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        vectorizer.transform(["", "   "])  # blank documents: an expected zero row, no warning


def test_verbose_shows_the_distillation_and_training_bars(capsys):
    tiny(epochs=2, verbose=True).fit(LEE[:40])
    err = capsys.readouterr().err
    assert "ContextualVectorizer" in err  # the teacher's batches
    assert "DistilledVectorizer corpus training" in err and "agreement=" in err


def test_normalize_false_keeps_the_mean():
    vectorizer = tiny(corpus_training=False, normalize=False).fit(CORPUS)
    ids = vectorizer._tokenizer.encode("the war", add_special_tokens=False).ids
    np.testing.assert_allclose(
        vectorizer.transform(["the war"])[0], vectorizer.vectors_[ids].mean(axis=0), rtol=1e-6
    )


def test_transform_is_independent_of_batch_mates():
    vectorizer = tiny(epochs=1).fit(LEE[:40])
    alone = np.vstack([vectorizer.transform([doc]) for doc in LEE[:20]])
    np.testing.assert_allclose(vectorizer.transform(LEE[:20]), alone, atol=1e-6)


def test_fresh_process_gives_identical_vectors_without_torch(tmp_path):
    vectorizer = tiny(epochs=2).fit(LEE[:60])
    expected = vectorizer.transform(LEE[60:80])
    joblib.dump(vectorizer, tmp_path / "model.joblib")
    np.save(tmp_path / "expected.npy", expected)
    (tmp_path / "texts.json").write_text(json.dumps(LEE[60:80]))
    script = f"""
import json, sys, joblib, numpy as np
vectorizer = joblib.load({str(tmp_path / "model.joblib")!r})
out = vectorizer.transform(json.loads(open({str(tmp_path / "texts.json")!r}).read()))
np.testing.assert_array_equal(out, np.load({str(tmp_path / "expected.npy")!r}))
assert "torch" not in sys.modules and "transformers" not in sys.modules, "imported torch"
"""
    subprocess.run([sys.executable, "-c", script], check=True)


def test_a_grid_search_distils_the_vocabulary_once(monkeypatch):
    from sklearn_lexembed.distilled import _teacher

    calls = []
    original = _teacher.distill_rows
    monkeypatch.setattr(_teacher, "distill_rows", lambda *a: calls.append(1) or original(*a))
    from sklearn_lexembed import clear_cache

    clear_cache()
    for n_components in (4, 8):
        tiny(corpus_training=False, max_new_words=0, n_components=n_components).fit(CORPUS)
    assert len(calls) == 1


def test_pickle_holds_numpy_arrays_and_text_only():
    vectorizer = tiny(epochs=1).fit(LEE[:40])
    state = pickle.loads(pickle.dumps(vectorizer)).__dict__
    assert "_tokenizer" in state  # rebuilt on load
    assert "_tokenizer" not in vectorizer.__getstate__()


@pytest.mark.parametrize("variant", sorted(p.name for p in FIXTURE.iterdir() if p.is_dir()))
def test_model2vec_folder_gives_model2vecs_vectors(variant):
    expected = np.load(FIXTURE / f"{variant}_expected.npy")
    vectorizer = DistilledVectorizer(FIXTURE / variant, corpus_training=False).fit([""])
    assert vectorizer.source_ == ("model2vec", str(FIXTURE / variant))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the fixture's all-unknown texts
        out = vectorizer.transform(FIXTURE_TEXTS)
    # model2vec rounds a float16 model's output to float16.
    np.testing.assert_allclose(out, expected, atol=1e-3 if variant == "float16" else 1e-6)


def test_model2vec_folder_can_be_reduced():
    vectorizer = DistilledVectorizer(
        FIXTURE / "plain", corpus_training=False, n_components=4, normalize=False
    ).fit([""])
    assert vectorizer.transform(["the war"]).shape == (1, 4)
    assert vectorizer.pca_components_.shape[0] == 4


def test_sentence_transformers_static_embedding_folder(tmp_path):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    from sentence_transformers.models import StaticEmbedding
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(FIXTURE / "plain" / "tokenizer.json"))
    weights = np.random.default_rng(0).normal(size=(tokenizer.get_vocab_size(), 6))
    module = StaticEmbedding(tokenizer, embedding_weights=weights.astype(np.float32))
    sentence_transformers.SentenceTransformer(modules=[module], device="cpu").save(str(tmp_path))
    expected = sentence_transformers.SentenceTransformer(
        str(tmp_path), device="cpu", local_files_only=True
    ).encode(FIXTURE_TEXTS)
    vectorizer = DistilledVectorizer(tmp_path, corpus_training=False).fit([""])
    assert vectorizer.source_[0] == "sentence-transformers"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        np.testing.assert_allclose(vectorizer.transform(FIXTURE_TEXTS), expected, atol=1e-6)


# ------------------------------------------------------------------ errors
def test_a_ready_static_model_has_no_teacher_to_train_against():
    message = "is a ready static model (no transformer to learn from)"
    with pytest.raises(ValueError, match=re.escape(message)):
        DistilledVectorizer(FIXTURE / "plain").fit(["a"])


def test_teacher_of_the_wrong_type():
    with pytest.raises(TypeError, match="teacher must be None, a model name or folder"):
        DistilledVectorizer(teacher=3).fit(["a"])


def test_corpus_without_a_known_token():
    with pytest.raises(ValueError, match="needs documents with at least one token"):
        tiny().fit(["ሰላም", ""])


def test_too_many_components():
    with pytest.raises(ValueError, match=r"n_components=64 is larger than the 32 dimensions"):
        tiny(corpus_training=False, n_components=64).fit(CORPUS)


def test_bad_documents_name_their_index():
    with pytest.raises(ValueError, match=re.escape("Document at index 1 is None; expected str.")):
        tiny().fit(["a", None])


@pytest.mark.parametrize("step", ["vocabulary_rows", "distill_rows", "train_table", "corpus_words"])
@pytest.mark.parametrize("exc", [ValueError, KeyboardInterrupt])
def test_a_failed_fit_changes_nothing(monkeypatch, step, exc):
    def fail(*args, **kwargs):
        raise exc("injected")

    fresh = tiny(epochs=1)
    previous = tiny(epochs=1).fit(LEE[:40])
    before = previous.transform(LEE[:5])
    names = fitted_names(previous)
    monkeypatch.setattr(f"sklearn_lexembed.distilled._vectorizer.{step}", fail)
    for estimator in (fresh, previous):
        with pytest.raises(exc, match="injected"):
            estimator.fit(LEE[40:80])
    assert fitted_names(fresh) == []
    assert fitted_names(previous) == names
    np.testing.assert_array_equal(previous.transform(LEE[:5]), before)


def test_clone_keeps_a_teacher_instance_unfitted():
    teacher = ContextualVectorizer(tiny_teacher_folder(), batch_size=4)
    vectorizer = DistilledVectorizer(teacher, corpus_training=False).fit(CORPUS)
    assert not hasattr(teacher, "model_fingerprint_")  # the given teacher is not fitted
    assert clone(vectorizer).teacher.get_params()["batch_size"] == 4
    assert vectorizer.get_params()["teacher__batch_size"] == 4


# ----------------------------------------------------------- real teacher
@pytest.mark.slow
def test_minilm_rows_and_corpus_training():
    corpus = LEE[:40]
    vectorizer = DistilledVectorizer(random_state=0, epochs=1).fit(corpus)
    assert vectorizer.vectors_.shape[1] == 384
    assert vectorizer.validation_scores_[vectorizer.best_epoch_] > vectorizer.validation_scores_[0]
    # Training moves only the rows its documents use (lazy Adam): a token the corpus never
    # uses keeps its distilled row, the teacher's output for the token alone.
    tokenizer = vectorizer._tokenizer
    used = {i for doc in corpus for i in tokenizer.encode(doc, add_special_tokens=False).ids}
    minilm = ContextualVectorizer().fit([""])
    for word in ["zebra", "violin"]:
        (token,) = tokenizer.encode(word, add_special_tokens=False).ids
        assert token not in used
        np.testing.assert_allclose(
            reconstructed(vectorizer, token), minilm.transform([word])[0], atol=1e-4
        )
