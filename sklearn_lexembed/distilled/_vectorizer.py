"""DistilledVectorizer: a static token table distilled from a transformer, on the user's corpus."""

from __future__ import annotations

import os
from itertools import chain
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._core.compat import Interval, StrOptions, fit_context
from .._core.fingerprint import folder_fingerprint
from .._core.reduction import N_COMPONENTS_CONSTRAINT, StreamingPCA, project
from .._core.rows import unit_rows
from .._core.text import replace_lone_surrogates
from .._core.threads import N_JOBS_CONSTRAINT, effective_threads
from .._core.validation import check_documents
from ..static._oov import ZeroRows
from ..static._pooling import pool, sif_weights, zipf_probabilities
from ._static_folders import is_static_folder, read_static_folder
from ._teacher import distill_rows, fitted_teacher, vocabulary_rows
from ._training import mean_cosine, train_table
from ._vocabulary import (
    corpus_words,
    distilled_token_ids,
    extended_tokenizer,
    is_wordpiece,
    plain_tokenizer,
)

__all__ = ["DistilledVectorizer"]

# Documents tokenised per batch call in transform: bounds the token buffers.
_DOCS_PER_BLOCK = 8192


class DistilledVectorizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Static token vectors distilled from a transformer teacher, trained on your corpus.

    ``fit`` builds a table with one row per token of the teacher's vocabulary, plus one per
    frequent corpus word the teacher splits into pieces, each row the teacher's output for
    that token alone (model2vec's distillation); centres and reduces the rows with PCA;
    weights them; and, with ``corpus_training=True``, trains the table so that the mean of a
    document's rows points where the teacher's vector of the document points (model2vec's
    tokenlearn, on ``X``). ``transform`` then runs the teacher's Rust tokenizer and averages
    rows: no transformer, no torch, hundreds of times faster than the teacher.

    Ready static models load too: pass the folder of a model2vec model or of a
    sentence-transformers model with a ``StaticEmbedding`` module as ``teacher``, and
    ``transform`` gives the vectors those libraries give.

    Parameters
    ----------
    teacher : None, str, path-like or ContextualVectorizer, default=None
        The encoder to distil. None is the bundled ``all-MiniLM-L6-v2`` (offline); a model
        name or folder is loaded as :class:`ContextualVectorizer` loads it, on ``device``
        with ``n_jobs`` threads; a :class:`ContextualVectorizer` is cloned and keeps its own
        settings (``backend="onnx", quantize="int8"`` distils about twice as fast on CPU;
        ``cache`` embeds each training document once across a grid search). A folder that
        holds a model2vec model or a sentence-transformers ``StaticEmbedding`` model is
        loaded as it is, with nothing distilled.
    n_components : int, default=None
        Dimensions of the rows: the top principal directions of the distilled rows. None
        keeps the teacher's dimension (the rows are still centred on their mean, which
        removes the direction all the teacher's outputs share). For a loaded static folder,
        None keeps its table untouched.
    max_new_words : int, default=20000
        Most corpus words added to the vocabulary as whole tokens (most frequent first)
        when the teacher's tokenizer is WordPiece (BERT, MiniLM) and splits them into
        several pieces. 0 adds none; other tokenizers add none.
    min_count : int, default=2
        Occurrences in ``X`` a word needs to be added.
    weighting : {"sif", "zipf"} or None, default=None
        Scales each row before training (and for good without it): ``"sif"`` by
        ``sif_alpha / (sif_alpha + p(token))`` with ``p`` the token's frequency in ``X``
        (add-one smoothed); ``"zipf"`` by model2vec's rule, ``p`` estimated from the token's
        rank in the vocabulary; None leaves the rows as distilled (best on the measured
        task, see Notes).
    sif_alpha : float, default=1e-3
        The SIF smoothing constant, for ``weighting="sif"`` and ``"zipf"``.
    corpus_training : bool, default=True
        Train the table on ``X`` against the teacher's vectors of ``X``'s documents (at most
        ``max_documents`` of them, drawn with ``random_state``). The teacher then embeds
        those documents once, which is most of the cost of ``fit``.
    max_documents : int, default=50000
        Most documents of ``X`` used for corpus training (which bounds its memory).
    epochs : int, default=10
        Most passes over the training documents; training stops at the first epoch that
        does not raise the agreement on the held-out documents, and keeps the best table.
    learning_rate : float, default=0.01
        Step size of the optimiser (Adam, updating the rows a batch uses).
    batch_size : int, default=256
        Documents per training step.
    validation_fraction : float, default=0.1
        Share of the training documents held out to measure agreement with the teacher and
        stop early. 0 trains for exactly ``epochs`` epochs on all of them.
    normalize : bool or None, default=None
        L2-normalise each output row. None: True for a distilled table (model2vec's
        default); a loaded folder's own setting (model2vec's ``normalize``, a
        sentence-transformers ``Normalize`` module).
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device, default="auto"
        Where the teacher runs (when it is built from a name) and where corpus training
        runs. ``transform`` never uses it: it runs numpy on the CPU.
    n_jobs : int, default=None
        Threads of the teacher (when built from a name) and of corpus training. ``None``
        means 1 unless in a :func:`joblib.parallel_config` context; ``-1`` every core.
    random_state : int, RandomState instance or None, default=None
        Draws the training sample, the held-out documents, the batch order and torch's seed;
        an int gives identical tables (with one thread).
    verbose : bool, default=False
        Progress bars over the distillation batches and the training epochs.

    Attributes
    ----------
    vectors_ : ndarray of shape (n_rows, n_features_out), dtype float32
        The row of each token id of the (extended) tokenizer.
    new_words_ : list of str
        The corpus words added to the vocabulary; their rows follow the teacher's.
    token_weights_ : ndarray of shape (n_rows,) or None
        The weights the rows were scaled by (``weighting``).
    pca_mean_ : ndarray of shape (n_teacher_dims,) or None
        Mean of the distilled rows, subtracted before projecting.
    pca_components_ : ndarray of shape (n_features_out, n_teacher_dims) or None
        Directions the distilled rows are projected on.
    explained_variance_ratio_ : ndarray of shape (n_features_out,) or None
        Share of the rows' variance along each direction.
    loss_curve_ : list of float
        Corpus training's mean loss (1 - cosine to the teacher) of each epoch.
    validation_scores_ : list of float
        Mean cosine to the teacher of the held-out documents: before training, then after
        each epoch.
    n_iter_ : int
        Epochs of corpus training run (0 without).
    best_epoch_ : int
        Epochs behind the kept table.
    teacher_fingerprint_ : str
        SHA-256 of the teacher's (or the loaded folder's) files.
    source_ : tuple
        ``("distilled", teacher)``, ``("model2vec", folder)`` or ``("sentence-transformers",
        folder)``.
    n_features_out_ : int
        Dimension of the output rows.

    See Also
    --------
    ContextualVectorizer : The teacher: contextual, more accurate, much slower.
    GloveVectorizer : Pretrained word vectors pooled per document.

    Notes
    -----
    A document's vector is the mean of its tokens' rows (tokens without a row, such as the
    unknown token, are skipped); a document with none is a zero row, with a warning when it
    is not blank. The fitted estimator holds numpy arrays and the tokenizer's JSON text, so
    it pickles and skops-dumps without torch or the teacher.

    On the WordNet supersense task of ``benchmarks/bench_distilled.py`` (docs/benchmarks.md)
    corpus training raised the held-out agreement with the teacher from about 0.5 to 0.9,
    and the defaults were chosen there.

    References: Tulkens and van Dongen (2024), Model2Vec; Arora et al. (2017), SIF.

    Examples
    --------
    >>> from sklearn_lexembed import DistilledVectorizer
    >>> docs = ["the cat sat on the mat", "a dog barked at the cat", "stocks fell sharply"]
    >>> vectorizer = DistilledVectorizer(corpus_training=False, n_components=2)
    >>> vectorizer.fit_transform(docs).shape
    (3, 2)
    """

    _parameter_constraints: dict = {
        "teacher": "no_validation",
        "n_components": N_COMPONENTS_CONSTRAINT,
        "max_new_words": [Interval(Integral, 0, None, closed="left")],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "weighting": [StrOptions({"sif", "zipf"}), None],
        "sif_alpha": [Interval(Real, 0, None, closed="neither")],
        "corpus_training": ["boolean"],
        "max_documents": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "normalize": ["boolean", None],
        "device": "no_validation",
        "n_jobs": N_JOBS_CONSTRAINT,
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        teacher=None,
        *,
        n_components=None,
        max_new_words=20000,
        min_count=2,
        weighting=None,
        sif_alpha=1e-3,
        corpus_training=True,
        max_documents=50000,
        epochs=10,
        learning_rate=0.01,
        batch_size=256,
        validation_fraction=0.1,
        normalize=None,
        device="auto",
        n_jobs=None,
        random_state=None,
        verbose=False,
    ):
        self.teacher = teacher
        self.n_components = n_components
        self.max_new_words = max_new_words
        self.min_count = min_count
        self.weighting = weighting
        self.sif_alpha = sif_alpha
        self.corpus_training = corpus_training
        self.max_documents = max_documents
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.normalize = normalize
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.non_deterministic = self.corpus_training and self.random_state is None
        return tags

    # ---------------------------------------------------------------- fitting
    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Distil the teacher's table, reduce and weight it, and train it on ``X``.

        Parameters
        ----------
        X : iterable of str
            Training documents: their words extend the vocabulary, their token frequencies
            give the SIF weights, and a sample of them trains the table.
        y : None
            Ignored.

        Returns
        -------
        self : DistilledVectorizer
            The fitted vectorizer.
        """
        documents = check_documents(X)
        teacher = self.teacher
        if isinstance(teacher, (str, os.PathLike)) and is_static_folder(teacher):
            state = self._load_static_folder(teacher)
        else:
            state = self._distil(documents)
        # All or nothing: the state was built aside; a failure above changed nothing.
        self.__dict__.update(state)
        return self

    def _load_static_folder(self, path):
        if self.corpus_training:
            raise ValueError(
                f"teacher={os.fspath(path)!r} is a ready static model (no transformer to "
                "learn from), so corpus_training=True has no teacher to train against; pass "
                "corpus_training=False to use it as it is."
            )
        folder = read_static_folder(path)
        table = np.asarray(folder.table, dtype=np.float32)
        known = np.ones(len(table), dtype=bool)
        known[list(folder.drop_ids)] = False
        state = self._reduced(table, known, keep_when_none=True)
        tokenizer = plain_tokenizer(folder.tokenizer_json)
        state.update(
            vectors_=state.pop("_table"),
            new_words_=[],
            token_weights_=None,
            loss_curve_=[],
            validation_scores_=[],
            n_iter_=0,
            best_epoch_=0,
            teacher_fingerprint_=folder_fingerprint(os.fspath(path)),
            source_=(folder.kind, os.fspath(path)),
            _tokenizer_json=folder.tokenizer_json,
            _tokenizer=tokenizer,
            _known=known,
            _max_chars=folder.max_chars,
            _normalize=folder.normalize if self.normalize is None else self.normalize,
        )
        return state

    def _reduced(self, raw, known, keep_when_none=False):
        """PCA of the known rows: the projected table and the PCA attributes."""
        if keep_when_none and self.n_components is None:
            n_dims = raw.shape[1]
            return {
                "_table": raw,
                "pca_mean_": None,
                "pca_components_": None,
                "explained_variance_ratio_": None,
                "n_features_out_": n_dims,
                "_n_features_out": n_dims,
            }
        pca = StreamingPCA(raw.shape[1])
        for start in range(0, len(raw), 8192):
            block = raw[start : start + 8192]
            pca.add(block[known[start : start + 8192]])
        mean, components, ratio = pca.components(self.n_components or raw.shape[1])
        table = np.zeros((len(raw), len(components)), dtype=np.float32)
        table[known] = project(raw[known], mean, components)
        return {
            "_table": table,
            "pca_mean_": mean,
            "pca_components_": components,
            "explained_variance_ratio_": ratio,
            "n_features_out_": len(components),
            "_n_features_out": len(components),
        }

    def _distil(self, documents):
        teacher = fitted_teacher(self.teacher, self.device, self.n_jobs, self.verbose)
        loaded = teacher._model()
        base = loaded.backend
        token_ids = distilled_token_ids(base)
        words = []
        if self.max_new_words and is_wordpiece(base):
            words = corpus_words(base, documents, self.max_new_words, self.min_count)
        serialized = extended_tokenizer(base, words) if words else base.to_str()
        tokenizer = plain_tokenizer(serialized)
        n_base = base.get_vocab_size(with_added_tokens=True)
        word_pieces = [e.ids for e in base.encode_batch(words, add_special_tokens=False)]
        rows = vocabulary_rows(teacher, token_ids)
        n_rows = n_base + len(words)
        known = np.zeros(n_rows, dtype=bool)
        known[token_ids] = True
        known[n_base:] = True
        raw = np.zeros((n_rows, rows.shape[1]), dtype=np.float32)
        raw[token_ids] = rows
        if words:
            raw[n_base:] = distill_rows(teacher, word_pieces)
        state = self._reduced(raw, known)
        table = state.pop("_table")

        weights = None
        if self.weighting is not None:
            weights = self._token_weights(tokenizer, documents, n_rows)
            table *= weights[:, None]
        training = {
            "loss_curve_": [],
            "validation_scores_": [],
            "n_iter_": 0,
            "best_epoch_": 0,
        }
        if self.corpus_training:
            table, training = self._train(teacher, tokenizer, known, table, documents, state)
        state.update(
            training,
            vectors_=table,
            new_words_=words,
            token_weights_=weights,
            teacher_fingerprint_=teacher.model_fingerprint_,
            source_=("distilled", teacher.model_name),
            _tokenizer_json=serialized,
            _tokenizer=tokenizer,
            _known=known,
            _max_chars=None,
            _normalize=True if self.normalize is None else self.normalize,
        )
        return state

    def _token_weights(self, tokenizer, documents, n_rows):
        if self.weighting == "zipf":
            probabilities = zipf_probabilities(n_rows)
        else:
            counts = np.zeros(n_rows, dtype=np.float64)
            for start in range(0, len(documents), _DOCS_PER_BLOCK):
                flat, _ = self._token_ids(tokenizer, documents[start : start + _DOCS_PER_BLOCK])
                counts += np.bincount(flat, minlength=n_rows)
            probabilities = (counts + 1) / (counts.sum() + n_rows)
        return sif_weights(probabilities, self.sif_alpha)

    def _teacher_pairs(self, teacher, tokenizer, known, documents, mean, components):
        """The known rows of each document that has one, and the teacher's vector of it in
        the table's space (what corpus training fits and ``agreement`` scores)."""
        sequences, kept = [], []
        for start in range(0, len(documents), _DOCS_PER_BLOCK):
            flat, lengths = self._token_ids(tokenizer, documents[start : start + _DOCS_PER_BLOCK])
            for offset, ids in enumerate(np.split(flat, np.cumsum(lengths)[:-1])):
                ids = ids[known[ids]]
                if len(ids):
                    sequences.append(ids)
                    kept.append(start + offset)
        if not sequences:
            return [], None
        targets = teacher._raw_vectors([documents[i] for i in kept])
        if components is not None:
            targets = project(targets, mean, components)
        return sequences, targets

    def _train(self, teacher, tokenizer, known, table, documents, state):
        rng = check_random_state(self.random_state)
        if len(documents) > self.max_documents:
            chosen = np.sort(rng.choice(len(documents), self.max_documents, replace=False))
            documents = [documents[i] for i in chosen]
        sequences, targets = self._teacher_pairs(
            teacher, tokenizer, known, documents, state["pca_mean_"], state["pca_components_"]
        )
        if not sequences:
            raise ValueError(
                "corpus_training=True needs documents with at least one token of the "
                "teacher's vocabulary; none of the training documents has one."
            )
        from .._core.device import resolve_device

        trained = train_table(
            table,
            sequences,
            targets,
            epochs=self.epochs,
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            validation_fraction=self.validation_fraction,
            rng=rng,
            device=resolve_device(self.device),
            n_threads=effective_threads(self.n_jobs),
            verbose=self.verbose,
        )
        return trained.table, {
            "loss_curve_": trained.loss_curve,
            "validation_scores_": trained.validation_scores,
            "n_iter_": trained.n_iter,
            "best_epoch_": trained.best_epoch,
        }

    # ------------------------------------------------------------- transform
    def _token_ids(self, tokenizer, documents):
        """Token ids of ``documents``, flattened, and each document's count."""
        limit = getattr(self, "_max_chars", None)
        if limit is not None:
            # model2vec cuts the text before tokenising it; the tokenizer truncates the tokens.
            documents = [document[:limit] for document in documents]
        encodings = tokenizer.encode_batch_fast(
            replace_lone_surrogates(documents), add_special_tokens=False
        )
        id_lists = [e.ids for e in encodings]
        lengths = np.fromiter(map(len, id_lists), dtype=np.int64, count=len(id_lists))
        flat = np.fromiter(chain.from_iterable(id_lists), dtype=np.int64, count=int(lengths.sum()))
        return flat, lengths

    def _pool_block(self, documents):
        flat, lengths = self._token_ids(self._tokenizer, documents)
        keep = self._known[flat]
        owner = np.repeat(np.arange(len(documents)), lengths)[keep]
        counts = np.bincount(owner, minlength=len(documents))
        indptr = np.concatenate([[0], np.cumsum(counts)])
        return pool(indptr, flat[keep], [self.vectors_], "mean")

    def transform(self, X):
        """Embed documents: the mean of their tokens' rows.

        Parameters
        ----------
        X : iterable of str
            Documents; an empty string is a valid document (a zero row).

        Returns
        -------
        X_new : ndarray of shape (n_documents, n_features_out), dtype float32
            One row per document, in input order.
        """
        check_is_fitted(self)
        documents = check_documents(X)
        out = np.zeros((len(documents), self.n_features_out_), dtype=np.float32)
        zero_rows = ZeroRows()
        for start in range(0, len(documents), _DOCS_PER_BLOCK):
            block = documents[start : start + _DOCS_PER_BLOCK]
            pooled = self._pool_block(block)
            zero_rows.add(pooled, block, start)
            out[start : start + len(block)] = pooled
        zero_rows.warn(stacklevel=2)
        return unit_rows(out) if self._normalize else out

    def agreement(self, X):
        """Mean cosine between these vectors and the teacher's, on documents ``X``.

        The teacher is loaded again (from the per-process cache when it is still loaded),
        and both vectors are compared in the table's space, as corpus training compares them.

        Parameters
        ----------
        X : iterable of str
            Documents; those without a known token are skipped.

        Returns
        -------
        score : float
            In [-1, 1]; 1 when every document points where the teacher's vector of it points.
        """
        check_is_fitted(self)
        documents = check_documents(X)
        if self.source_[0] != "distilled":
            raise ValueError(
                f"agreement needs a distilled table; this one was loaded from {self.source_}."
            )
        teacher = fitted_teacher(self.teacher, self.device, self.n_jobs, False)
        sequences, targets = self._teacher_pairs(
            teacher, self._tokenizer, self._known, documents, self.pca_mean_, self.pca_components_
        )
        return mean_cosine(self.vectors_, sequences, targets)

    # ----------------------------------------------------------- persistence
    def __getstate__(self):
        state = self.__dict__.copy()
        # The Rust tokenizer is rebuilt from its JSON text where the estimator is loaded.
        state.pop("_tokenizer", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "_tokenizer_json" in state:
            self._tokenizer = plain_tokenizer(state["_tokenizer_json"])
