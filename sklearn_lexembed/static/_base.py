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
from .._core.reduction import N_COMPONENTS_CONSTRAINT, StreamingPCA, project
from .._core.rows import unit_rows
from .._core.text import ANALYZER_CONSTRAINTS, build_analyzer
from .._core.validation import check_documents
from ._oov import (
    OOV_POLICIES,
    ZeroRows,
    blank,
    composed_vectors,
    no_ngram_error,
    no_token_error,
    resolve_tokens,
)
from ._pooling import (
    POOLING_METHODS,
    gather_rows,
    pool,
    remove_component,
    sif_weights,
    zipf_probabilities,
)
from ._store import _query_terms

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
        "n_components": N_COMPONENTS_CONSTRAINT,
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
        self._warm_up(fitted.store)
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
        state.update(self._fit_components(documents, state))
        state.update(fitted.attributes)
        vars(self).update(state)
        n_components = self._n_components()
        self._n_features_out = fitted.store.n_dims if n_components is None else n_components
        return self

    def _n_components(self):
        # A subclass written before n_components existed does not declare it: no projection.
        return getattr(self, "n_components", None)

    def _fit_components(self, documents, state):
        """``n_components``: the PCA of the training documents' pooled vectors.

        One more streaming pass, pooled exactly as ``transform`` pools (SIF's direction
        removed), so the components are those of the output they project.
        """
        fitted = {"pca_mean_": None, "pca_components_": None, "explained_variance_ratio_": None}
        n_components = self._n_components()
        if n_components is None:
            return fitted
        pca = StreamingPCA(state["word_vectors_"].n_dims)
        zero_rows = ZeroRows()
        for pooled in self._embed_blocks(documents, state, zero_rows):
            if self.pooling == "sif":
                pooled = remove_component(pooled, state["sif_component_"])
            pca.add(pooled)
        if self.pooling != "sif":  # the SIF pass has warned already
            # Quote the caller: here <- fit <- fit_context's wrapper <- the caller.
            zero_rows.warn(stacklevel=4)
        mean, components, ratio = pca.components(n_components)
        fitted.update(pca_mean_=mean, pca_components_=components, explained_variance_ratio_=ratio)
        return fitted

    def _sif_component(self, documents, state):
        """First right singular vector of the pooled training documents (uncentred).

        Accumulates the ``n_dims x n_dims`` Gram matrix block by block, so the corpus streams
        and memory does not grow with it; its top eigenvector is the singular vector that
        Arora et al. remove.
        """
        scatter = StreamingPCA(state["word_vectors_"].n_dims)
        zero_rows = ZeroRows()
        for pooled in self._embed_blocks(documents, state, zero_rows):
            scatter.add(pooled[np.any(pooled != 0, axis=1)])
        # Quote the caller: here <- fit <- fit_context's wrapper <- the caller.
        zero_rows.warn(stacklevel=4)
        return scatter.top_uncentred_direction()

    def _warm_up(self, store):
        """Build what the first query would otherwise pay for, once per store and process.

        With ``oov="subword"`` that is the n-gram table learned from the vocabulary (about
        half a second for 400k words), kept on the store: clones in a grid search, which share
        the process-cached store, share one build. Called by ``fit`` and on unpickling, so a
        service's first request costs what later ones do.

        Parameters
        ----------
        store : WordVectors
            The fitted store.
        """
        if getattr(self, "oov", None) == "subword":
            composed_vectors(store, self.min_n, self.max_n)

    def __setstate__(self, state):
        super().__setstate__(state)
        store = self.__dict__.get("word_vectors_")
        if store is not None:
            self._warm_up(store)

    # ------------------------------------------------------------- transform
    def _token_rows(self, documents, first_index, state):
        """Tokenise a block of documents and map each token to a table row."""
        analyzer = build_analyzer(self)
        store = state["word_vectors_"]
        token_lists = [analyzer(doc) for doc in documents]
        lengths = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        tokens = list(chain.from_iterable(token_lists))
        ends = np.cumsum(lengths)

        def document_of(position):
            return first_index + int(np.searchsorted(ends, position, side="right"))

        if self.oov == "error":
            no_token = next(
                (i for i in np.flatnonzero(lengths == 0).tolist() if not blank(documents[i])),
                None,
            )
            if no_token is not None:
                # An unknown word in an earlier document is the first error to report.
                before = int(ends[no_token])
                resolve_tokens(store, tokens[:before], "error", 1, 1, document_of)
                raise no_token_error(first_index + no_token, documents[no_token])
        rows, tables, keep = resolve_tokens(
            store, tokens, self.oov, self.min_n, self.max_n, document_of=document_of
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

    def _embed_blocks(self, documents, state, zero_rows):
        """Pooled rows of ``documents`` (any iterable), a block of documents at a time.

        Non-blank documents that get a zero row are counted in ``zero_rows``.
        """
        block, first = [], 0
        for doc in documents:
            block.append(doc)
            if len(block) == _DOCS_PER_BLOCK:
                yield self._pool_block(block, first, state, zero_rows)
                first += len(block)
                block = []
        if block:
            yield self._pool_block(block, first, state, zero_rows)

    def _pool_block(self, documents, first_index, state, zero_rows):
        indptr, rows, tables, weights = self._token_rows(documents, first_index, state)
        pooled = pool(indptr, rows, tables, self.pooling, weights)
        zero_rows.add(pooled, documents, first_index)
        return pooled

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
            One row per document, in input order; ``n_components`` columns when that is set.
            A document with no usable token is a zero row (before the PCA projection, which
            maps it to minus the projected training mean).

        Raises
        ------
        KeyError
            With ``oov="error"``, naming the first unknown word and its document.
        ValueError
            With ``oov="error"``, naming the first non-blank document in which the analyzer
            finds no token (text in a script the token pattern does not match, such as
            emoji), when no unknown word comes before it.

        Warns
        -----
        UserWarning
            Once per call, when non-blank documents get a zero row because none of their
            tokens has a vector (with the default token pattern and GloVe: emoji-only
            text, or words of a script the vectors do not cover): how many, and the index of
            the first. Empty and whitespace-only documents are zero rows without a warning.
            ``fit`` warns the same way for the training documents it embeds
            (``pooling="sif"``).
        """
        state = self._fitted_state()
        documents = check_documents(X)
        out = np.empty((len(documents), state["word_vectors_"].n_dims), dtype=np.float32)
        start = 0
        zero_rows = ZeroRows()
        for pooled in self._embed_blocks(documents, state, zero_rows):
            out[start : start + len(pooled)] = pooled
            start += len(pooled)
        # Quote the caller: here <- set_output's wrapper <- the caller.
        zero_rows.warn(stacklevel=3)
        if self.pooling == "sif":
            out = remove_component(out, state["sif_component_"])
        if state.get("pca_components_") is not None:
            out = project(out, state["pca_mean_"], state["pca_components_"])
        if self.normalize:
            out = unit_rows(out)
        return out

    # ------------------------------------------------------ word-level queries
    def most_similar(self, positive=None, negative=None, topn=10, restrict_vocab=None):
        """Find the words closest to ``positive`` minus ``negative`` (3CosAdd, as gensim).

        With ``oov="subword"`` a query word need not be in the vocabulary: an unseen word
        stands for the vector :meth:`word_vectors` composes from its character n-grams, as in
        gensim's ``FastText``. With the other policies an unknown word raises a ``KeyError``
        naming it.

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

        Raises
        ------
        KeyError
            Naming an unknown query word (with ``oov="subword"``: one none of whose n-grams
            is known, so that it has no vector).
        """
        store = self._fitted_state()["word_vectors_"]
        if self.oov == "subword":
            positive = self._composed_terms(store, positive)
            negative = self._composed_terms(store, negative)
        return store.most_similar(positive, negative, topn, restrict_vocab)

    def _composed_terms(self, store, terms):
        """Query terms with each unseen word replaced by its composed vector."""
        terms = _query_terms(terms)
        unseen = list(dict.fromkeys(t for t in terms if isinstance(t, str) and t not in store))
        if not unseen:
            return terms
        vectors = dict(zip(unseen, self.word_vectors(unseen)))
        for word in unseen:
            if not vectors[word].any():
                raise no_ngram_error(word)
        return [vectors.get(t, t) if isinstance(t, str) else t for t in terms]

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
