"""Out-of-vocabulary words: the one resolver of tokens to table rows, and its one error.

Known tokens map to their row of the store; unknown ones follow the estimator's ``oov`` policy:
``"subword"`` composes a vector from character n-grams (once per word, kept in a bounded cache
shared by threads, :class:`ComposedVectors`), ``"zero"`` keeps the token with a zero vector (row ``-1``), ``"ignore"`` drops it,
``"error"`` raises the ``KeyError`` worded by :func:`oov_error`.
"""

from __future__ import annotations

import threading
import warnings
from itertools import repeat

import numpy as np

from ._subword import SubwordTable

__all__ = [
    "OOV_POLICIES",
    "ComposedVectors",
    "ZeroRows",
    "blank",
    "composed_vectors",
    "no_ngram_error",
    "no_token_error",
    "oov_error",
    "resolve_tokens",
    "subword_table",
    "zero_rows_warning",
]

OOV_POLICIES = ("subword", "zero", "ignore", "error")

# Memory budget of the composed-vector cache of one store, and what each cached word costs
# besides its float32 row (the str, its dict slot and its owner slot; measured: 30 calls of
# 30,000 new words used to grow an unbounded cache by about 300 bytes a word at 50 dims).
_CACHE_BYTES = 32 * 2**20
_ENTRY_BYTES = 200


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


def _quote(doc, limit=40):
    return repr(doc if len(doc) <= limit else doc[:limit] + "...")


def no_token_error(document_index, doc):
    """The ``ValueError`` for a non-blank document without any token under ``oov="error"``.

    Parameters
    ----------
    document_index : int
        Index of the document.
    doc : str
        The document, quoted (shortened) in the message.

    Returns
    -------
    error : ValueError
    """
    return ValueError(
        f"Document at index {document_index} has no token (oov='error'): the analyzer found "
        f"none in {_quote(doc)}. Use a token_pattern or tokenizer that matches its script, or "
        "oov='subword', 'zero' or 'ignore' to embed it as a zero row."
    )


def blank(doc):
    """Whether ``doc`` is empty or whitespace only (its zero row is expected)."""
    return not doc or doc.isspace()


class ZeroRows:
    """Tally of the non-blank documents of one call that were embedded as zero rows.

    Blank documents (empty or whitespace-only) are left out: their zero row is the expected
    embedding of no text (as CountVectorizer's empty row), and corpora use ``""`` for missing
    text, where a warning on every call would only be noise.
    """

    def __init__(self):
        self.count = 0
        self.first = None
        self.n_documents = 0

    def add(self, pooled, documents, first_index):
        self.n_documents += len(documents)
        for i in np.flatnonzero(~pooled.any(axis=1)).tolist():
            if not blank(documents[i]):
                self.count += 1
                if self.first is None:
                    self.first = (first_index + i, documents[i])

    def warn(self, stacklevel):
        """Warn once if any document was counted; ``stacklevel`` as seen from the caller."""
        if self.count:
            warning = zero_rows_warning(self.count, self.n_documents, *self.first)
            warnings.warn(warning, stacklevel=stacklevel + 1)


def zero_rows_warning(n_zero, n_documents, first_index, doc):
    """The warning for non-blank documents that no token gave a vector (zero rows).

    Parameters
    ----------
    n_zero : int
        How many documents.
    n_documents : int
        Documents in the call.
    first_index : int
        Index of the first of them.
    doc : str
        That document, quoted (shortened) in the message.

    Returns
    -------
    warning : UserWarning
    """
    return UserWarning(
        f"{n_zero} of {n_documents} documents have no token with a vector and are embedded as "
        f"zero rows (the first at index {first_index}: {_quote(doc)}). The token pattern or "
        "the vectors may not cover their script or language; empty and whitespace-only "
        "documents are not counted."
    )


