"""Skip-gram training, apart from the estimator: ``train(...)`` hands back a trained store.

As gensim's ``Word2Vec`` trains and hands out ``KeyedVectors``: count the vocabulary (``_vocab``),
set the starting point (``_initial``), run the epochs on the numba kernel (``_kernel``) or a
torch device (``_torch``), and return the store with the loss curve and what drift needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..static._store import WordVectors
from ..static._subword import SubwordTable
from ._corpus_ids import CorpusIds

__all__ = ["Training", "train"]


@dataclass
class Training:
    """What :func:`train` returns.

    Parameters
    ----------
    store : WordVectors
        The trained word vectors, with their counts and (with subwords) the n-gram table.
    loss_curve : ndarray of shape (epochs,)
        Mean loss per (centre, context) pair of each epoch.
    drift_reference : tuple or None
        With pretrained vectors: ``(before, known)``, the starting vectors of the known
        vocabulary words (their pretrained vectors; with subwords, the means of word and n-gram
        rows, which equal them) and the mask of those words, from which drift is measured on
        demand.
    document_frequency : Counter or None
        Documents containing each token, when asked for.
    n_documents : int
        Documents in the corpus.
    """

    store: WordVectors
    loss_curve: np.ndarray
    drift_reference: tuple | None
    document_frequency: object
    n_documents: int


def train(corpus, analyzer, *, max_vocab_size, corpus_cache_bytes=512 * 2**20, **settings):
    """Train skip-gram vectors on ``corpus``; the parameters are SkipGramVectorizer's.

    Parameters
    ----------
    corpus : re-iterable of str
        Read once to count words and keep the token ids; with ``max_vocab_size`` once more per
        epoch.
    analyzer : callable
        ``analyzer(doc) -> list of str``.
    pretrained : WordVectors or None
        Vectors to start from, with ``init_strategy`` and ``anchor_strength``.
    device : "cpu" or torch.device
        ``"cpu"`` runs the numba kernel on ``n_threads`` threads; a torch device the torch path.
    rng : numpy.random.RandomState
        Seeds the initial vectors and the training streams.
    count_documents : bool
        Count the documents each token occurs in (for tf-idf pooling) during the counting pass.
    corpus_cache_bytes : int, default=512 MiB
        Memory for the corpus's token ids, written in the counting pass and read by every
        epoch (past it they go to a memory-mapped temporary file). Without
        ``max_vocab_size`` only: with it, every epoch tokenises the text again.
    **hyperparameters
        The remaining keywords, as documented by :class:`SkipGramVectorizer`.

    Returns
    -------
    training : Training
    """
    corpus_ids = None if max_vocab_size is not None else CorpusIds(corpus_cache_bytes)
    try:
        return _train(corpus, analyzer, corpus_ids, max_vocab_size=max_vocab_size, **settings)
    finally:
        # The ids go however the fit ends (their file, if any, was unlinked when created).
        if corpus_ids is not None:
            corpus_ids.close()


def _train(
    corpus,
    analyzer,
    corpus_ids,
    *,
    vector_size,
    window,
    negative,
    min_count,
    max_vocab_size,
    sample,
    epochs,
    learning_rate,
    min_learning_rate,
    ns_exponent,
    shrink_windows,
    batch_size,
    subwords,
    min_n,
    max_n,
    bucket,
    pretrained,
    init_strategy,
    anchor_strength,
    device,
    n_threads,
    rng,
    verbose,
    count_documents,
):
    from ._initial import initial_model, start_from
    from ._kernel import _split_long, encode_chunks, train_epochs
    from ._vocab import alias_table, count_words, subsample_thresholds

    vocabulary = count_words(
        corpus,
        analyzer,
        min_count=min_count,
        max_vocab_size=max_vocab_size,
        always_keep=None if pretrained is None else pretrained.key_to_index,
        count_documents=count_documents,
        corpus_ids=corpus_ids,
    )
    init_rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
    model, ngram_keys = initial_model(
        vocabulary.words, vector_size, init_rng, subwords, min_n, max_n, bucket
    )
    drift_reference = None
    if pretrained is not None:
        known = start_from(
            pretrained, vocabulary.words, model, min_n, max_n, init_strategy, anchor_strength
        )
        # The known words' starting vectors (with subwords, the means of word and n-gram
        # rows, not the word rows), copied now: training moves them.
        drift_reference = (np.array(model.word_vectors()[known]), known)

    if corpus_ids is not None:
        rows = np.full(len(corpus_ids.word_counts()[0]), -1, dtype=np.int32)
        for word_id, word in enumerate(corpus_ids.word_counts()[0]):
            row = vocabulary.index.get(word)
            if row is not None:
                rows[word_id] = row

        def epoch_chunks(epoch):
            return corpus_ids.chunks(rows, batch_size, _split_long)

    def text_chunks(epoch):
        n_documents = 0
        for chunk in encode_chunks(corpus, analyzer, vocabulary.index, batch_size):
            n_documents += chunk[2]
            yield chunk
        if n_documents != vocabulary.n_documents:
            raise ValueError(
                f"The corpus gave {vocabulary.n_documents} documents when counting words "
                f"but {n_documents} in epoch {epoch + 1}; it must give the same documents on "
                "every pass (a list, or an object whose __iter__ starts over)."
            )

    if corpus_ids is None:
        epoch_chunks = text_chunks
    progress = _Progress(epochs, vocabulary.n_kept_tokens) if verbose else None
    settings = dict(
        thresholds=subsample_thresholds(vocabulary.counts, sample),
        noise=alias_table(vocabulary.counts, ns_exponent),
        window=window,
        negative=negative,
        shrink_windows=shrink_windows,
        learning_rate=learning_rate,
        min_learning_rate=min_learning_rate,
        epochs=epochs,
        words_per_epoch=vocabulary.n_kept_tokens,
        seed=int(rng.randint(np.iinfo(np.int32).max)),
        on_chunk=None if progress is None else progress.update,
    )
    try:
        if device == "cpu":
            loss_curve, _ = train_epochs(model, epoch_chunks, n_threads=n_threads, **settings)
        else:
            import torch

            from ._torch import train_epochs_torch

            torch.manual_seed(settings["seed"])
            loss_curve = train_epochs_torch(model, epoch_chunks, device=device, **settings)
    finally:
        if progress is not None:
            progress.close()
    # Each matrix is let go as soon as the store no longer needs it: the table below copies
    # the n-gram matrix, and with the input and output matrices still held that copy set the
    # fit's peak (GCIDE, 5.7M tokens, 47k words, 100 dims: 54 MB lower when they go first).
    vectors = model.word_vectors()
    model.input_vectors = model.output_vectors = None
    table = None
    if subwords:
        table = SubwordTable(model.ngram_vectors[ngram_keys[1]], min_n, max_n, keys=ngram_keys[0])
    model.ngram_vectors = None
    store = WordVectors(vocabulary.words, vectors, counts=vocabulary.counts, subwords=table)
    return Training(
        store,
        np.asarray(loss_curve, dtype=np.float64),
        drift_reference,
        vocabulary.document_frequency,
        vocabulary.n_documents,
    )


class _Progress:
    """One tqdm bar over all epochs, counting training words; its label names the epoch and its
    postfix shows that epoch's running mean loss (one bar that updates, not one per epoch)."""

    def __init__(self, epochs, words_per_epoch):
        self._epochs = epochs
        self._total = words_per_epoch
        self._bar = None
        self._epoch = -1
        self._loss = 0.0
        self._pairs = 0

    def update(self, epoch, n_words, loss, n_pairs):
        from tqdm.auto import tqdm

        if self._bar is None:
            self._bar = tqdm(total=self._epochs * self._total, unit="word", unit_scale=True)
        if epoch != self._epoch:
            self._epoch, self._loss, self._pairs = epoch, 0.0, 0
            self._bar.set_description(f"epoch {epoch + 1}/{self._epochs}")
        self._loss += loss
        self._pairs += n_pairs
        self._bar.set_postfix(loss=f"{self._loss / max(self._pairs, 1):.4f}", refresh=False)
        self._bar.update(n_words)

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None
