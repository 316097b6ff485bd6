"""Ready static models on disk -> one row per token id, read without torch or the libraries.

Two folder formats hold a tokenizer and a table of vectors that are averaged per document:

* **model2vec** (``StaticModel.save_pretrained``, as 0.10.0 writes and reads it): ``config.json``,
  ``tokenizer.json`` and ``model.safetensors`` with an ``embeddings`` matrix (float16, float32,
  float64 or int8, used as stored: int8 has no scale) and, after vocabulary quantization, a
  ``mapping`` (token id -> row of ``embeddings``) and per-token ``weights``; a token's vector is
  ``embeddings[mapping[id]] * weights[id]``. ``StaticModel.encode`` cuts each text to
  ``max_length * median_token_length`` characters (the median length of the vocabulary's token
  strings) when ``max_length`` is set, tokenizes without special tokens, keeps the first
  ``max_length`` tokens (config ``max_length``, 512 when absent, ``null`` for no limit), drops
  the tokenizer's unknown token, averages (a text with no token left gets a zero row) and
  L2-normalises when config ``normalize`` is true (false when absent). A float16 model's output
  is rounded to float16; the float32 table read here gives the unrounded values (within 1e-3).
* **sentence-transformers** ``StaticEmbedding`` (as 6.3 reads it): ``modules.json`` lists it
  (its folder holds ``model.safetensors`` with ``embedding.weight`` and ``tokenizer.json``),
  optionally followed by ``Normalize``. Its ``EmbeddingBag`` averages every token of
  ``encode_batch(texts, add_special_tokens=False)``: padding is switched off, the truncation
  saved in ``tokenizer.json`` is kept, unknown tokens are not dropped and no characters are cut.

model2vec writes a ``modules.json`` too (so sentence-transformers can load its folders, with
sentence-transformers' semantics); a folder whose ``config.json`` is model2vec's is read with
model2vec's semantics, those of the library that wrote it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..static._store import NonFiniteVectorError, first_nonfinite_row, nonfinite_message

__all__ = [
    "MODEL2VEC",
    "SENTENCE_TRANSFORMERS",
    "StaticFolder",
    "is_static_folder",
    "read_static_folder",
]

MODEL2VEC = "model2vec"
SENTENCE_TRANSFORMERS = "sentence-transformers"

# model2vec's DEFAULT_MAX_LENGTH, which it uses when config.json has no "max_length" (older
# models' configs have none).
_MODEL2VEC_MAX_LENGTH = 512
_MODEL2VEC_DTYPES = ("float16", "float32", "float64", "int8")
_ST_EMBEDDING = "embedding.weight"
# A StaticEmbedding module's own folder: read as sentence-transformers, without a Normalize.
_MODULE = "module"
_M2V_EMBEDDINGS, _M2V_MAPPING, _M2V_WEIGHTS = "embeddings", "mapping", "weights"


@dataclass(frozen=True, eq=False)
class StaticFolder:
    """What a static model folder says about turning a text into a vector.

    A document's vector is the mean of ``table[ids]`` over its kept token ids (a zero row when
    none is kept), L2-normalised when ``normalize`` is true, where the kept ids are, in order:
    the text cut to its first ``max_chars`` characters, ``tokenizer.encode(text,
    add_special_tokens=False).ids`` with the tokenizer of ``tokenizer_json`` (which already
    truncates to ``max_length`` and never pads), then every id of ``drop_ids`` removed.

    Attributes
    ----------
    kind : {"model2vec", "sentence-transformers"}
        The library whose encoding the fields reproduce.
    path : str
        The folder the tensors and the tokenizer were read from.
    tokenizer_json : str
        The ``tokenizer.json`` text, with padding off and truncation set to ``max_length``.
    table : ndarray of shape (n_rows, n_dims), dtype float32
        The row of each token id, with model2vec's ``mapping`` and ``weights`` folded in.
    normalize : bool
        Whether document vectors are L2-normalised.
    max_length : int or None
        Tokens kept per document; None keeps all.
    max_chars : int or None
        Characters kept per document before tokenizing (model2vec only); None keeps all.
    drop_ids : tuple of int
        Token ids removed after truncation, before pooling (model2vec's unknown token).
    """

    kind: str
    path: str
    tokenizer_json: str
    table: np.ndarray
    normalize: bool
    max_length: int | None
    max_chars: int | None
    drop_ids: tuple[int, ...]


def is_static_folder(path):
    """Whether ``path`` is a folder that says it holds a model2vec or StaticEmbedding model.

    Only the markers are read (``config.json``, ``modules.json``, the tensor names of
    ``model.safetensors``); :func:`read_static_folder` may still reject the folder as
    malformed, with the reason.

    Parameters
    ----------
    path : str or path-like
        A folder.

    Returns
    -------
    is_static : bool
        True for a model2vec folder, a sentence-transformers folder whose ``modules.json``
        lists a ``StaticEmbedding`` module, or such a module's own folder.
    """
    folder = Path(path)
    return folder.is_dir() and _kind(folder) is not None


def read_static_folder(path):
    """Read a model2vec or sentence-transformers ``StaticEmbedding`` folder.

    Parameters
    ----------
    path : str or path-like
        A model2vec folder (``config.json``, ``tokenizer.json``, ``model.safetensors``), a
        sentence-transformers folder whose ``modules.json`` starts with a ``StaticEmbedding``
        module (optionally followed by ``Normalize``), or that module's own folder (read
        without the ``Normalize`` that may follow it in its parent).

    Returns
    -------
    folder : StaticFolder
        The tokenizer, the float32 table and the pooling facts.

    Raises
    ------
    OSError
        When the folder or one of the files it needs is missing.
    ValueError
        When a file is malformed: unparsable JSON or safetensors, a missing tensor, a table with
        the wrong number of dimensions or fewer rows than the tokenizer has ids, a non-finite
        value, or modules other than ``StaticEmbedding`` and ``Normalize``.
    """
    folder = Path(path)
    if not folder.exists():
        raise FileNotFoundError(_message(folder, "no such folder"))
    if not folder.is_dir():
        raise NotADirectoryError(_message(folder, "not a folder"))
    kind = _kind(folder)
    if kind is None:
        raise ValueError(
            _message(
                folder,
                "not a static model folder: expected a model2vec folder (config.json, "
                f"tokenizer.json, model.safetensors with {_M2V_EMBEDDINGS!r}), a "
                "sentence-transformers folder whose modules.json lists a StaticEmbedding module, "
                f"or a StaticEmbedding module folder (model.safetensors with {_ST_EMBEDDING!r}, "
                "tokenizer.json)",
            )
        )
    if kind == MODEL2VEC:
        return _read_model2vec(folder)
    if kind == SENTENCE_TRANSFORMERS:
        module, normalize = _static_module(folder)
        return _read_module(module, normalize)
    return _read_module(folder, normalize=False)


# ---------------------------------------------------------------- detection
def _message(where, problem):
    """The one wording of every error here: what was read, and what is wrong with it."""
    return f"Cannot read the static model at {where}: {problem}."


def _kind(folder):
    """model2vec, sentence-transformers, "module" or None, from the markers alone; never raises."""
    config = _json_or_none(folder / "config.json")
    names = _tensor_names_or_empty(folder / "model.safetensors")
    # An unparsable config.json beside model2vec's tensors is model2vec's to report.
    has_config = (folder / "config.json").is_file()
    if has_config and (_is_model2vec_config(config) or _M2V_EMBEDDINGS in names):
        return MODEL2VEC
    modules = _json_or_none(folder / "modules.json")
    if isinstance(modules, list) and any(_is_module(m, "StaticEmbedding") for m in modules):
        return SENTENCE_TRANSFORMERS
    if _ST_EMBEDDING in names:
        return _MODULE
    # model2vec tensors without their config.json: model2vec's reader, which needs it, says so.
    return MODEL2VEC if _M2V_EMBEDDINGS in names else None


def _is_model2vec_config(config):
    architectures = config.get("architectures") if isinstance(config, dict) else None
    return isinstance(config, dict) and (
        config.get("model_type") == "model2vec"
        or (isinstance(architectures, list) and "StaticModel" in architectures)
    )


def _is_module(entry, name):
    """A modules.json entry of sentence-transformers' ``name`` module, old or new import path."""
    kind = entry.get("type") if isinstance(entry, dict) else None
    return (
        isinstance(kind, str)
        and kind.startswith("sentence_transformers.")
        and kind.rsplit(".", 1)[-1] == name
    )


