"""ContextualVectorizer.transform vs SentenceTransformer.encode vs a naive loop (same model).

Same bundled all-MiniLM-L6-v2, same batch size (32), CPU, 2 torch threads, one run each, side
by side in one process. Corpora: (a) 2,000 short real sentences (Pang & Lee polarity + Lee
corpus sentences), (b) the 300 Lee background documents, (c) both mixed and shuffled.
Reports documents/s, real tokens/s, peak RSS (VmHWM after each run), padding waste
(padded tokens / real tokens - 1) and the cosine agreement with sentence-transformers.

Run: .venv/bin/python benchmarks/bench_contextual.py
"""

import random
import re

import numpy as np
import sentence_transformers
import torch
from _common import status_mb, timed, versions

from sklearn_lexembed import ContextualVectorizer
from sklearn_lexembed.datasets import evaluation_path, load_lee_corpus, load_polarity

BATCH = 32
torch.set_num_threads(2)


def corpora():
    polarity, _ = load_polarity()
    with open(evaluation_path("lee.cor"), encoding="latin-1") as fin:
        lee_text = " ".join(line.strip() for line in fin)
    sentences = [
        s
        for s in re.split(r"(?<=[.!?])\s+", " ".join(load_lee_corpus()) + " " + lee_text)
        if len(s.split()) >= 3
    ]
    short = (polarity + sentences)[:2000]
    long_docs = load_lee_corpus()
    mix = short + long_docs
    random.Random(0).shuffle(mix)
    return {"(a) short": short, "(b) long": long_docs, "(c) mix": mix}


def naive(loaded, docs):
    """Unsorted fixed batches, each padded to its longest member; mean pool + normalise."""
    tok, model = loaded.tokenizer, loaded.model
    rows, padded, real = [], 0, 0
    with torch.inference_mode():
        for start in range(0, len(docs), BATCH):
            enc = tok(
                docs[start : start + BATCH],
                padding=True,
                truncation=True,
                max_length=loaded.max_length,
                return_tensors="pt",
            )
            padded += enc["attention_mask"].numel()
            real += int(enc["attention_mask"].sum())
            hidden = model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            rows.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
    return np.vstack(rows), padded, real


def our_padding(vectorizer, docs):
    loaded = vectorizer._model()
    sequences, *_ = vectorizer._sequences(loaded, docs)
    lengths = [len(s) for s in sequences]
    # Replays our batching without running the model.
    order = np.argsort(lengths, kind="stable")
    padded, current = 0, []
    budget = BATCH * 128
    for i in order:
        if current and (len(current) == BATCH or (len(current) + 1) * lengths[i] > budget):
            padded += len(current) * lengths[current[-1]]
            current = []
        current.append(i)
    padded += len(current) * lengths[current[-1]]
    return padded, sum(lengths)


def main():
    import warnings

    warnings.simplefilter("ignore")
    print(
        f"{versions('torch', 'transformers', 'sentence-transformers', 'scikit-learn')}; "
        f"threads={torch.get_num_threads()}, "
        f"batch_size={BATCH}, device=cpu, float32"
    )
    ours = ContextualVectorizer(normalize=True, batch_size=BATCH, device="cpu").fit([])
    loaded = ours._model()
    st = sentence_transformers.SentenceTransformer(ours.model_source_[1], device="cpu")
    data = corpora()
    ours.transform(data["(a) short"][:64])
    st.encode(data["(a) short"][:64], batch_size=BATCH)
    print(
        f"{'corpus':10} {'docs':>5} {'tokens':>7} | {'ours d/s':>8} {'st d/s':>7} "
        f"{'naive d/s':>9} | {'ours tok/s':>10} | {'st/ours':>7} {'naive/ours':>10} | "
        f"{'pad ours':>8} {'pad st':>6} {'pad naive':>9} | {'min cos':>9} | rss MB"
    )
    for name, docs in data.items():
        t_ours, x_ours = timed(lambda docs=docs: ours.transform(docs))
        t_st, x_st = timed(
            lambda docs=docs: st.encode(docs, batch_size=BATCH, normalize_embeddings=True)
        )
        t_naive, (x_naive, pad_n, real_n) = timed(lambda docs=docs: naive(loaded, docs))
        pad_o, real_o = our_padding(ours, docs)
        # sentence-transformers sorts by character length, pads per batch.
        order = np.argsort([-len(d) for d in docs], kind="stable")
        pad_s = 0
        for start in range(0, len(docs), BATCH):
            batch = [docs[i] for i in order[start : start + BATCH]]
            enc = loaded.tokenizer(
                batch, padding=True, truncation=True, max_length=loaded.max_length
            )
            pad_s += len(batch) * len(enc["input_ids"][0])
        cos = (x_ours * x_st).sum(1).min()
        n = len(docs)
        print(
            f"{name:10} {n:5d} {real_o:7d} | {n / t_ours:8.1f} {n / t_st:7.1f} "
            f"{n / t_naive:9.1f} | {real_o / t_ours:10.0f} | {t_st / t_ours:7.2f} "
            f"{t_naive / t_ours:10.2f} | {pad_o / real_o - 1:8.1%} {pad_s / real_o - 1:6.1%} "
            f"{pad_n / real_n - 1:9.1%} | {cos:.7f} | {status_mb('VmHWM'):.0f}"
        )
        assert np.abs(x_naive - x_st).max() < 1e-4


if __name__ == "__main__":
    main()
