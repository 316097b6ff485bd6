"""A tiny BERT teacher for DistilledVectorizer tests: real architecture, random weights.

Distilling the bundled all-MiniLM-L6-v2 runs 30,000 tokens through six layers (about 15 s on
two cores); the contract tests only need a teacher with the same structure. This one has
MiniLM's tokenizer rules (lower case, BERT pre-tokenizer, WordPiece) over about 3,500 of its
tokens, and two layers of width 32 with seeded random weights, so a fit distils in well
under a second. It is built once per process in a temporary folder, removed at exit; the
same seed gives the same files, so every process has the same fingerprint.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path

_FOLDER = None


def _tokenizer_json():
    """MiniLM's tokenizer.json with its vocabulary cut to about 3,500 tokens, renumbered."""
    from sklearn_lexembed.contextual._loading import model_folder, resolve_model

    name = "sentence-transformers/all-MiniLM-L6-v2"
    config = json.loads(
        (Path(model_folder(name, resolve_model(name))) / "tokenizer.json").read_text()
    )
    full = config["model"]["vocab"]
    by_id = {i: token for token, i in full.items()}
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    # Single characters (ids 999 to 1995), their word-piece forms, and the commonest words.
    characters = [by_id[i] for i in range(999, 1996)]
    pieces = [f"##{c}" for c in characters if f"##{c}" in full]
    words = [by_id[i] for i in range(1996, 3500)]
    tokens = dict.fromkeys(specials + characters + pieces + words)  # in order, once each
    vocabulary = {token: i for i, token in enumerate(tokens)}
    config["model"]["vocab"] = vocabulary
    for added in config["added_tokens"]:
        added["id"] = vocabulary[added["content"]]
    for special in config["post_processor"]["special_tokens"].values():
        special["ids"] = [vocabulary[token] for token in special["tokens"]]
    config["truncation"] = config["padding"] = None
    return json.dumps(config), len(vocabulary)


def tiny_teacher_folder():
    """The folder of the tiny teacher (config, weights and fast tokenizer), built once."""
    global _FOLDER
    if _FOLDER is not None:
        return _FOLDER
    import torch
    from transformers import BertConfig, BertModel

    folder = Path(tempfile.mkdtemp(prefix="lexembed-tiny-teacher-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    serialized, n_tokens = _tokenizer_json()
    (folder / "tokenizer.json").write_text(serialized, encoding="utf-8")
    settings = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "model_max_length": 128,
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "mask_token": "[MASK]",
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(settings), encoding="utf-8")
    config = BertConfig(
        vocab_size=n_tokens,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).eval().save_pretrained(folder)
    _FOLDER = str(folder)
    return _FOLDER
