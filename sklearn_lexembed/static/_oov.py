"""Out-of-vocabulary words: the one resolver of tokens to table rows, and its one error.

Known tokens map to their row of the store; unknown ones follow the estimator's ``oov`` policy:
``"subword"`` composes a vector from character n-grams (once per word, kept in a cache shared
by threads), ``"zero"`` keeps the token with a zero vector (row ``-1``), ``"ignore"`` drops it,
``"error"`` raises the ``KeyError`` worded by :func:`oov_error`.
"""

from __future__ import annotations

import threading
from itertools import repeat

import numpy as np

from ._subword import SubwordTable

__all__ = [
    "OOV_POLICIES",
    "ComposedVectors",
    "composed_vectors",
    "oov_error",
    "resolve_tokens",
    "subword_table",
]

OOV_POLICIES = ("subword", "zero", "ignore", "error")


def oov_error(word, document_index=None):
    """The ``KeyError`` for an unknown word under ``oov="error"``.

    Parameters
    ----------
    word : str
        The unknown word.
    document_index : int, default=None
        Index of the document it came from, when it came from one.

    Returns
    -------
    error : KeyError
    """
    where = "" if document_index is None else f" in document at index {document_index}"
    return KeyError(
        f"Word {word!r}{where} is not in the vocabulary (oov='error'). Use oov='subword', "
        "'zero' or 'ignore' to embed unknown words."
    )


class ComposedVectors:
    """Vectors composed for unseen words, computed once per word and shared between threads.

    Parameters
    ----------
    table : SubwordTable
        Composes a vector from a word's character n-grams.
    n_dims : int
        Dimension of the vectors.
    """

    def __init__(self, table, n_dims):
        self._table = table
        self._rows = {}
        self._matrix = np.zeros((0, n_dims), dtype=np.float32)
        self._lock = threading.Lock()

    def lookup(self, words):
        """Rows of ``words`` in the returned matrix, composing the ones not seen before.

        Parameters
        ----------
        words : list of str

        Returns
        -------
        rows : ndarray of shape (len(words),), dtype int64
        matrix : ndarray of shape (n_composed, n_dims), dtype float32
        """
        with self._lock:
            new = [w for w in dict.fromkeys(words) if w not in self._rows]
            if new:
                composed, _ = self._table.compose(new)
                # The matrix is built before the index is touched: an error or interrupt in
                # between leaves both as they were.
                matrix = np.concatenate([self._matrix, composed])
                first = len(self._rows)
                self._rows.update(zip(new, range(first, first + len(new))))
                self._matrix = matrix
            rows = np.fromiter(map(self._rows.__getitem__, words), np.int64, len(words))
            return rows, self._matrix


def subword_table(store, min_n, max_n):
    """The n-gram table that composes unseen words of ``store``.

    The store's own table when it has one (a trained fastText-style model), else one learned
    from its vocabulary (:meth:`SubwordTable.from_word_vectors`), built once per store and kept
    on it (:meth:`WordVectors.derived`), so every estimator sharing a pretrained table shares it.

    Parameters
    ----------
    store : WordVectors
    min_n, max_n : int
        n-gram lengths, in UTF-8 bytes.

    Returns
    -------
    table : SubwordTable
    """
    if store.subwords is not None:
        return store.subwords
    return store.derived(
        ("subword-table", min_n, max_n),
        lambda: SubwordTable.from_word_vectors(store.words, store.vectors, min_n, max_n),
    )


def composed_vectors(store, min_n, max_n):
    """The cache of vectors composed for unseen words of ``store``, kept on the store.

    Parameters
    ----------
    store : WordVectors
    min_n, max_n : int
        n-gram lengths, in UTF-8 bytes.

    Returns
    -------
    composed : ComposedVectors
    """
    # A trained table fixes its own n-gram lengths; a learned one exists per (min_n, max_n).
    key = ("composed",) if store.subwords is not None else ("composed", min_n, max_n)
    return store.derived(
        key, lambda: ComposedVectors(subword_table(store, min_n, max_n), store.n_dims)
    )


def resolve_tokens(store, tokens, policy, min_n, max_n, document_of=None):
    """Map tokens to rows of the stacked tables ``[store.vectors, composed]``.

    Parameters
    ----------
    store : WordVectors
    tokens : list of str
    policy : {"subword", "zero", "ignore", "error"}
    min_n, max_n : int
        n-gram lengths for ``"subword"``.
    document_of : callable, default=None
        ``document_of(position) -> int``: the document index quoted by the ``"error"`` policy.

    Returns
    -------
    rows : ndarray of shape (len(tokens),), dtype int64
        Row of each token; ``-1`` for a zero vector.
    tables : list of ndarray
        The tables the rows index, stacked in order.
    keep : ndarray of bool or None
        With ``"ignore"``: which tokens have a vector. None otherwise.
    """
    rows = np.fromiter(map(store.key_to_index.get, tokens, repeat(-1)), np.int64, len(tokens))
    tables = [store.vectors]
    unknown = np.flatnonzero(rows < 0)
    if not len(unknown):
        return rows, tables, None
    if policy == "error":
        first = int(unknown[0])
        raise oov_error(tokens[first], None if document_of is None else document_of(first))
    if policy == "ignore":
        return rows, tables, rows >= 0
    if policy == "subword":
        composed_rows, matrix = composed_vectors(store, min_n, max_n).lookup(
            [tokens[i] for i in unknown]
        )
        rows[unknown] = len(store) + composed_rows
        tables.append(matrix)
    return rows, tables, None