def _json_or_none(file):
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _tensor_names_or_empty(file):
    from safetensors import safe_open

    if not file.is_file():
        return set()
    try:
        with safe_open(str(file), framework="numpy") as tensors:
            return set(tensors.keys())
    except Exception:  # safetensors raises its own SafetensorError, not exported stably
        return set()


def _static_module(folder):
    """The StaticEmbedding module's folder and whether a Normalize module follows it."""
    file = folder / "modules.json"
    modules = _read_json(file)
    if not isinstance(modules, list) or not all(
        isinstance(m, dict) and isinstance(m.get("type"), str) and isinstance(m.get("path"), str)
        for m in modules
    ):
        raise ValueError(_message(file, 'expected a list of {"type": ..., "path": ...} entries'))
    types = [m["type"] for m in modules]
    if not _is_module(modules[0], "StaticEmbedding"):
        raise ValueError(
            _message(file, f"the first module must be a StaticEmbedding; the modules are {types}")
        )
    rest = modules[1:]
    if len(rest) > 1 or not all(_is_module(m, "Normalize") for m in rest):
        raise ValueError(
            _message(
                file,
                "only a StaticEmbedding module, optionally followed by Normalize, can be read "
                f"as a static table; the modules are {types}",
            )
        )
    _check_no_default_prompt(folder)
    return _inside(folder, modules[0]["path"], file), bool(rest)


