"""A skip-gram model's starting point: initial matrices, and starting from pretrained vectors.

Random rows follow gensim's ranges. From pretrained vectors, known words start at their vectors
and new words at the pretrained n-gram composition; with subwords the n-gram rows start from the
pretrained n-gram vectors and each word row is set so that the word's mean is that start vector.
The freezing strategy becomes per-row lock factors (``freeze``) or anchor rows (``anchor``) of
the word rows, which the kernel applies. ``drift`` measures afterwards how far the known words
moved.
"""

from __future__ import annotations

import numpy as np

from ..static._oov import subword_table
from ..static._store import WordVectors
from ..static._subword import ngram_hashes
from ._kernel import SGNSModel

__all__ = ["drift", "initial_model", "start_from"]


def initial_model(words, dim, rng, subwords, min_n, max_n, bucket):
    """Initial matrices: small uniform input rows (gensim's ranges), zero output rows.

    Returns the model and, with subwords, ``(keys, rows)``: the sorted n-gram hashes and the
    model row each maps to, from which the fitted :class:`SubwordTable` is built.
    """
    n_words = len(words)
    output_vectors = np.zeros((n_words, dim), dtype=np.float32)
    word_lock = np.ones(n_words, dtype=np.float32)
    if not subwords:
        input_vectors = _uniform(rng, (n_words, dim), 0.5 / dim)
        empty = np.zeros((0, dim), dtype=np.float32)
        model = SGNSModel(
            input_vectors,
            output_vectors,
            empty,
            np.zeros(n_words + 1, np.int64),
            np.zeros(0, np.int32),
            word_lock,
        )
        return model, None
    indptr, hashes = ngram_hashes(words, min_n, max_n)
    keys, key_of_ngram = np.unique(hashes, return_inverse=True)
    # Only the buckets the vocabulary's n-grams fall in are allocated: the others would never
    # be trained (and at fastText's 2M buckets they would dominate memory).
    _, row_of_key = np.unique(keys % np.uint32(bucket), return_inverse=True)
    n_rows = int(row_of_key.max()) + 1 if len(keys) else 0
    input_vectors = _uniform(rng, (n_words, dim), 1.0 / dim)
    ngram_vectors = _uniform(rng, (n_rows, dim), 1.0 / dim)
    ngram_rows = row_of_key[key_of_ngram].astype(np.int32)
    model = SGNSModel(input_vectors, output_vectors, ngram_vectors, indptr, ngram_rows, word_lock)
    return model, (keys, row_of_key)


def _uniform(rng, shape, bound):
    """Uniform float32 in ``[-bound, bound)``, computed in place: no matrix-sized temporaries."""
    values = rng.random(shape, dtype=np.float32)
    values *= np.float32(2 * bound)
    values -= np.float32(bound)
    return values


def start_from(pretrained, words, model, min_n, max_n, strategy, anchor_strength):
    """Initialise ``model`` from pretrained vectors and set the freezing strategy.

    Each known word starts at its pretrained vector, each new word at the pretrained n-gram
    composition (it keeps its random row when none of its n-grams is known). Without subwords
    that is the word's row; with subwords it is the word's composed vector, the mean of its row
    and its n-gram rows (see :func:`_start_subwords`).

    Returns the boolean mask of the vocabulary words that have a pretrained vector.
    """
    rows = np.fromiter((pretrained.key_to_index.get(w, -1) for w in words), np.int64, len(words))
    known = rows >= 0
    model.input_vectors[known] = pretrained.vectors[rows[known]]
    new = np.flatnonzero(~known)
    if len(new) or model.subwords:
        # The n-gram table GloveVectorizer composes unseen words with (shared per store).
        table = subword_table(pretrained, min_n, max_n)
    if len(new):
        composed, found = table.compose([words[i] for i in new])
        model.input_vectors[new[found]] = composed[found]
    if model.subwords:
        _start_subwords(model, words, table, min_n, max_n)
    if strategy == "freeze":
        model.word_lock[known] = 0.0
    elif strategy == "anchor":
        model.anchors = np.ascontiguousarray(model.input_vectors[known])
        model.anchor_rows[known] = np.arange(int(known.sum()), dtype=np.int32)
        model.anchor_strength = float(anchor_strength)
    return known


