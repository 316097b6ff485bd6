"""SkipGramVectorizer: word vectors trained on your corpus (word2vec / fastText skip-gram)."""

from __future__ import annotations

from collections.abc import Iterator
from numbers import Integral, Real

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from ._static import StaticVectorizerBase
from ._store import WordVectors
from ._subword import SubwordTable
from ._text import DEFAULT_TOKEN_PATTERN
from ._validation import iter_documents

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
        Passes over the corpus. The corpus is read ``epochs + 1`` times (one pass counts the
        words), so it must be re-iterable: a list, an array, or an object whose ``__iter__``
        starts over.
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
    subwords : bool, default=True
        fastText: a word's input vector is the mean of its own vector and the vectors of its
        hashed character n-grams, so unseen words get vectors from their n-grams.
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
    init_vectors : str, path-like, WordVectors, gensim KeyedVectors or (words, matrix), \
            default=None
        Pretrained vectors to start from (anything :class:`GloveVectorizer` accepts). The
        vocabulary is then the pretrained words that occur in the corpus plus the corpus words
        that reach ``min_count``; known words start from their pretrained vectors, new words
        from the pretrained vectors' n-gram composition (small random vectors when no n-gram
        is known). Needs ``vector_size`` equal to their dimension and ``subwords=False``.
    init_strategy : {"freeze", "anchor", "free"}, default=None
        With ``init_vectors``: ``"freeze"`` never changes the pretrained rows (only new words
        and the output vectors train); ``"anchor"`` trains them under an L2 pull toward their
        pretrained values; ``"free"`` fine-tunes them without constraint. ``None`` means
        ``"anchor"`` when ``init_vectors`` is given.
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
        SimLex-999, before and after, over the same known words). ``None`` otherwise.
    loss_curve_ : ndarray of shape (epochs,)
        Mean loss per (centre, context) pair of each epoch: the negative log-likelihood of the
        true context word plus that of rejecting each noise word.
    idf_, sif_weights_, sif_component_ :
        Pooling statistics, as in :class:`GloveVectorizer`.

    See Also
    --------
    GloveVectorizer : Pools pretrained word vectors instead of training them.

    Notes
    -----
    The kernel is word2vec.c's inner loop (Mikolov et al., 2013, Distributed Representations of
    Words and Phrases and their Compositionality) with fastText's subword input (Bojanowski et
    al., 2017, Enriching Word Vectors with Subword Information), compiled with numba and run by
    threads that share the matrices without locks. Memory is the vocabulary and n-gram matrices
    plus a few chunks of token ids, whatever the corpus size.

    Differences from gensim, each deliberate: the centre word is the input and its window the
    targets (fastText's orientation; gensim's Word2Vec swaps them, the same objective over the
    same pairs), which lets a centre's subword mean be composed once per window; a document
    longer than 10,000 in-vocabulary tokens is cut into pieces instead of truncated; the
    learning rate decays per sentence rather than per 10,000-word job; with subwords, training
    composes the mean over the word and its n-grams (gensim divides by the number of n-grams
    only); a word never seen at fit time is composed from the n-grams that training saw.

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
        "subwords": ["boolean"],
        "bucket": [Interval(Integral, 1, 2**32, closed="both")],
        "init_vectors": "no_validation",
        "init_strategy": [StrOptions({"freeze", "anchor", "free"}), None],
        "anchor_strength": [Interval(Real, 0, None, closed="left")],
        "device": "no_validation",
        "n_jobs": [Integral, None],
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
        subwords=True,
        min_n=3,
        max_n=6,
        bucket=2_000_000,
        oov="subword",
        pooling="mean",
        sif_alpha=1e-3,
        normalize=False,
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
        self.subwords = subwords
        self.min_n = min_n
        self.max_n = max_n
        self.bucket = bucket
        self.oov = oov
        self.pooling = pooling
        self.sif_alpha = sif_alpha
        self.normalize = normalize
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

    # ----------------------------------------------------------------- fitting
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Learn the vocabulary, train the word vectors, and learn the pooling statistics.

        Parameters
        ----------
        X : iterable of str
            Training documents; read once to count words and once per epoch, so it must be
            re-iterable (a one-shot generator raises a ``TypeError``).
        y : None
            Ignored.

        Returns
        -------
        self : SkipGramVectorizer
            The fitted vectorizer.
        """
        self._check_ngram_range()
        _check_reiterable(X)
        self.__dict__.pop("_composed", None)
        store, self.loss_curve_, self.drift_ = self._train(X)
        return self._finish_fit(X, store)

    def _fit_word_vectors(self, X, y=None):
        return self._train(X)[0]

    def _train(self, X):
        # numba is imported on first fit, not with the package (a third of a second).
        from ._sgns import encode_chunks, train_epochs
        from ._sgns_init import drift as measure_drift
        from ._sgns_init import initial_model, start_from
        from ._vocab import alias_table, count_words, subsample_thresholds

        device = self._training_device()
        pretrained = self._pretrained()
        analyzer = self._build_analyzer()
        vocabulary = count_words(
            iter_documents(X), analyzer, min_count=self.min_count,
            max_vocab_size=self.max_vocab_size,
            always_keep=None if pretrained is None else pretrained.key_to_index)
        rng = check_random_state(self.random_state)
        init_rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        model, ngram_keys = initial_model(vocabulary.words, self.vector_size, init_rng,
                                           self.subwords, self.min_n, self.max_n, self.bucket)
        if pretrained is not None:
            known = start_from(pretrained, vocabulary.words, model, self.min_n, self.max_n,
                                self.init_strategy or "anchor", self.anchor_strength)
        progress = _Progress(self.epochs, vocabulary.n_kept_tokens) if self.verbose else None

        def epoch_chunks(epoch):
            n_documents = 0
            for chunk in encode_chunks(iter_documents(X), analyzer, vocabulary.index,
                                       self.batch_size):
                n_documents += chunk[2]
                yield chunk
            if n_documents != vocabulary.n_documents:
                raise ValueError(
                    f"The corpus gave {vocabulary.n_documents} documents when counting words "
                    f"but {n_documents} in epoch {epoch + 1}; it must give the same documents on "
                    "every pass (a list, or an object whose __iter__ starts over)."
                )

        settings = dict(
            thresholds=subsample_thresholds(vocabulary.counts, self.sample),
            noise=alias_table(vocabulary.counts, self.ns_exponent),
            window=self.window, negative=self.negative, shrink_windows=self.shrink_windows,
            learning_rate=self.learning_rate, min_learning_rate=self.min_learning_rate,
            epochs=self.epochs, words_per_epoch=vocabulary.n_kept_tokens,
            seed=int(rng.randint(np.iinfo(np.int32).max)),
            on_chunk=None if progress is None else progress.update,
        )
        try:
            if device == "cpu":
                loss_curve, _ = train_epochs(model, epoch_chunks,
                                             n_threads=effective_n_jobs(self.n_jobs), **settings)
            else:
                from ._sgns_torch import train_epochs_torch

                if self.random_state is not None:
                    import torch

                    torch.manual_seed(settings["seed"])
                loss_curve = train_epochs_torch(model, epoch_chunks, device=device, **settings)
        finally:
            if progress is not None:
                progress.close()
        table = None
        if self.subwords:
            table = SubwordTable(model.ngram_vectors[ngram_keys[1]], self.min_n, self.max_n,
                                 keys=ngram_keys[0])
        store = WordVectors(vocabulary.words, model.word_vectors(), counts=vocabulary.counts,
                            subwords=table)
        drift = None
        if pretrained is not None:
            from .datasets import evaluation_path

            drift = measure_drift(pretrained, store, known, {
                "ws353": evaluation_path("wordsim353.tsv"),
                "simlex": evaluation_path("simlex999.txt")})
        return store, np.asarray(loss_curve, dtype=np.float64), drift

    def _pretrained(self):
        """The ``init_vectors`` store, checked against the other parameters, or None."""
        if self.init_vectors is None:
            if self.init_strategy is not None:
                raise ValueError(
                    f"init_strategy={self.init_strategy!r} needs init_vectors (the pretrained "
                    "vectors to start from); pass init_vectors or leave init_strategy=None."
                )
            return None
        if self.subwords:
            raise ValueError(
                "init_vectors needs subwords=False: starting subword (fastText) training from "
                "pretrained word vectors is not supported."
            )
        from ._resources import load_word_vectors

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
        from ._device import resolve_device

        device = resolve_device(self.device)
        return "cpu" if device.type == "cpu" else device


def _check_reiterable(X):
    # An Iterator's __iter__ returns itself: a second pass would silently see nothing.
    if isinstance(X, Iterator):
        raise TypeError(
            f"Expected a re-iterable collection of documents; got a one-shot iterator "
            f"({type(X).__name__}). SkipGramVectorizer reads the corpus once to count words and "
            "once per epoch: pass a list, or an object whose __iter__ returns a new iterator "
            "(for example a class that reopens a file)."
        )


class _Progress:
    """One tqdm bar per epoch, counting training words, with the running mean loss."""

    def __init__(self, epochs, words_per_epoch):
        self._epochs = epochs
        self._total = words_per_epoch
        self._bar = None
        self._epoch = -1
        self._loss = 0.0
        self._pairs = 0

    def update(self, epoch, n_words, loss, n_pairs):
        from tqdm.auto import tqdm

        if epoch != self._epoch:
            self.close()
            self._epoch, self._loss, self._pairs = epoch, 0.0, 0
            self._bar = tqdm(total=self._total, desc=f"epoch {epoch + 1}/{self._epochs}",
                             unit="word", unit_scale=True)
        self._loss += loss
        self._pairs += n_pairs
        self._bar.set_postfix(loss=f"{self._loss / max(self._pairs, 1):.4f}", refresh=False)
        self._bar.update(n_words)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
