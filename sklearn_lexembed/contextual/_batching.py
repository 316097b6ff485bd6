"""Batching for transformer inference: tokens to padded batches, windows back to documents.

Documents are tokenised once (the Rust tokenizer, one batch call per chunk of documents);
sequences are sorted by
token count and padded per batch only, so padding stays a few per cent of the tokens; a long
document's windows are averaged back into one row. Each document's vector does not depend on
its batch-mates (padding is masked), up to float rounding (~1e-6).
"""

from __future__ import annotations

import numpy as np

from .._core.text import replace_lone_surrogates

__all__ = ["combine_windows", "encode_texts", "merge_words", "padded_batches", "windows"]

# Padded tokens per batch for every document slot: long documents get smaller batches, so a
# batch's memory stays bounded while short sentences still fill ``batch_size``.
_TOKENS_PER_SLOT = 128
# Fraction of a chunk shared with the next one when long_text="chunk".
_CHUNK_OVERLAP = 0.25


def encode_texts(loaded, documents):
    # The Rust backend tokenises the whole list in parallel, without special tokens or
    # truncation (they are added per window). It cannot take a lone surrogate (not UTF-8):
    # those become U+FFFD, which keeps the offsets merge_words slices the text with.
    return loaded.backend.encode_batch(replace_lone_surrogates(documents), add_special_tokens=False)


def windows(n_tokens, size):
    """(start, end) windows of at most ``size`` tokens covering ``range(n_tokens)``."""
    if n_tokens <= size:
        return [(0, n_tokens)]
    stride = max(1, size - int(size * _CHUNK_OVERLAP))
    spans = []
    start = 0
    while True:
        end = min(start + size, n_tokens)
        spans.append((start, end))
        if end == n_tokens:
            return spans
        start += stride


def padded_batches(sequences, batch_size, pad_id, verbose=False):
    """Sequences sorted by length in padded batches: yield (indices, ids, mask).

    ``ids`` and ``mask`` are int64 arrays of shape (n_in_batch, longest_in_batch); a batch
    holds at most ``batch_size`` sequences and ``128 * batch_size`` padded tokens.
    """
    lengths = np.fromiter((len(s) for s in sequences), dtype=np.intp, count=len(sequences))
    order = np.argsort(lengths, kind="stable")
    budget = batch_size * _TOKENS_PER_SLOT
    batches, current = [], []
    for index in order:
        if current and (len(current) == batch_size or (len(current) + 1) * lengths[index] > budget):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    if verbose:
        from tqdm.auto import tqdm

        batches = tqdm(batches, desc="ContextualVectorizer", unit="batch")
    for batch in batches:
        width = int(lengths[batch[-1]])
        ids = np.full((len(batch), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, index in enumerate(batch):
            n = lengths[index]
            ids[row, :n] = sequences[index]
            mask[row, :n] = 1
        yield np.asarray(batch), ids, mask


def combine_windows(pooled, owners, weights, n_documents, pooling):
    """One row per document from its windows: weighted mean, or the max for max pooling."""
    if len(owners) == n_documents:
        out = np.empty_like(pooled)
        out[owners] = pooled
        return out
    if pooling == "max":
        out = np.full((n_documents, pooled.shape[1]), -np.inf, dtype=np.float32)
        np.maximum.at(out, owners, pooled)
        return out
    out = np.zeros((n_documents, pooled.shape[1]), dtype=np.float64)
    np.add.at(out, owners, pooled * weights[:, None])
    total = np.bincount(owners, weights=weights, minlength=n_documents)
    return (out / total[:, None]).astype(np.float32)


def merge_words(text, encoding, sums, counts):
    seen = counts > 0
    words, rows = [], []
    current, pieces = None, []
    word_ids = encoding.word_ids
    offsets = encoding.offsets

    def flush():
        if pieces:
            begin, finish = offsets[pieces[0]][0], offsets[pieces[-1]][1]
            words.append(text[begin:finish])
            vecs = sums[pieces] / counts[pieces, None]
            rows.append(vecs.mean(axis=0))

    for position, word in enumerate(word_ids):
        if not seen[position]:
            continue
        if word is None or word != current:
            flush()
            current, pieces = word, []
        pieces.append(position)
    flush()
    matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), sums.shape[1])
    return words, matrix
