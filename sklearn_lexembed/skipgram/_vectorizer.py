"""SkipGramVectorizer: word vectors trained on your corpus (word2vec / fastText skip-gram)."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._core.compat import Interval, StrOptions
from .._core.text import DEFAULT_TOKEN_PATTERN, build_analyzer
from .._core.threads import N_JOBS_CONSTRAINT, effective_threads
from .._core.validation import reiterable_documents
from ..static._base import FittedWords, StaticVectorizerBase

__all__ = ["SkipGramVectorizer"]


class SkipGramVectorizer(StaticVectorizerBase):
    """Train skip-gram word vectors on a corpus and embed documents by pooling them.

    The algorithm and the hyperparameters are gensim 4's ``Word2Vec(sg=1)`` (and, with
    ``subwords=True``, ``FastText(sg=1)``): negative sampling from the unigram distribution
    raised to ``ns_exponent``, frequent-word subsampling, a window drawn per centre word,
    separate input and output matrices, and a learning rate decaying linearly over all epochs.
    Training streams the corpus chunk by chunk through a compiled kernel on ``n_jobs`` threads.

    Parameters
    ----------
    vector_size : int, default=100
        Dimension of the word vectors.
    window : int, default=5
        Largest distance between a centre word and a context word.
    negative : int, default=5
        Noise words drawn per (centre, context) pair. At least 1: without negatives the
        objective is maximised by making every vector the same.
    min_count : int, default=5
        Words seen fewer times are dropped from the vocabulary (and from the text, before
        windows are drawn).
    max_vocab_size : int, default=None
        Bound on distinct words held while counting: beyond it the rarest are pruned, as
        gensim and word2vec.c do (``None``: no bound).
    sample : float, default=1e-3
        Subsampling threshold: words more frequent than this share of the corpus are randomly
        skipped (gensim's formula); ``0`` disables it.
    epochs : int, default=5
        Passes over the corpus. The text is tokenised once: the pass that counts the words
        also keeps the corpus as token ids (see ``corpus_cache_size``), which every epoch
        reads. With ``max_vocab_size``, whose pruning forgets words, every epoch reads and
        tokenises the text again, so the corpus must be re-iterable: a list, an array, or an
        object whose ``__iter__`` starts over. ``pooling="sif"`` reads it once more.
    learning_rate : float, default=0.025
        Initial learning rate (gensim's ``alpha``).
    min_learning_rate : float, default=1e-4
        Learning rate at the end of training (gensim's ``min_alpha``).
    ns_exponent : float, default=0.75
        Exponent of the noise distribution ``count ** ns_exponent``.
    shrink_windows : bool, default=True
        Draw each centre word's window uniformly in ``[1, window]`` (word2vec's weighting of near
        words); ``False`` always uses ``window``.
    batch_size : int, default=10000
        Tokens per training chunk handed to a thread (gensim's ``batch_words``).
    corpus_cache_size : float, default=512
        Megabytes of memory for the corpus's token ids (4 bytes a token, plus 8 a document)
        between the counting pass and the epochs; a larger corpus's ids go to an anonymous
        temporary file in the system's temporary folder, read memory-mapped and gone when
        ``fit`` ends, however it ends.
    subwords : bool, default=True
        Train as fastText does: a word's input vector is the mean of its own vector and the
        vectors of its hashed character n-grams, so unseen words get vectors from their
        n-grams.
    min_n : int, default=3
        Shortest character n-gram (in UTF-8 bytes, with the ``<`` ``>`` boundary markers).
    max_n : int, default=6
        Longest character n-gram.
    bucket : int, default=2_000_000
        Hash buckets of the n-grams (fastText's and gensim's default). Only the buckets that the
        vocabulary's n-grams use are allocated, so a large value costs no memory.
    oov : {"subword", "zero", "ignore", "error"}, default="subword"
        What to do with a word that has no vector: ``"subword"`` composes one from the trained
        n-gram vectors (with ``subwords=False``, from n-grams learned over the vocabulary);
        ``"zero"``, ``"ignore"`` and ``"error"`` as in :class:`GloveVectorizer`.
    pooling : {"mean", "max", "sif", "tfidf"}, default="mean"
        How token vectors become a document vector (see :class:`GloveVectorizer`).
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
    init_vectors : str, path-like, WordVectors, gensim KeyedVectors or (words, matrix), \
            default=None
        Pretrained vectors to start from (anything :class:`GloveVectorizer` accepts). The
        vocabulary is then the pretrained words that occur in the corpus plus the corpus words
        that reach ``min_count``; known words start from their pretrained vectors, new words
        from the pretrained vectors' n-gram composition (small random vectors when no n-gram
        is known). With ``subwords=True``, where a word's vector is the mean of its own row and
        its n-gram rows, the n-gram rows start from the pretrained vectors' n-grams and each
        word row is set so that the mean is exactly that starting vector (chosen by
        measurement; see Notes). Needs ``vector_size`` equal to their dimension.
    init_strategy : {"freeze", "anchor", "free"}, default=None
        With ``init_vectors``: ``"freeze"`` never changes the pretrained rows (only new words
        and the output vectors train); ``"anchor"`` trains them under an L2 pull toward their
        pretrained values; ``"free"`` fine-tunes them without constraint. ``None`` means
        ``"anchor"`` when ``init_vectors`` is given. With ``subwords=True`` these rows are the
        words' own rows: the n-gram rows, shared between words, always train, so the known
        words' vectors move under every strategy (see Notes and ``drift_``).
    anchor_strength : float, default=1.0
        Strength of the ``"anchor"`` pull: each time a known word is trained its row also takes
        the step ``-learning_rate * anchor_strength * (row - pretrained row)``.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"}, default="auto"
        Where to train. ``"auto"`` picks CUDA, then MPS, then the CPU (the CPU kernel is numba;
        the GPU path uses torch).
    n_jobs : int, default=None
        Training threads on the CPU. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context; ``-1`` uses all processors. With more than one
        thread, updates race without locks (Hogwild, as in word2vec and gensim), so results
        vary slightly from run to run.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial vectors and every random draw of training: with ``n_jobs=1`` on the
        CPU the same seed gives bit-identical vectors.
    verbose : bool, default=False
        Show a progress bar per epoch with words per second and the running loss.
    lowercase : bool, default=True
        Lowercase before tokenising.
    strip_accents : {"ascii", "unicode"} or callable, default=None
        As in :class:`~sklearn.feature_extraction.text.CountVectorizer`.
    token_pattern : str, default=r"(?u)\\b\\w+\\b"
        Regular expression for tokens (keeps one-character words).
    tokenizer : callable, default=None
        Overrides the tokenising step (as in CountVectorizer).
    preprocessor : callable, default=None
        Overrides the preprocessing step (as in CountVectorizer).

    Attributes
    ----------
    word_vectors_ : WordVectors
        The trained word vectors (most frequent word first), with the n-gram table when
        ``subwords=True``; ``most_similar``, ``evaluate_word_pairs`` and friends query it.
    vocabulary_ : dict of str to int
        Row of each vocabulary word in :attr:`vectors_`.
    vectors_ : ndarray of shape (n_words, vector_size), dtype float32
        The word vectors (with subwords: the mean of each word's vector and its n-gram vectors,
        as gensim's ``FastText`` stores them).
    word_counts_ : ndarray of shape (n_words,), dtype int64
        Corpus count of each vocabulary word.
    drift_ : dict or None
        With ``init_vectors``: how far the known words moved, as ``{"mean_cosine", "n_known",
        "ws353_before", "ws353_after", "simlex_before", "simlex_after"}`` (cosine between each
        adapted and pretrained vector, averaged; Spearman correlations on WordSim-353 and
        SimLex-999, before and after, over the same known words). ``None`` otherwise. Measured
        on first access, not in ``fit``: it reads the two benchmark files.
    loss_curve_ : ndarray of shape (epochs,)
        Mean loss per (centre, context) pair of each epoch: the negative log-likelihood of the
        true context word plus that of rejecting each noise word.
    idf_, sif_weights_, sif_component_ :
        Pooling statistics, as in :class:`GloveVectorizer`.
    pca_mean_ : ndarray of shape (n_dims,) or None
        Mean of the training documents' vectors, with ``n_components``.
    pca_components_ : ndarray of shape (n_components, n_dims) or None
        The principal directions the output is projected on, with ``n_components``.
    explained_variance_ratio_ : ndarray of shape (n_components,) or None
        Share of the training documents' variance along each direction.

    See Also
    --------
    GloveVectorizer : Pools pretrained word vectors instead of training them.

    Notes
    -----
    The kernel is word2vec.c's inner loop (Mikolov et al., 2013, Distributed Representations of
    Words and Phrases and their Compositionality) with fastText's subword input (Bojanowski et
    al., 2017, Enriching Word Vectors with Subword Information), compiled with numba and run by
    threads that share the matrices without locks. Memory is the vocabulary and n-gram matrices
    plus a few chunks of token ids, whatever the corpus size; each matrix is released once the
    fitted store no longer needs it. Measured on GCIDE (5.7M tokens streamed from a file, 47k
    words kept, ``vector_size=100``, one epoch), the peak above the process's resident memory
    before ``fit`` is 270 MB with subwords (mostly the 203k-row n-gram matrix and the table
    copied from it) and 150 MB without (mostly the n-gram table that ``oov="subword"`` learns
    from the vocabulary in ``fit``; about 60 MB with another ``oov``); ``pooling="sif"`` adds
    nothing to the peak and ``"tfidf"`` under 10 MB (the document frequency of every distinct
    token).

    Differences from gensim, each deliberate: the centre word is the input and its window the
    targets (fastText's orientation; gensim's Word2Vec swaps them, the same objective over the
    same pairs), which lets a centre's subword mean be composed once per window; a document
    longer than 10,000 in-vocabulary tokens is cut into pieces instead of truncated; the
    learning rate decays per sentence rather than per 10,000-word job; with subwords, training
    composes the mean over the word and its n-grams (gensim divides by the number of n-grams
    only); a word never seen at fit time is composed from the n-grams that training saw.

    Starting fastText training from pretrained word vectors (``init_vectors`` with
    ``subwords=True``): each word row is ``(1 + n) * start - (sum of its n n-gram rows)``,
    the n-gram rows starting from the pretrained vectors' n-grams, so every word's mean starts
    exactly at its pretrained vector (or composition). Since each row of a mean takes the same
    update, every rule with that property trains the fitted words alike; measured on WordNet's
    glosses (GloVe 50d, ``benchmarks/bench_domain.py``), the rules differed in the words unseen
    at fit time, composed from the trained n-grams: their centred cosine to GloVe was 0.28
    with n-gram rows started from GloVe's n-grams, 0.00 with n-gram rows started at zero, for
    the same supersense accuracy (0.686, against 0.665 for GloVe alone). fastText's
    ``-pretrainedVectors`` sets the word rows alone, which shrinks each mean to ``1 / (1 + n)``
    of the pretrained vector (1/27 for the median word), and lost it: accuracy 0.639. The
    freezing strategies act on the word rows, one of the mean's ``1 + n`` rows, so they
    barely differ: the known words' mean cosine to GloVe ended at 0.865 under ``"freeze"``,
    ``"anchor"`` and ``"free"`` alike (without subwords, ``"anchor"`` kept 0.988). Use
    ``subwords=False`` to keep the pretrained vectors close.

    Examples
    --------
    >>> from sklearn_lexembed import SkipGramVectorizer
    >>> docs = ["the cat sat on the mat", "the dog sat on the log"] * 50
    >>> vectorizer = SkipGramVectorizer(vector_size=16, min_count=1, random_state=0)
    >>> vectorizer.fit_transform(docs).shape
    (100, 16)
    >>> sorted(vectorizer.vocabulary_)[:4]
    ['cat', 'dog', 'log', 'mat']
    >>> vectorizer.word_vectors("cats").shape  # unseen: composed from its n-grams
    (16,)
    """

    _parameter_constraints: dict = {
        **StaticVectorizerBase._parameter_constraints,
        "vector_size": [Interval(Integral, 1, None, closed="left")],
        "window": [Interval(Integral, 1, None, closed="left")],
        "negative": [Interval(Integral, 1, None, closed="left")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "max_vocab_size": [Interval(Integral, 1, None, closed="left"), None],
        "sample": [Interval(Real, 0, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "min_learning_rate": [Interval(Real, 0, None, closed="left")],
        "ns_exponent": [Real],
        "shrink_windows": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "corpus_cache_size": [Interval(Real, 0, None, closed="left")],
        "subwords": ["boolean"],
        "bucket": [Interval(Integral, 1, 2**32, closed="both")],
        "init_vectors": "no_validation",
        "init_strategy": [StrOptions({"freeze", "anchor", "free"}), None],
        "anchor_strength": [Interval(Real, 0, None, closed="left")],
        "device": "no_validation",
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        vector_size=100,
        *,
        window=5,
        negative=5,
        min_count=5,
        max_vocab_size=None,
        sample=1e-3,
        epochs=5,
        learning_rate=0.025,
        min_learning_rate=1e-4,
        ns_exponent=0.75,
        shrink_windows=True,
        batch_size=10000,
        corpus_cache_size=512,
        subwords=True,
        min_n=3,
        max_n=6,
        bucket=2_000_000,
        oov="subword",
        pooling="mean",
        sif_alpha=1e-3,
        normalize=False,
        n_components=None,
        init_vectors=None,
        init_strategy=None,
        anchor_strength=1.0,
        device="auto",
        n_jobs=None,
        random_state=None,
        verbose=False,
        lowercase=True,
        strip_accents=None,
        token_pattern=DEFAULT_TOKEN_PATTERN,
        tokenizer=None,
        preprocessor=None,
    ):
        self.vector_size = vector_size
        self.window = window
        self.negative = negative
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.sample = sample
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.min_learning_rate = min_learning_rate
        self.ns_exponent = ns_exponent
        self.shrink_windows = shrink_windows
        self.batch_size = batch_size
        self.corpus_cache_size = corpus_cache_size
        self.subwords = subwords
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.oov = oov
        self.pooling = pooling
        self.sif_alpha = sif_alpha
        self.normalize = normalize
        self.n_components = n_components
        self.init_vectors = init_vectors
        self.init_strategy = init_strategy
        self.anchor_strength = anchor_strength
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.lowercase = lowercase
        self.strip_accents = strip_accents
        self.token_pattern = token_pattern
        self.tokenizer = tokenizer
        self.preprocessor = preprocessor

    # ------------------------------------------------------------ fitted views
    # Views of the store rather than copies, so a pickle holds each array once.
    @property
    def vocabulary_(self):
        """Row of each vocabulary word (the store's index)."""
        return self.word_vectors_.key_to_index

    @property
    def vectors_(self):
        """The word vectors, one row per vocabulary word."""
        return self.word_vectors_.vectors

    @property
    def word_counts_(self):
        """Corpus count of each vocabulary word."""
        return self.word_vectors_.counts

    @property
    def drift_(self):
        """How far the pretrained words moved (``None`` without ``init_vectors``).

        A dict with the known words' mean cosine to their pretrained vectors and benchmark
        correlations before and after training (its keys are listed under Attributes in the
        class docstring). It is measured on first access, since that reads the WordSim-353 and
        SimLex-999 files, and then kept.
        """
        check_is_fitted(self, "word_vectors_")
        reference = self._drift_reference
        if reference is None:
            return None
        if self.__dict__.get("_drift") is None:
            from ..static._evaluation import evaluation_path
            from ._initial import drift

            before, known = reference
            self._drift = drift(
                before,
                self.word_vectors_,
                known,
                {
                    "ws353": evaluation_path("wordsim353.tsv"),
                    "simlex": evaluation_path("simlex999.txt"),
                },
            )
        return self._drift

    # ----------------------------------------------------------------- fitting
    def _fit_documents(self, X):
        # Streamed, never listed: the corpus may be larger than memory.
        return reiterable_documents(
            X,
            "SkipGramVectorizer reads the corpus once to count words and once per epoch "
            "(and once more for pooling='sif')",
        )

    def _fit_word_vectors(self, X, y=None):
        from ._trainer import train

        training = train(
            X,
            build_analyzer(self),
            vector_size=self.vector_size,
            window=self.window,
            negative=self.negative,
            min_count=self.min_count,
            max_vocab_size=self.max_vocab_size,
            sample=self.sample,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            min_learning_rate=self.min_learning_rate,
            ns_exponent=self.ns_exponent,
            shrink_windows=self.shrink_windows,
            batch_size=self.batch_size,
            subwords=self.subwords,
            min_n=self.min_n,
            max_n=self.max_n,
            bucket=self.bucket,
            pretrained=self._pretrained(),
            init_strategy=self.init_strategy or "anchor",
            anchor_strength=self.anchor_strength,
            device=self._training_device(),
            n_threads=effective_threads(self.n_jobs),
            rng=check_random_state(self.random_state),
            verbose=self.verbose,
            count_documents=self.pooling == "tfidf",
            corpus_cache_bytes=int(self.corpus_cache_size * 2**20),
        )
        return FittedWords(
            training.store,
            attributes={
                "loss_curve_": training.loss_curve,
                "_drift_reference": training.drift_reference,
                "_drift": None,
            },
            document_frequency=training.document_frequency,
            n_documents=training.n_documents,
        )

    def _pretrained(self):
        """The ``init_vectors`` store, checked against the other parameters, or None."""
        if self.init_vectors is None:
            if self.init_strategy is not None:
                raise ValueError(
                    f"init_strategy={self.init_strategy!r} needs init_vectors (the pretrained "
                    "vectors to start from); pass init_vectors or leave init_strategy=None."
                )
            return None
        from ..static._resources import load_word_vectors

        pretrained = load_word_vectors(self.init_vectors)
        if pretrained.n_dims != self.vector_size:
            raise ValueError(
                f"init_vectors have {pretrained.n_dims} dimensions but vector_size="
                f"{self.vector_size}; set vector_size={pretrained.n_dims} (projecting vectors "
                "to another dimension is not supported)."
            )
        return pretrained

    def _training_device(self):
        """``"cpu"`` (the numba kernel) or the torch device to train on."""
        if isinstance(self.device, str) and self.device == "cpu":
            return "cpu"
        from .._core.device import resolve_device

        device = resolve_device(self.device)
        return "cpu" if device.type == "cpu" else device
