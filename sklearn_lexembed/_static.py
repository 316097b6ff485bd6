"""The shared fit/transform of static-vector estimators.

analyzer -> word vector store -> out-of-vocabulary policy -> pooling. GloVe and skip-gram differ
only in where their store comes from (``_fit_word_vectors``); everything after is written here.
"""

from __future__ import annotations

import threading
from collections import Counter
from itertools import chain, repeat
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._pooling import POOLING_METHODS, pool, remove_component, sif_weights, zipf_probabilities
from ._subword import SubwordTable
from ._text import ANALYZER_CONSTRAINTS, build_analyzer
from ._validation import check_documents

__all__ = ["OOV_POLICIES", "StaticVectorizerBase"]

OOV_POLICIES = ("subword", "zero", "ignore", "error")
# Documents embedded per block: bounds the token buffers whatever the corpus size, so the
# output array dominates peak memory.
_DOCS_PER_BLOCK = 8192


class _ComposedVectors:
    """Vectors composed for unseen words, computed once per word and shared between threads."""

    def __init__(self, table, n_dims):
        self._table = table
        self._rows = {}
        self._blocks = [np.zeros((0, n_dims), dtype=np.float32)]
        self._matrix = self._blocks[0]
        self._lock = threading.Lock()

    def lookup(self, words):
        """Rows of ``words`` in :meth:`matrix`, composing the ones not seen before."""
        with self._lock:
            new = [w for w in dict.fromkeys(words) if w not in self._rows]
            if new:
                composed, _ = self._table.compose(new)
                first = len(self._rows)
                self._rows.update(zip(new, range(first, first + len(new))))
                self._blocks.append(composed)
                self._matrix = np.concatenate(self._blocks)
                self._blocks = [self._matrix]
            rows = np.fromiter(map(self._rows.__getitem__, words), np.int64, len(words))
            return rows, self._matrix


class StaticVectorizerBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base of the estimators that embed documents by pooling static word vectors.

    Subclasses implement ``_fit_word_vectors(X, y)`` returning a
    :class:`~sklearn_lexembed._store.WordVectors`, and declare their own ``__init__``.
    """

    _parameter_constraints: dict = {
        **ANALYZER_CONSTRAINTS,
        "oov": [StrOptions(set(OOV_POLICIES))],
        "min_n": [Interval(Integral, 1, None, closed="left")],
        "max_n": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions(set(POOLING_METHODS))],
        "sif_alpha": [Interval(Real, 0, None, closed="neither")],
        "normalize": ["boolean"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # ------------------------------------------------------------ subclass API
    def _fit_word_vectors(self, X, y=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def _build_analyzer(self):
        """The tokenizer from the analyzer parameters (CountVectorizer's machinery)."""
        return build_analyzer(self)

    def _check_ngram_range(self):
        if self.min_n > self.max_n:
            raise ValueError(
                f"min_n must be <= max_n; got min_n={self.min_n} and max_n={self.max_n}."
            )

    # ---------------------------------------------------------------- fitting
    def _fit_pooling(self, X):
        """Learn what the pooling needs from the training documents (idf, SIF direction)."""
        self.idf_ = None
        self.sif_component_ = None
        self.sif_weights_ = None
        store = self.word_vectors_
        if self.pooling == "sif":
            counts = store.counts
            if counts is not None and counts.sum() > 0:
                probabilities = counts / counts.sum()
            else:
                probabilities = zipf_probabilities(len(store))
            self.sif_weights_ = sif_weights(probabilities, self.sif_alpha)
        if self.pooling not in {"sif", "tfidf"}:
            return
        documents = check_documents(X)
        if self.pooling == "tfidf":
            analyzer = self._build_analyzer()
            document_frequency = Counter(
                chain.from_iterable(set(analyzer(doc)) for doc in documents)
            )
            n_docs = len(documents)
            # scikit-learn's smoothed idf: as if one extra document held every word once.
            self.idf_ = {
                word: float(np.log((1 + n_docs) / (1 + df)) + 1)
                for word, df in document_frequency.items()
            }
            self._idf_unseen = float(np.log(1 + n_docs) + 1)
        else:
            pooled = self._embed(documents)
            pooled = pooled[np.any(pooled != 0, axis=1)]
            if len(pooled) >= 2:
                # First right singular vector, uncentred, as Arora et al. remove it.
                _, _, vt = np.linalg.svd(pooled.astype(np.float64), full_matrices=False)
                self.sif_component_ = vt[0].astype(np.float32)

    def _finish_fit(self, X, store):
        """Store the fitted word vectors and the pooling statistics; called by ``fit``."""
        self.word_vectors_ = store
        self._n_features_out = store.n_dims
        self._fit_pooling(X)
        return self

    # ------------------------------------------------------------- transform
    def __getstate__(self):
        # A copy: on Python >= 3.11 BaseEstimator.__getstate__ returns the live __dict__.
        state = dict(super().__getstate__())
        # Composed OOV vectors are a cache: rebuilt on demand, never persisted.
        state.pop("_composed", None)
        return state

    def _composed_vectors(self):
        composed = self.__dict__.get("_composed")
        if composed is None:
            store = self.word_vectors_
            table = store.subwords
            if table is None:
                table = store.derived(
                    ("subword-table", self.min_n, self.max_n),
                    lambda: SubwordTable.from_word_vectors(
                        store.words, store.vectors, self.min_n, self.max_n
                    ),
                )
            composed = self.__dict__.setdefault("_composed", _ComposedVectors(table, store.n_dims))
        return composed

    def _token_rows(self, documents, first_index):
        """Tokenise a block of documents and map each token to a table row."""
        analyzer = self._build_analyzer()
        store = self.word_vectors_
        token_lists = [analyzer(doc) for doc in documents]
        lengths = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        tokens = list(chain.from_iterable(token_lists))
        rows = np.fromiter(
            map(store.key_to_index.get, tokens, repeat(-1)), np.int64, len(tokens)
        )
        tables = [store.vectors]
        unknown = np.flatnonzero(rows < 0)
        keep = None
        if len(unknown):
            unknown_tokens = [tokens[i] for i in unknown]
            if self.oov == "error":
                owner = np.searchsorted(np.cumsum(lengths), unknown[0], side="right")
                raise KeyError(
                    f"Word {unknown_tokens[0]!r} in document at index {first_index + owner} "
                    "is not in the vocabulary (oov='error'). Use oov='subword', 'zero' or "
                    "'ignore' to embed documents with unknown words."
                )
            if self.oov == "ignore":
                keep = rows >= 0
            elif self.oov == "subword":
                composed_rows, matrix = self._composed_vectors().lookup(unknown_tokens)
                rows[unknown] = len(store) + composed_rows
                tables.append(matrix)
        weights = self._token_weights(tokens, rows, len(store))
        if keep is not None:
            owner = np.repeat(np.arange(len(lengths)), lengths)
            lengths = np.bincount(owner[keep], minlength=len(lengths))
            rows = rows[keep]
            weights = None if weights is None else weights[keep]
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return indptr, rows, tables, weights

    def _token_weights(self, tokens, rows, n_known):
        if self.pooling == "tfidf":
            get = self.idf_.get
            return np.fromiter(map(get, tokens, repeat(self._idf_unseen)), np.float32, len(tokens))
        if self.pooling == "sif":
            known = (rows >= 0) & (rows < n_known)
            weights = np.ones(len(rows), dtype=np.float32)
            weights[known] = self.sif_weights_[rows[known]]
            return weights
        return None

    def _embed(self, documents):
        out = np.empty((len(documents), self.word_vectors_.n_dims), dtype=np.float32)
        for start in range(0, len(documents), _DOCS_PER_BLOCK):
            block = documents[start : start + _DOCS_PER_BLOCK]
            indptr, rows, tables, weights = self._token_rows(block, start)
            out[start : start + len(block)] = pool(indptr, rows, tables, self.pooling, weights)
        return out

    def transform(self, X):
        """Embed documents as pooled word vectors.

        Parameters
        ----------
        X : iterable of str
            Documents (list, 1-D array, pandas Series).

        Returns
        -------
        embeddings : ndarray of shape (n_documents, n_dims), dtype float32
            One row per document, in input order. A document with no usable token is a
            zero row.
        """
        check_is_fitted(self, "word_vectors_")
        documents = check_documents(X)
        out = self._embed(documents)
        if self.pooling == "sif":
            out = remove_component(out, self.sif_component_)
        if self.normalize:
            l2_normalize(out, copy=False)
        return out

    # ------------------------------------------------------ word-level queries
    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Words closest to ``positive`` minus ``negative``; see :meth:`WordVectors.most_similar`."""
        check_is_fitted(self, "word_vectors_")
        return self.word_vectors_.most_similar(positive, negative, topn, restrict_vocab)

    def similarity(self, word1, word2):
        """Cosine similarity of two known words."""
        check_is_fitted(self, "word_vectors_")
        return self.word_vectors_.similarity(word1, word2)

    def evaluate_word_pairs(self, pairs, **kwargs):
        """Spearman/Pearson against human similarity judgements.

        See :meth:`WordVectors.evaluate_word_pairs` (gensim's rules and numbers).
        """
        check_is_fitted(self, "word_vectors_")
        return self.word_vectors_.evaluate_word_pairs(pairs, **kwargs)

    def evaluate_word_analogies(self, analogies, **kwargs):
        """Analogy accuracy with 3CosAdd; see :meth:`WordVectors.evaluate_word_analogies`."""
        check_is_fitted(self, "word_vectors_")
        return self.word_vectors_.evaluate_word_analogies(analogies, **kwargs)

    def word_vectors(self, words):
        """Vectors of words; unseen words follow the ``oov`` policy (``"ignore"`` gives zeros).

        Parameters
        ----------
        words : str or list of str

        Returns
        -------
        vectors : ndarray of shape (n_dims,) or (n_words, n_dims), dtype float32
        """
        check_is_fitted(self, "word_vectors_")
        single = isinstance(words, str)
        words = [words] if single else list(words)
        store = self.word_vectors_
        out = np.zeros((len(words), store.n_dims), dtype=np.float32)
        rows = np.array([store.key_to_index.get(w, -1) for w in words], dtype=np.int64)
        known = rows >= 0
        out[known] = store.vectors[rows[known]]
        unknown = [w for w, k in zip(words, known) if not k]
        if unknown and self.oov == "error":
            raise KeyError(f"Word {unknown[0]!r} is not in the vocabulary (oov='error').")
        if unknown and self.oov == "subword":
            composed_rows, matrix = self._composed_vectors().lookup(unknown)
            out[~known] = matrix[composed_rows]
        return out[0] if single else out
