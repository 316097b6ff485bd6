"""Rows out: pooling token vectors into one vector per document.

Tokens arrive flattened in CSR layout: document ``i`` owns ``rows[indptr[i]:indptr[i + 1]]``,
indexes into a *stack* of vector tables (the pretrained matrix, then the vectors composed for
unseen words) that is never materialised: each table is multiplied in place by a sparse weight
matrix, so the 400k-row memory map is never copied. Row ``-1`` is a token that counts but
contributes a zero vector (``oov="zero"``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = [
    "POOLING_METHODS",
    "gather_rows",
    "pool",
    "remove_component",
    "sif_weights",
    "zipf_probabilities",
]

POOLING_METHODS = ("mean", "max", "sif", "tfidf")


def _weighted_sum(indptr, rows, weights, tables, n_dims):
    n_docs = len(indptr) - 1
    owner = np.repeat(np.arange(n_docs), np.diff(indptr))
    out = np.zeros((n_docs, n_dims), dtype=np.float32)
    start = 0
    for table in tables:
        stop = start + table.shape[0]
        mask = (rows >= start) & (rows < stop)
        if mask.any():
            # Gather only the rows these documents use: multiplying by the whole table would
            # stream all of a 400k-row memory map through the product for every block.
            used, columns = np.unique(rows[mask] - start, return_inverse=True)
            # Built from CSR arrays, not coordinates: entries stay in token order, so a
            # document's sum never depends on row numbers, which for composed vectors
            # depend on what the process embedded before.
            row_counts = np.bincount(owner[mask], minlength=n_docs)
            matrix = sp.csr_matrix(
                (weights[mask], columns, np.concatenate([[0], np.cumsum(row_counts)])),
                shape=(n_docs, len(used)),
            )
            out += matrix @ np.asarray(table[used], dtype=np.float32)
        start = stop
    return out


def gather_rows(rows, tables, n_dims):
    """The vector of each row of the stacked ``tables``; row ``-1`` is a zero vector.

    Parameters
    ----------
    rows : ndarray of shape (n_tokens,), dtype int64
    tables : list of ndarray of shape (n_rows_k, n_dims)
    n_dims : int

    Returns
    -------
    vectors : ndarray of shape (n_tokens, n_dims), dtype float32
    """
    vectors = np.zeros((len(rows), n_dims), dtype=np.float32)
    start = 0
    for table in tables:
        stop = start + table.shape[0]
        mask = (rows >= start) & (rows < stop)
        if mask.any():
            vectors[mask] = table[rows[mask] - start]
        start = stop
    return vectors


def _max(indptr, rows, tables, n_dims):
    n_docs = len(indptr) - 1
    token_vectors = gather_rows(rows, tables, n_dims)
    out = np.zeros((n_docs, n_dims), dtype=np.float32)
    nonempty = np.diff(indptr) > 0
    if nonempty.any():
        out[nonempty] = np.maximum.reduceat(token_vectors, indptr[:-1][nonempty], axis=0)
    return out


def pool(indptr, rows, tables, method="mean", weights=None):
    """Pool token vectors into document vectors.

    Parameters
    ----------
    indptr : ndarray of shape (n_docs + 1,)
        Token offsets of each document.
    rows : ndarray of shape (n_tokens,), dtype int64
        Row of each token in the stacked ``tables``; -1 for a zero vector.
    tables : list of ndarray of shape (n_rows_k, n_dims)
        Vector tables, stacked in order.
    method : {"mean", "max", "sif", "tfidf"}, default="mean"
        ``"max"`` takes the element-wise maximum; the others take the ``weights``-weighted
        mean (uniform weights for ``"mean"``).
    weights : ndarray of shape (n_tokens,), default=None
        Per-token weights for the weighted means.

    Returns
    -------
    pooled : ndarray of shape (n_docs, n_dims), dtype float32
        A document without tokens gets a zero row, never NaN.
    """
    n_dims = tables[0].shape[1]
    rows = np.asarray(rows, dtype=np.int64)
    if method == "max":
        return _max(indptr, rows, tables, n_dims)
    if method not in POOLING_METHODS:
        raise ValueError(f"pooling must be one of {POOLING_METHODS}; got {method!r}.")
    weights = (
        np.ones(len(rows), dtype=np.float32)
        if weights is None
        else np.asarray(weights, dtype=np.float32)
    )
    owner = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    totals = np.bincount(owner, weights=weights, minlength=len(indptr) - 1)
    summed = _weighted_sum(indptr, rows, weights, tables, n_dims)
    # Clamp the divisor: an empty document stays a zero row instead of 0 / 0 = NaN.
    return (summed / np.maximum(totals, np.finfo(np.float32).tiny)[:, None]).astype(np.float32)


def zipf_probabilities(n_words):
    """Word probabilities implied by a frequency-ranked vocabulary under Zipf's law.

    Pretrained files such as GloVe list words most frequent first but carry no counts; Zipf's
    law (``p(rank) ~ 1 / rank``) turns the rank into the frequency estimate SIF needs.

    Parameters
    ----------
    n_words : int

    Returns
    -------
    probabilities : ndarray of shape (n_words,)
    """
    ranks = np.arange(1, n_words + 1, dtype=np.float64)
    return 1.0 / (ranks * np.sum(1.0 / ranks))


def sif_weights(probabilities, alpha=1e-3):
    """Smooth inverse frequency weights ``alpha / (alpha + p(w))`` (Arora et al., 2017)."""
    return (alpha / (alpha + np.asarray(probabilities, dtype=np.float64))).astype(np.float32)


def remove_component(pooled, component):
    """Remove the projection on a unit ``component`` from every row (SIF's common direction)."""
    if component is None:
        return pooled
    return (pooled - np.outer(pooled @ component, component)).astype(np.float32)
