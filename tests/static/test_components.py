"""``n_components``: the dimension of a static vectorizer's output as a hyperparameter."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_lexembed import GloveVectorizer, SkipGramVectorizer
from sklearn_lexembed.datasets import load_lee_corpus, load_polarity


@pytest.fixture(scope="module")
def polarity():
    texts, labels = load_polarity()
    return list(texts), np.asarray(labels)


def _sklearn_pca(rows, n_components):
    # In float64, as ours accumulates: the float32 covariance differs from both by ~1e-4.
    return PCA(n_components, svd_solver="covariance_eigh").fit(rows.astype(np.float64))


@pytest.mark.parametrize("pooling", ["mean", "sif", "tfidf"])
def test_glove_components_are_scikit_learns_pca_of_the_pooled_output(polarity, pooling):
    texts, _ = polarity
    train, test = texts[:150], texts[150:]
    full = GloveVectorizer(pooling=pooling).fit(train)
    reduced = GloveVectorizer(pooling=pooling, n_components=8).fit(train)
    reference = _sklearn_pca(full.transform(train), 8)
    np.testing.assert_allclose(reduced.pca_components_, reference.components_, atol=1e-4)
    np.testing.assert_allclose(
        reduced.explained_variance_ratio_, reference.explained_variance_ratio_, rtol=1e-4
    )
    out = reduced.transform(test)
    assert out.shape == (len(test), 8) and out.dtype == np.float32
    np.testing.assert_allclose(out, reference.transform(full.transform(test)), atol=1e-4)
    assert list(reduced.get_feature_names_out()) == [f"glovevectorizer{i}" for i in range(8)]


def test_components_are_learned_in_fit_only(polarity):
    texts, _ = polarity
    vectorizer = GloveVectorizer(n_components=5).fit(texts[:100])
    components = vectorizer.pca_components_.copy()
    vectorizer.transform(texts[100:])
    np.testing.assert_array_equal(vectorizer.pca_components_, components)
    refit = GloveVectorizer(n_components=5).fit(texts[:100])
    np.testing.assert_array_equal(refit.pca_components_, components)  # signs fixed


def test_normalize_applies_after_the_projection(polarity):
    texts, _ = polarity
    out = GloveVectorizer(n_components=6, normalize=True).fit(texts).transform(texts)
    np.testing.assert_allclose(np.linalg.norm(out, axis=1), 1.0, rtol=1e-5)


def test_none_keeps_todays_output(polarity):
    texts, _ = polarity
    vectorizer = GloveVectorizer().fit(texts)
    assert vectorizer.pca_components_ is None
    np.testing.assert_array_equal(
        vectorizer.transform(texts), GloveVectorizer(n_components=None).fit(texts).transform(texts)
    )


@pytest.mark.parametrize(
    "n_components, documents, message",
    [
        (51, 60, "n_components=51 is larger than the 50 dimensions of the vectors"),
        (10, 4, "n_components=10 is larger than the 4 training documents"),
    ],
)
def test_too_many_components_is_a_clear_error_and_fits_nothing(
    polarity, n_components, documents, message
):
    texts, _ = polarity
    vectorizer = GloveVectorizer(n_components=n_components)
    with pytest.raises(ValueError, match=message):
        vectorizer.fit(texts[:documents])
    with pytest.raises(NotFittedError):
        vectorizer.transform(texts[:2])


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10"])
def test_bad_n_components_is_named(bad):
    with pytest.raises(ValueError, match="n_components"):
        GloveVectorizer(n_components=bad).fit(["a cat", "a dog"])


def test_grid_search_over_the_dimension_of_pretrained_vectors(polarity):
    texts, labels = polarity
    search = GridSearchCV(
        make_pipeline(GloveVectorizer(), LogisticRegression(max_iter=500)),
        {"glovevectorizer__n_components": [5, 20, None]},
        cv=3,
    ).fit(texts, labels)
    assert search.best_params_["glovevectorizer__n_components"] in (5, 20, None)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert (
        clone(search.best_estimator_).get_params()["glovevectorizer__n_components"]
        == (search.best_params_["glovevectorizer__n_components"])
    )


def test_pickle_round_trip_keeps_the_projection(polarity):
    texts, _ = polarity
    vectorizer = GloveVectorizer(n_components=7, pooling="sif").fit(texts)
    copy = pickle.loads(pickle.dumps(vectorizer))
    np.testing.assert_array_equal(copy.transform(texts), vectorizer.transform(texts))


def test_streamed_skipgram_components_match_scikit_learns_pca():
    lee = load_lee_corpus()
    params = dict(vector_size=24, min_count=3, epochs=2, subwords=False, random_state=0, n_jobs=1)

    def streamed():
        return (doc for doc in lee)

    class Corpus:
        def __iter__(self):
            return streamed()

    full = SkipGramVectorizer(**params).fit(Corpus())
    reduced = SkipGramVectorizer(**params, n_components=6).fit(Corpus())
    np.testing.assert_array_equal(full.vectors_, reduced.vectors_)
    reference = _sklearn_pca(full.transform(lee), 6)
    np.testing.assert_allclose(reduced.pca_components_, reference.components_, atol=1e-4)
    np.testing.assert_allclose(
        reduced.transform(lee), reference.transform(full.transform(lee)), atol=1e-4
    )