def _inside(folder, relative, file):
    """``folder / relative``, refused when it leaves ``folder`` (an absolute or ``..`` path)."""
    root = folder.resolve()
    target = (root / relative).resolve()
    if target != root and root not in target.parents:
        raise ValueError(_message(file, f"the module path {relative!r} leaves the model folder"))
    return target


def _check_no_default_prompt(folder):
    # sentence-transformers prepends a default prompt to every text; a table cannot.
    file = folder / "config_sentence_transformers.json"
    config = _read_json(file) if file.is_file() else {}
    prompt = config.get("default_prompt_name") if isinstance(config, dict) else None
    if prompt:
        raise ValueError(
            _message(
                file,
                f"the model prepends the default prompt {prompt!r} to every text, which a "
                "static table cannot reproduce; set default_prompt_name to null",
            )
        )


# ---------------------------------------------------------------- reading
def _read_json(file):
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(_message(file, "the file is missing")) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(_message(file, f"not valid JSON ({exc})")) from None


def _read_tokenizer(file):
    from tokenizers import Tokenizer

    if not file.is_file():
        raise FileNotFoundError(_message(file, "the file is missing"))
    try:
        text = file.read_text(encoding="utf-8")
        tokenizer = Tokenizer.from_str(text)
    except Exception as exc:  # tokenizers raises a bare Exception for every parse error
        raise ValueError(_message(file, f"not a tokenizers tokenizer.json ({exc})")) from None
    if tokenizer.get_vocab_size(with_added_tokens=True) == 0:
        raise ValueError(_message(file, "the tokenizer has an empty vocabulary"))
    tokenizer.no_padding()
    return tokenizer, json.loads(text)


def _read_tensors(file, required, optional=()):
    from safetensors import safe_open

    if not file.is_file():
        pickle = file.with_name("pytorch_model.bin").exists()
        hint = " (the pytorch_model.bin beside it is a pickle, never read)" if pickle else ""
        raise FileNotFoundError(_message(file, "the file is missing" + hint))
    try:
        with safe_open(str(file), framework="numpy") as tensors:
            names = set(tensors.keys())
            arrays = {n: tensors.get_tensor(n) for n in (*required, *optional) if n in names}
    except Exception as exc:  # safetensors' own errors, and numpy's missing bfloat16
        raise ValueError(_message(file, f"not a readable safetensors file ({exc})")) from None
    missing = [name for name in required if name not in names]
    if missing:
        raise ValueError(_message(file, f"no tensor {missing[0]!r}; it holds {sorted(names)}"))
    return arrays


def _read_model2vec(folder):
    config = _read_json(folder / "config.json")
    if not isinstance(config, dict):
        raise ValueError(_message(folder / "config.json", "expected a JSON object"))
    tokenizer, spec = _read_tokenizer(folder / "tokenizer.json")
    file = folder / "model.safetensors"
    tensors = _read_tensors(file, [_M2V_EMBEDDINGS], [_M2V_MAPPING, _M2V_WEIGHTS])
    table = _fold(file, tensors)

    # model2vec reads a missing or null "normalize" as false.
    normalize = config.get("normalize") or False
    if not isinstance(normalize, bool):
        raise ValueError(
            _message(
                folder / "config.json", f"'normalize' is {normalize!r}; expected true or false"
            )
        )
    max_length = config.get("max_length", _MODEL2VEC_MAX_LENGTH)
    if max_length is not None and (
        isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1
    ):
        raise ValueError(
            _message(
                folder / "config.json",
                f"'max_length' is {max_length!r}; expected a positive integer or null",
            )
        )
    # model2vec sets the tokenizer's truncation from max_length on load, whatever was saved.
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length)
    vocab = tokenizer.get_vocab(with_added_tokens=True)
    _check_table(file, table, vocab)
    tokens = sorted(vocab, key=vocab.get)
    # StaticModel.median_token_length, in characters of the token strings ("##s" is 3).
    median_length = int(np.median([len(token) for token in tokens]))
    unk_id = _unk_id(tokenizer, spec)
    return StaticFolder(
        kind=MODEL2VEC,
        path=str(folder),
        tokenizer_json=tokenizer.to_str(),
        table=table,
        normalize=normalize,
        max_length=max_length,
        max_chars=None if max_length is None else max_length * median_length,
        drop_ids=() if unk_id is None else (unk_id,),
    )