def no_ngram_error(word):
    """The ``KeyError`` for an unseen word none of whose n-grams is known, in a query.

    Parameters
    ----------
    word : str

    Returns
    -------
    error : KeyError
    """
    return KeyError(
        f"Word {word!r} is not in the vocabulary and none of its character n-grams is known "
        "(oov='subword'), so it has no vector to compare."
    )


class ComposedVectors:
    """Vectors composed for unseen words: a bounded cache shared between threads.

    A word's vector is composed once and kept while it is among the ``capacity`` words
    composed most recently; the oldest are evicted first. Eviction never changes a result: a
    word's composition depends on its own n-grams only, so an evicted word is composed again,
    bit for bit the same vector, the next time it comes.

    Parameters
    ----------
    table : SubwordTable
        Composes a vector from a word's character n-grams.
    n_dims : int
        Dimension of the vectors.
    max_bytes : int, default=None
        Memory budget of the cache, 32 MiB when None: each word is counted as its float32 row plus about 200
        bytes for its entry in the index (the word and a dict slot), so at 50 dimensions
        about 84,000 words are kept, at 300 about 23,000.

    Attributes
    ----------
    capacity : int
        How many words the cache keeps, from ``max_bytes``.

    Notes
    -----
    Consistency under interruption (a ``MemoryError`` or ``KeyboardInterrupt`` at any
    point): the invariant is "a word in the index points to a row that holds its vector".
    New vectors are composed aside; evicted words leave the index before their rows are
    overwritten, and new words enter it only after their rows are written, so an interrupted
    call leaves, at worst, words missing from the index, which are simply composed again.
    """

    def __init__(self, table, n_dims, max_bytes=None):
        self._table = table
        max_bytes = _CACHE_BYTES if max_bytes is None else int(max_bytes)
        self.capacity = max(1, max_bytes // (4 * int(n_dims) + _ENTRY_BYTES))
        # word -> row of _matrix. _owners[row] is the word last written there, and _next the
        # row the next new word takes (a ring: the oldest composed word goes first).
        self._rows = {}
        self._owners = [None] * self.capacity
        self._next = 0
        # np.zeros is lazily backed: rows cost memory once written, not before.
        self._matrix = np.zeros((self.capacity, n_dims), dtype=np.float32)
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._rows)

    def lookup(self, words):
        """Vectors of ``words``, composing the ones not in the cache.

        Parameters
        ----------
        words : list of str

        Returns
        -------
        rows : ndarray of shape (len(words),), dtype int64
            Row of each word in ``matrix``.
        matrix : ndarray of shape (n_distinct_words, n_dims), dtype float32
            One vector per distinct word, in order of first occurrence: a new array owned by
            the caller, whatever the cache evicts later.
        """
        unique = list(dict.fromkeys(words))
        position = {word: i for i, word in enumerate(unique)}
        rows = np.fromiter(map(position.__getitem__, words), np.int64, len(words))
        with self._lock:
            cached = np.fromiter(map(self._rows.get, unique, repeat(-1)), np.int64, len(unique))
            hit = cached >= 0
            matrix = np.empty((len(unique), self._matrix.shape[1]), dtype=np.float32)
            matrix[hit] = self._matrix[cached[hit]]
            missing = np.flatnonzero(~hit)
            if len(missing):
                new = [unique[i] for i in missing]
                composed, _ = self._table.compose(new)
                matrix[missing] = composed
                self._keep(new, composed)
        return rows, matrix

    def _keep(self, new, composed):
        # More new words than the cache holds: keep the last ones, as if added one by one.
        new, composed = new[-self.capacity :], composed[-self.capacity :]
        slots = (self._next + np.arange(len(new))) % self.capacity
        # Out of the index first: from here on no word points to these rows.
        for slot in slots.tolist():
            owner = self._owners[slot]
            if owner is not None and self._rows.get(owner) == slot:
                del self._rows[owner]
        self._matrix[slots] = composed
        for word, slot in zip(new, slots.tolist()):
            self._owners[slot] = word
            self._rows[word] = slot
        self._next = int(slots[-1] + 1) % self.capacity


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
