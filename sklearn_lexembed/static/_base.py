"""The static base estimator: it owns ``fit`` and ``transform``; subclasses fill one hook.

analyzer -> word-vector store -> out-of-vocabulary policy -> pooling. A static vectorizer
differs from another only in where its store comes from: its ``_fit_word_vectors`` hook returns
a :class:`FittedWords`; everything after (pooling statistics, OOV handling, word-level queries)
is written here once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._core.compat import Interval, StrOptions, fit_context
from .._core.rows import unit_rows
from .._core.text import ANALYZER_CONSTRAINTS, build_analyzer
from .._core.validation import check_documents
from ._oov import OOV_POLICIES, resolve_tokens
from ._pooling import (
    POOLING_METHODS,
    gather_rows,
    pool,
    remove_component,
    sif_weights,
    zipf_probabilities,
)

__all__ = ["FittedWords", "StaticVectorizerBase"]

# Documents embedded per block: bounds the token buffers whatever the corpus size, so the
# output array dominates peak memory.
_DOCS_PER_BLOCK = 8192


@dataclass
class FittedWords:
    """What a static vectorizer's ``_fit_word_vectors`` hook returns.

    Parameters
    ----------
    store : WordVectors
        The word vectors.
    attributes : dict, default={}
        Further fitted attributes of the estimator (``loss_curve_``...), set with the rest of
        the fitted state once the whole fit has succeeded.
    document_frequency : Counter or None, default=None
        Documents containing each token, when the hook counted them during its own pass over
        the corpus (saves ``pooling="tfidf"`` a pass).
    n_documents : int or None, default=None
        Documents in the corpus, with ``document_frequency``.
    """

    store: object
    attributes: dict = field(default_factory=dict)
    document_frequency: Counter | None = None
    n_documents: int | None = None


def document_frequencies(documents, analyzer):
    """Documents containing each token, and the number of documents, in one streaming pass.

    Parameters
    ----------
    documents : iterable of str
    analyzer : callable

    Returns
    -------
    document_frequency : Counter
    n_documents : int
    """
    frequency, n_documents = Counter(), 0
    for doc in documents:
        frequency.update(set(analyzer(doc)))
        n_documents += 1
    return frequency, n_documents


class StaticVectorizerBase(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Base of the estimators that embed documents by pooling static word vectors.

    A subclass declares its ``__init__`` and ``_parameter_constraints`` and implements
    ``_fit_word_vectors(X, y) -> FittedWords``; it may override ``_fit_documents(X)`` (how the
    training documents are checked: as a list by default, streamed by
    :class:`SkipGramVectorizer`). ``fit`` builds the whole fitted state aside and assigns it
    at the end, so a failed fit leaves the estimator as it was.
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
        """Return the :class:`FittedWords` of the training documents ``X``."""
        raise NotImplementedError

    def _fit_documents(self, X):
        """The training documents as ``fit`` passes them on: validated, as a list."""
        return check_documents(X)

    # ---------------------------------------------------------------- fitting
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the word vectors and the pooling statistics (idf or SIF) from ``X``.

        Parameters
        ----------
        X : iterable of str
            Training documents.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted vectorizer.
        """
        if self.min_n > self.max_n:
            raise ValueError(
                f"min_n must be <= max_n; got min_n={self.min_n} and max_n={self.max_n}."
            )
        documents = self._fit_documents(X)
        fitted = self._fit_word_vectors(documents, y)
        state = {
            "word_vectors_": fitted.store,
            "idf_": None,
            "_idf_unseen": None,
            "sif_weights_": None,
            "sif_component_": None,
        }
        if self.pooling == "tfidf":
            frequency, n_documents = fitted.document_frequency, fitted.n_documents
            if frequency is None:
                frequency, n_documents = document_frequencies(documents, build_analyzer(self))
            # scikit-learn's smoothed idf: as if one extra document held every word once.
            state["idf_"] = {
                word: float(np.log((1 + n_documents) / (1 + df)) + 1)
                for word, df in frequency.items()
            }
            state["_idf_unseen"] = float(np.log(1 + n_documents) + 1)
        elif self.pooling == "sif":
            counts = fitted.store.counts
            if counts is not None and counts.sum() > 0:
                probabilities = counts / counts.sum()
            else:
                probabilities = zipf_probabilities(len(fitted.store))
            state["sif_weights_"] = sif_weights(probabilities, self.sif_alpha)
            state["sif_component_"] = self._sif_component(documents, state)
        state.update(fitted.attributes)
        vars(self).update(state)
        self._n_features_out = fitted.store.n_dims
        return self

    def _sif_component(self, documents, state):
        """First right singular vector of the pooled training documents (uncentred).

        Accumulates the ``n_dims x n_dims`` Gram matrix block by block, so the corpus streams
        and memory does not grow with it; its top eigenvector is the singular vector that
        Arora et al. remove.
        """
        n_dims = state["word_vectors_"].n_dims
        gram = np.zeros((n_dims, n_dims), dtype=np.float64)
        n_rows = 0
        for pooled in self._embed_blocks(documents, state):
            pooled = pooled[np.any(pooled != 0, axis=1)].astype(np.float64)
            gram += pooled.T @ pooled
            n_rows += len(pooled)
        if n_rows < 2:
            return None
        component = np.linalg.eigh(gram)[1][:, -1]
        # An eigenvector's sign is arbitrary: fix it so refits agree.
        component *= np.sign(component[np.argmax(np.abs(component))])
        return component.astype(np.float32)

    # ------------------------------------------------------------- transform
    def _token_rows(self, documents, first_index, state):
        """Tokenise a block of documents and map each token to a table row."""
        analyzer = build_analyzer(self)
        store = state["word_vectors_"]
        token_lists = [analyzer(doc) for doc in documents]
        lengths = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        tokens = list(chain.from_iterable(token_lists))
        ends = np.cumsum(lengths)
        rows, tables, keep = resolve_tokens(
            store,
            tokens,
            self.oov,
            self.min_n,
            self.max_n,
            document_of=lambda position: (
                first_index + int(np.searchsorted(ends, position, side="right"))
            ),
        )
        weights = self._token_weights(tokens, rows, len(store), state)
        if keep is not None:
            owner = np.repeat(np.arange(len(lengths)), lengths)
            lengths = np.bincount(owner[keep], minlength=len(lengths))
            rows = rows[keep]
            weights = None if weights is None else weights[keep]
        indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        return indptr, rows, tables, weights

    def _token_weights(self, tokens, rows, n_known, state):
        if self.pooling == "tfidf":
            get, unseen = state["idf_"].get, state["_idf_unseen"]
            return np.fromiter((get(t, unseen) for t in tokens), np.float32, len(tokens))
        if self.pooling == "sif":
            known = (rows >= 0) & (rows < n_known)
            weights = np.ones(len(rows), dtype=np.float32)
            weights[known] = state["sif_weights_"][rows[known]]
            return weights
        return None

    def _embed_blocks(self, documents, state):
        """Pooled rows of ``documents`` (any iterable), a block of documents at a time."""
        block, first = [], 0
        for doc in documents:
            block.append(doc)
            if len(block) == _DOCS_PER_BLOCK:
                yield self._pool_block(block, first, state)
                first += len(block)
                block = []
        if block:
            yield self._pool_block(block, first, state)

    def _pool_block(self, documents, first_index, state):
        indptr, rows, tables, weights = self._token_rows(documents, first_index, state)
        return pool(indptr, rows, tables, self.pooling, weights)

    def _fitted_state(self):
        check_is_fitted(self, "word_vectors_")
        return vars(self)

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
        state = self._fitted_state()
        documents = check_documents(X)
        out = np.empty((len(documents), state["word_vectors_"].n_dims), dtype=np.float32)
        start = 0
        for pooled in self._embed_blocks(documents, state):
            out[start : start + len(pooled)] = pooled
            start += len(pooled)
        if self.pooling == "sif":
            out = remove_component(out, state["sif_component_"])
        if self.normalize:
            out = unit_rows(out)
        return out

    # ------------------------------------------------------ word-level queries
    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Find the words closest to ``positive`` minus ``negative`` (3CosAdd, as gensim).

        Parameters
        ----------
        positive : str, ndarray or list of str and ndarray, default=None
            Words or vectors that contribute positively.
        negative : str, ndarray or list of str and ndarray, default=None
            Words or vectors that contribute negatively.
        topn : int, default=10
            Number of words to return.
        restrict_vocab : int, default=None
            Search only the first ``restrict_vocab`` rows.

        Returns
        -------
        neighbours : list of (str, float)
            Words with their cosine similarity, most similar first; see
            :meth:`WordVectors.most_similar`.
        """
        return self._fitted_state()["word_vectors_"].most_similar(
            positive, negative, topn, restrict_vocab
        )

    def similarity(self, word1, word2):
        """Cosine similarity of two known words.

        Parameters
        ----------
        word1, word2 : str
            Words of the vocabulary.

        Returns
        -------
        similarity : float
            Their cosine similarity.
        """
        return self._fitted_state()["word_vectors_"].similarity(word1, word2)

    def evaluate_word_pairs(self, pairs, **kwargs):
        """Spearman/Pearson against human similarity judgements, as gensim computes them.

        Parameters
        ----------
        pairs : str or path-like
            A word-pair file (WordSim-353's format).
        **kwargs : dict
            Passed to :meth:`WordVectors.evaluate_word_pairs`.

        Returns
        -------
        pearson, spearman, oov_ratio : tuple
            See :meth:`WordVectors.evaluate_word_pairs`.
        """
        return self._fitted_state()["word_vectors_"].evaluate_word_pairs(pairs, **kwargs)

    def evaluate_word_analogies(self, analogies, **kwargs):
        """Analogy accuracy with 3CosAdd, as gensim computes it.

        Parameters
        ----------
        analogies : str or path-like
            A file in the ``questions-words.txt`` format.
        **kwargs : dict
            Passed to :meth:`WordVectors.evaluate_word_analogies`.

        Returns
        -------
        score, sections : tuple
            See :meth:`WordVectors.evaluate_word_analogies`.
        """
        return self._fitted_state()["word_vectors_"].evaluate_word_analogies(analogies, **kwargs)

    def word_vectors(self, words):
        """Look up the vectors of words; unseen words follow the ``oov`` policy.

        Parameters
        ----------
        words : str or list of str
            One word or several.

        Returns
        -------
        vectors : ndarray of shape (n_dims,) or (n_words, n_dims), dtype float32
            One row per word (one vector for a single ``str``). An unseen word gets a vector
            composed from its n-grams with ``oov="subword"`` (zero when none is known), a zero
            vector with ``"zero"`` or ``"ignore"``.

        Raises
        ------
        KeyError
            With ``oov="error"``, naming the first unseen word.
        """
        store = self._fitted_state()["word_vectors_"]
        single = isinstance(words, str)
        words = [words] if single else list(words)
        # "ignore" keeps the rows of unknown words at -1, which gather as zeros.
        rows, tables, _ = resolve_tokens(store, words, self.oov, self.min_n, self.max_n)
        out = gather_rows(rows, tables, store.n_dims)
        return out[0] if single else out