def _read_module(folder, normalize):
    tokenizer, _ = _read_tokenizer(folder / "tokenizer.json")
    file = folder / "model.safetensors"
    # StaticEmbedding.load also accepts model2vec's tensors, folded as model2vec folds them.
    names = _tensor_names_or_empty(file)
    if _ST_EMBEDDING not in names and _M2V_EMBEDDINGS in names:
        table = _fold(file, _read_tensors(file, [_M2V_EMBEDDINGS], [_M2V_MAPPING, _M2V_WEIGHTS]))
    else:
        table = _fold(file, _read_tensors(file, [_ST_EMBEDDING]), _ST_EMBEDDING)
    _check_table(file, table, tokenizer.get_vocab(with_added_tokens=True))
    truncation = tokenizer.truncation
    return StaticFolder(
        kind=SENTENCE_TRANSFORMERS,
        path=str(folder),
        tokenizer_json=tokenizer.to_str(),
        table=table,
        normalize=normalize,
        max_length=None if truncation is None else int(truncation["max_length"]),
        max_chars=None,
        drop_ids=(),
    )


def _unk_id(tokenizer, spec):
    """model2vec's ``_get_unk_token_id``: the unknown token it drops, or None."""
    model = spec.get("model", {})
    if model.get("type") == "Unigram":
        unk_id = model.get("unk_id")
        return unk_id if isinstance(unk_id, int) else None
    token = model.get("unk_token")
    return None if token is None else tokenizer.token_to_id(token)


def _fold(file, tensors, name=_M2V_EMBEDDINGS):
    """One float32 row per token id: ``embeddings[mapping[id]] * weights[id]``."""
    embeddings = tensors[name]
    if embeddings.ndim != 2:
        raise ValueError(
            _message(file, f"{name!r} has {embeddings.ndim} dimensions; expected a 2-D table")
        )
    if embeddings.dtype.name not in _MODEL2VEC_DTYPES:
        raise ValueError(
            _message(
                file, f"{name!r} is {embeddings.dtype.name}; expected one of {_MODEL2VEC_DTYPES}"
            )
        )
    if embeddings.shape[1] == 0:
        raise ValueError(_message(file, f"{name!r} has 0 columns; expected at least one"))
    mapping, weights = tensors.get(_M2V_MAPPING), tensors.get(_M2V_WEIGHTS)
    table = embeddings
    if mapping is not None:
        if mapping.ndim != 1 or mapping.dtype.kind not in "iu":
            raise ValueError(
                _message(
                    file,
                    f"'mapping' is {mapping.dtype.name} with {mapping.ndim} dimensions; "
                    "expected 1-D integers",
                )
            )
        if len(mapping) and (mapping.min() < 0 or mapping.max() >= len(embeddings)):
            raise ValueError(
                _message(file, f"'mapping' points outside the {len(embeddings)} rows of {name!r}")
            )
        table = embeddings[mapping]
    # A float64 value beyond float32's range becomes inf here, which _check_table reports.
    with np.errstate(over="ignore"):
        table = table.astype(np.float32)
    if weights is not None:
        if weights.ndim != 1 or weights.dtype.kind != "f" or len(weights) != len(table):
            rows = "'mapping'" if mapping is not None else repr(name)
            raise ValueError(
                _message(
                    file,
                    f"'weights' is {weights.dtype.name} of shape {weights.shape}; expected 1-D "
                    f"floats, one per row of {rows} ({len(table)})",
                )
            )
        table *= weights.astype(np.float32)[:, None]
    return table


def _check_table(file, table, vocab):
    needed = max(vocab.values()) + 1
    if len(table) < needed:
        raise ValueError(
            _message(
                file,
                f"the table has {len(table)} rows but the tokenizer has ids up to {needed - 1}",
            )
        )
    row = first_nonfinite_row(table)
    if row is not None:
        token = next((t for t, i in vocab.items() if i == row), f"row {row}")
        raise NonFiniteVectorError(
            _message(file, nonfinite_message(token, table[row], f"row {row}").rstrip(".")),
            row,
            token,
        )