def _start_subwords(model, words, table, min_n, max_n):
    """Start the n-gram rows from ``table`` and set the word rows so that each word's mean is
    the start vector now in its row: ``row = (1 + n) * start - sum of its n-gram rows``.

    Any rule that makes the mean equal the pretrained vector trains every known word's vector
    the same way (each row of a mean takes the same update, the anchor pulls on the change),
    so the rules differ only in the n-gram rows, which compose the words unseen at fit time.
    Measured on WordNet's glosses (GloVe 50d, ``bench_domain.py``, seed 0): starting them at
    zero (row ``= (1 + n) * start``), words unseen at fit time composed from the trained table
    had a centred cosine of 0.00 to their GloVe vectors, starting them from the pretrained
    n-grams 0.28, for the same supersense accuracy (0.686); fastText's ``-pretrainedVectors``
    (word rows set to the vectors, the mean then ``1 / (1 + n)`` of them, 1/27 for the median
    word) lost the pretrained meaning: accuracy 0.639, below GloVe alone (0.665).
    """
    import scipy.sparse as sp

    n_words, n_rows = model.input_vectors.shape[0], model.ngram_vectors.shape[0]
    # The same hashes, in the same order, as the model's n-gram rows (initial_model).
    _, hashes = ngram_hashes(words, min_n, max_n)
    keys, key_of_ngram = np.unique(hashes, return_inverse=True)
    row_of_key = np.empty(len(keys), dtype=np.int64)
    row_of_key[key_of_ngram] = model.ngram_rows
    vectors, found = table.ngram_vectors(keys)
    # A row is the mean of the known n-grams hashed to it; one with none starts at zero.
    sharing = sp.csr_matrix(
        (np.ones(len(vectors), np.float32), (row_of_key[found], np.arange(len(vectors)))),
        shape=(n_rows, len(vectors)),
    )
    n_sharing = np.asarray(sharing.sum(axis=1)).ravel()
    model.ngram_vectors[:] = np.asarray(sharing @ vectors, dtype=np.float32)
    model.ngram_vectors[n_sharing > 0] /= n_sharing[n_sharing > 0, None]
    members = sp.csr_matrix(
        (np.ones(len(model.ngram_rows), np.float32), model.ngram_rows, model.ngram_indptr),
        shape=(n_words, n_rows),
    )
    lengths = np.diff(model.ngram_indptr).astype(np.float32)
    model.input_vectors *= (lengths + 1)[:, None]
    model.input_vectors -= np.asarray(members @ model.ngram_vectors, dtype=np.float32)


def drift(before, store, known, benchmarks):
    """How far the known words moved: mean cosine, and word-similarity scores before/after.

    Parameters
    ----------
    before : ndarray of shape (n_known, n_dims)
        The pretrained vectors of the known vocabulary words.
    store : WordVectors
        The trained vectors.
    known : ndarray of shape (len(store),), dtype bool
        Which vocabulary words had a pretrained vector.
    benchmarks : dict of str to path
        A name (``"ws353"``) for each word-pair file of ``evaluate_word_pairs``.

    Returns
    -------
    drift : dict
    """
    words = [w for w, k in zip(store.words, known) if k]
    after = np.asarray(store.vectors[known])
    norms = np.linalg.norm(after, axis=1) * np.linalg.norm(before, axis=1)
    cosine = np.einsum("ij,ij->i", after, before) / np.where(norms > 0, norms, 1.0)
    drift = {
        "mean_cosine": float(cosine.mean()) if len(words) else float("nan"),
        "n_known": len(words),
    }
    for name, path in benchmarks.items():
        for when, vectors in [("before", before), ("after", after)]:
            try:
                score = WordVectors(words, vectors).evaluate_word_pairs(path)[1].statistic
            except ValueError:  # no pair of the file has both words known
                score = float("nan")
            drift[f"{name}_{when}"] = float(score)
    return drift
