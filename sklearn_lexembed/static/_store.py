"""The word-vector store shared by every static model.

``WordVectors`` holds words, a float32 matrix (possibly memory-mapped, never copied for
lookups), the word -> row index, and a lazily computed unit-normalised copy. Queries
(``most_similar``, ``similarity``) follow gensim's ``KeyedVectors`` semantics so users coming
from gensim get the same answers; the evaluation helpers give gensim's numbers, but score all
questions of a file in blocked matrix products instead of one query at a time.
"""

from __future__ import annotations

import threading

import numpy as np

from .._core.rows import unit_rows
from ._evaluation import evaluate_word_analogies, evaluate_word_pairs

__all__ = ["WordVectors"]


# Words may hold lone surrogates ("\ud800" from a (words, matrix) pair, or a token a custom
# tokenizer kept): "surrogatepass" writes them as their 3-byte forms, so every str pickles.
# Valid UTF-8 decodes the same way with it, so files written before read back unchanged.
def _pack_words(words):
    encoded = [word.encode("utf-8", "surrogatepass") for word in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return {"utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), "offsets": offsets}


def _unpack_words(packed):
    data = packed["utf8"].tobytes()
    offsets = packed["offsets"].tolist()
    return [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(offsets[:-1], offsets[1:])]


def _index_words(words):
    """word -> its first row; every word must be a ``str``."""
    if not set(map(type, words)) <= {str}:
        for row, word in enumerate(words):
            if word is None:
                raise ValueError(f"Word at row {row} is None; expected str.")
            if not isinstance(word, str):
                raise TypeError(f"Word at row {row} has type {type(word).__name__}; expected str.")
    index = {}
    for row, word in enumerate(words):
        index.setdefault(word, row)
    return index


# Rows checked per block: bounds the temporaries whatever the table size.
_FINITE_BLOCK = 1 << 16


def first_nonfinite_row(vectors):
    """The first row of ``vectors`` holding NaN or inf, or None when every value is finite.

    A row's sum is non-finite whenever one of its values is (NaN and inf propagate), so a
    block is summed first (3 ms for the 400,000 x 50 bundle, memory-mapped or not) and only a
    block whose sums are not all finite is checked value by value: a sum that overflows
    float32 is not taken for an infinite value.
    """
    for start in range(0, len(vectors), _FINITE_BLOCK):
        block = np.asarray(vectors[start : start + _FINITE_BLOCK])
        with np.errstate(over="ignore", invalid="ignore"):
            sums = np.add.reduce(block, axis=1)
        if np.isfinite(sums).all():
            continue
        bad = np.flatnonzero(~np.isfinite(block).all(axis=1))
        if len(bad):
            return start + int(bad[0])
    return None


def nonfinite_message(word, vector, where):
    """The one wording of a non-finite vector, ``where`` naming its row (and file, line)."""
    vector = np.asarray(vector)
    what = "NaN" if np.isnan(vector).any() else "an infinite value"
    return (
        f"The vector of {word!r} ({where}) holds {what}; word vectors must be finite: such a "
        "row turns every document and subword vector built from it into NaN."
    )


class NonFiniteVectorError(ValueError):
    """A word's vector holds NaN or inf; ``row`` and ``word`` say which."""

    def __init__(self, message, row, word):
        super().__init__(message)
        self.row = row
        self.word = word


def _check_finite(words, vectors):
    row = first_nonfinite_row(vectors)
    if row is not None:
        word = words[row]
        raise NonFiniteVectorError(nonfinite_message(word, vectors[row], f"row {row}"), row, word)


class WordVectors:
    """Words and their vectors, with gensim-style similarity queries.

    The store behind every static vectorizer (the ``word_vectors_`` of
    :class:`GloveVectorizer` and :class:`SkipGramVectorizer`), and one of the forms their
    ``vectors`` and ``init_vectors`` parameters accept. The matrix is kept as given when it is
    float32 (a memory map stays mapped, and lookups never copy it whole); a unit-normalised copy
    is computed on the first similarity query. ``most_similar`` and ``similarity`` give the
    answers of gensim's ``KeyedVectors``, and the evaluation methods its numbers.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, in row order (conventionally most frequent first). Any ``str``
        pickles, lone surrogates included; anything else (``None`` from a damaged file) is an
        error naming its row.
    vectors : array-like of shape (n_words, n_dims)
        One row per word. Kept as given when already float32 (a memory map stays a memory map).
        Every value must be finite: a NaN or inf is a ``ValueError`` naming the word and its
        row, raised here rather than as NaN documents later.
    counts : array-like of shape (n_words,), default=None
        Corpus frequency of each word, when known (used by SIF pooling).
    subwords : object with a ``compose(words)`` method, default=None
        The trained character n-gram vectors that compose unseen words (as
        :class:`SkipGramVectorizer` trains them with ``subwords=True``). ``None``: a table is
        learned from the vocabulary on demand, when an unseen word first needs one.

    Attributes
    ----------
    key_to_index : dict of str to int
        Row of each word. The first occurrence wins when a word is listed twice.

    See Also
    --------
    GloveVectorizer : Embeds documents by pooling these vectors.
    gensim.models.KeyedVectors : The gensim class whose query semantics this follows.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lexembed import GloveVectorizer, WordVectors
    >>> wv = WordVectors(["cat", "dog", "car"], np.array([[1.0, 0.2], [0.9, 0.3], [0.0, 1.0]]))
    >>> wv
    WordVectors(n_words=3, n_dims=2)
    >>> "dog" in wv, wv.index("dog")
    (True, 1)
    >>> round(wv.similarity("cat", "dog"), 3)
    0.992
    >>> GloveVectorizer(vectors=wv).fit_transform(["cat dog", "car"])
    array([[0.95, 0.25],
           [0.  , 1.  ]], dtype=float32)
    """

    def __init__(self, words, vectors, *, counts=None, subwords=None):
        words = list(words)
        vectors = vectors if isinstance(vectors, np.ndarray) else np.asarray(vectors)
        if vectors.ndim != 2:
            raise ValueError(f"Word vectors must be a 2-D matrix; got shape {vectors.shape}.")
        if vectors.shape[0] != len(words):
            raise ValueError(
                f"Got {len(words)} words but {vectors.shape[0]} vector rows; they must match."
            )
        if vectors.dtype != np.float32:
            vectors = vectors.astype(np.float32)
        key_to_index = _index_words(words)
        _check_finite(words, vectors)
        self.words = words
        self.vectors = vectors
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.subwords = subwords
        self.key_to_index = key_to_index
        self._unit_vectors = None
        self._derived = {}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ basics
    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.key_to_index

    def __repr__(self):
        return f"WordVectors(n_words={len(self)}, n_dims={self.n_dims})"

    @property
    def n_dims(self):
        """Dimension of the vectors."""
        return self.vectors.shape[1]

    @property
    def unit_vectors(self):
        """Row-normalised copy of :attr:`vectors`, computed on first use."""
        if self._unit_vectors is None:
            self._unit_vectors = unit_rows(np.asarray(self.vectors))
        return self._unit_vectors

    def __getstate__(self):
        state = self.__dict__.copy()
        # The normalised copy is derived data: recompute it rather than doubling the file.
        state["_unit_vectors"] = None
        state["_derived"] = {}
        del state["_lock"]
        # A memory map pickles as its data, not as a file reference.
        state["vectors"] = np.asarray(self.vectors)
        del state["key_to_index"]
        # Words travel as one UTF-8 buffer plus offsets: two arrays instead of 400k objects,
        # which keeps skops files (one JSON node per object) small and fast to load.
        state["words"] = _pack_words(self.words)
        return state

    def __setstate__(self, state):
        if isinstance(state["words"], dict):
            state["words"] = _unpack_words(state["words"])
        key_to_index = _index_words(state["words"])
        _check_finite(state["words"], state["vectors"])
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self.key_to_index = key_to_index

    def derived(self, key, factory):
        """Return data derived from these vectors, computed once by ``factory()`` and kept.

        Used for tables that are costly to build but never stored (for example the n-gram
        table of a pretrained vocabulary): every estimator sharing this store shares them.
        The data is not pickled with the store; it is computed again after unpickling.

        Parameters
        ----------
        key : hashable
            Names the derived data among those kept on this store.
        factory : callable
            Called without arguments, once per ``key`` (under a lock, so concurrent callers
            wait for the first), to compute the data.

        Returns
        -------
        data : object
            What ``factory()`` returned, the first time it was called for ``key``.
        """
        with self._lock:
            if key not in self._derived:
                self._derived[key] = factory()
            return self._derived[key]

    def index(self, word):
        """Return the row of ``word`` in :attr:`vectors`.

        Parameters
        ----------
        word : str
            A word of the vocabulary.

        Returns
        -------
        row : int
            Its row (the first, when the word is listed twice).

        Raises
        ------
        KeyError
            Naming the word, when it is not in the vocabulary.
        """
        try:
            return self.key_to_index[word]
        except KeyError:
            raise KeyError(f"Word {word!r} is not in the vocabulary.") from None

    def word_vectors(self, words):
        """Look up the vectors of known words.

        Parameters
        ----------
        words : str or sequence of str
            One word or several.

        Returns
        -------
        vectors : ndarray of shape (n_dims,) or (n_words, n_dims), dtype float32
            One row per word (one vector for a single ``str``), copied from :attr:`vectors`.

        Raises
        ------
        KeyError
            Naming the first unknown word.
        """
        if isinstance(words, str):
            return np.array(self.vectors[self.index(words)])
        return np.asarray(self.vectors[[self.index(w) for w in words]], dtype=np.float32).reshape(
            -1, self.n_dims
        )

    # ----------------------------------------------------------------- queries
    def similarity(self, word1, word2):
        """Cosine similarity of two known words.

        Parameters
        ----------
        word1, word2 : str
            Words of the vocabulary.

        Returns
        -------
        similarity : float
            Their cosine similarity (0 when either vector is zero).

        Raises
        ------
        KeyError
            Naming the first word that is not in the vocabulary.
        """
        unit = self.unit_vectors
        return float(unit[self.index(word1)] @ unit[self.index(word2)])

    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Find the words closest to the mean of the positive minus the negative words (3CosAdd).

        As gensim's ``KeyedVectors.most_similar``: each query word's unit vector is weighted
        +1 (positive) or -1 (negative), the weighted mean is normalised, and words are ranked by
        cosine similarity to it. The query words themselves are excluded from the answer.

        Parameters
        ----------
        positive : str, ndarray or list of str and ndarray, default=None
            Words (or vectors, e.g. one composed for an unseen word) that contribute
            positively.
        negative : str, ndarray or list of str and ndarray, default=None
            Words or vectors that contribute negatively.
        topn : int, default=10
            Number of words to return.
        restrict_vocab : int, default=None
            Search only the first ``restrict_vocab`` rows.

        Returns
        -------
        neighbours : list of (str, float)
            Words with their cosine similarity, most similar first.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_lexembed import WordVectors
        >>> wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [1, 0.1], [0, 1]]))
        >>> [word for word, _ in wv.most_similar("a", topn=2)]
        ['b', 'c']
        """
        positive, negative = _query_terms(positive), _query_terms(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one positive or negative word.")
        unit = self.unit_vectors
        terms = [self._unit_term(term) for term in positive + negative]
        # Query words are excluded from the answer (gensim's rule); query vectors are not.
        rows = [self.index(term) for term in positive + negative if isinstance(term, str)]
        weights = np.array([1.0] * len(positive) + [-1.0] * len(negative), dtype=np.float32)
        query = unit_rows((weights[:, None] * np.stack(terms)).mean(axis=0, keepdims=True))[0]
        limit = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        scores = unit[:limit] @ query
        scores[[r for r in rows if r < limit]] = -np.inf
        topn = max(0, min(int(topn), limit - sum(r < limit for r in set(rows))))
        best = np.argpartition(-scores, topn - 1)[:topn] if topn else np.array([], dtype=int)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[i], float(scores[i])) for i in best]

    def _unit_term(self, term):
        if isinstance(term, str):
            return self.unit_vectors[self.index(term)]
        vector = np.asarray(term, dtype=np.float32)
        if vector.shape != (self.n_dims,) or not np.isfinite(vector).all():
            raise ValueError(
                f"A query vector must be a finite 1-D array of {self.n_dims} values; got "
                f"shape {vector.shape}"
                + ("" if np.isfinite(vector).all() else " with NaN/inf")
                + "."
            )
        return unit_rows(vector[None])[0]

    # -------------------------------------------------------------- evaluation
    def evaluate_word_pairs(
        self,
        pairs,
        delimiter="\t",
        encoding="utf8",
        restrict_vocab=300000,
        case_insensitive=True,
        dummy4unknown=False,
    ):
        """Correlation of the model's similarities with human judgements.

        The same file format, rules and numbers as gensim's
        ``KeyedVectors.evaluate_word_pairs``, computed in one batched product.

        Parameters
        ----------
        pairs : str or path-like
            File of ``word1<delimiter>word2<delimiter>score`` lines; ``#`` starts a comment.
        delimiter : str, default="\\t"
            Field separator.
        encoding : str, default="utf8"
            File encoding.
        restrict_vocab : int, default=300000
            Use only the first ``restrict_vocab`` words.
        case_insensitive : bool, default=True
            Compare words upper-cased.
        dummy4unknown : bool, default=False
            Score pairs with unknown words as 0 instead of skipping them.

        Returns
        -------
        pearson : scipy.stats PearsonRResult
            Pearson correlation and its p-value.
        spearman : scipy.stats SignificanceResult
            Spearman correlation and its p-value.
        oov_ratio : float
            Percentage of pairs with an unknown word.
        """
        return evaluate_word_pairs(
            self,
            pairs,
            delimiter=delimiter,
            encoding=encoding,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown,
        )

    def evaluate_word_analogies(
        self, analogies, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False
    ):
        """Accuracy on ``a : b :: c : d`` questions with 3CosAdd, as gensim computes it.

        gensim asks ``most_similar`` one question at a time; here all questions are scored in
        blocked matrix products with a top-k per block, which gives the same answers (the same
        rule: the best of the top 5 words that is not a query word) many times faster.

        Parameters
        ----------
        analogies : str or path-like
            File in the ``questions-words.txt`` format (``: section`` headers).
        restrict_vocab : int, default=300000
            Search and accept only the first ``restrict_vocab`` words.
        case_insensitive : bool, default=True
            Compare words upper-cased.
        dummy4unknown : bool, default=False
            Count questions with unknown words as incorrect instead of skipping them.

        Returns
        -------
        score : float
            Overall accuracy.
        sections : list of dict
            Per section ``{"section", "correct", "incorrect"}`` with the question tuples, and a
            final ``"Total accuracy"`` entry, as gensim returns.
        """
        return evaluate_word_analogies(
            self,
            analogies,
            restrict_vocab=restrict_vocab,
            case_insensitive=case_insensitive,
            dummy4unknown=dummy4unknown,
        )


def _query_terms(terms):
    """``most_similar``'s positive/negative argument as a list of words and 1-D vectors."""
    if terms is None:
        return []
    if isinstance(terms, str) or (isinstance(terms, np.ndarray) and terms.ndim == 1):
        return [terms]
    return list(terms)
