"""Skip-gram with negative sampling: the numba training kernel and the epoch loop around it.

The kernel is word2vec.c's inner loop (Mikolov et al., 2013) with fastText's subword input
(Bojanowski et al., 2017), compiled by numba with the GIL released, so worker threads update the
shared matrices without locks (Hogwild, as word2vec.c and gensim do). The corpus streams in
chunks of token ids: memory is the matrices plus a few chunks, whatever the corpus size.

Orientation. With subwords the centre word is the input and each word of its window a target,
as fastText's skip-gram (and gensim's FastText) does: the centre's input vector (the mean of its
word and n-gram rows) is composed once per centre word instead of once per pair; the rows'
updates are summed over the window and written once at the end, which is exactly the
sequential result, because nothing reads those rows in between except through the composed
vector, itself kept up to date. Without subwords each context word's input row predicts the
centre, as word2vec.c and gensim's Word2Vec do. It is the same objective over the same pairs,
but the other orientation scored WordSim-353 0.013 below gensim on GCIDE definitions, a gap that
closed when the roles were swapped (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat

import numba
import numpy as np

__all__ = ["SGNSModel", "encode_chunks", "train_epochs"]

# gensim (and word2vec.c) never train a window across this many in-vocabulary tokens; a longer
# document is cut into pieces of this length (gensim truncates it instead).
MAX_SENTENCE_LENGTH = 10_000
_LCG_MASK = np.uint64(2**48 - 1)
_LCG_MULT = np.uint64(25214903917)
_LCG_INC = np.uint64(11)
# The sigmoid and the log-loss come from tables over [-_MAX_LOGIT, _MAX_LOGIT], as word2vec.c's
# EXP_TABLE: exp and log1p per target cost as much as the 100-dimensional dot and updates.
# 4096 steps of 1/256 keep the sigmoid within 0.001 of exact; beyond the range it is 0 or 1.
_MAX_LOGIT = 8.0
_TABLE_SIZE = 4096
_TABLE_SCALE = _TABLE_SIZE / (2 * _MAX_LOGIT)
_LOGITS = (np.arange(_TABLE_SIZE) + 0.5) / _TABLE_SCALE - _MAX_LOGIT
_SIGMOID = (1.0 / (1.0 + np.exp(-_LOGITS))).astype(np.float32)
# -log(sigmoid(x)), the loss of a positive target; a negative one's is the entry at -x.
_NEG_LOG_SIGMOID = np.log1p(np.exp(-_LOGITS)).astype(np.float32)


class SGNSModel:
    """The trainable state: input, output and n-gram matrices, with the word -> n-gram map.

    Parameters
    ----------
    input_vectors : ndarray of shape (n_words, dim), float32
    output_vectors : ndarray of shape (n_words, dim), float32
    ngram_vectors : ndarray of shape (n_ngram_rows, dim), float32
        Empty (0 rows) without subwords.
    ngram_indptr, ngram_rows : ndarray of int64 and int32
        Word ``w``'s n-gram rows are ``ngram_rows[ngram_indptr[w]:ngram_indptr[w + 1]]``.
    word_lock : ndarray of shape (n_words,), float32
        Factor on each input word row's updates (1 trains, 0 freezes; gensim's ``lockf``).
    anchors : ndarray of shape (n_anchored, dim), float32, default=None
        Values that anchored input rows are pulled toward (an L2 penalty
        ``anchor_strength / 2 * ||row - anchor||**2`` per occurrence of the word).
    anchor_rows : ndarray of shape (n_words,), int32, default=None
        Each word's row in ``anchors``, or -1 for a word without an anchor.
    anchor_strength : float, default=0.0
    """

    def __init__(
        self,
        input_vectors,
        output_vectors,
        ngram_vectors,
        ngram_indptr,
        ngram_rows,
        word_lock,
        anchors=None,
        anchor_rows=None,
        anchor_strength=0.0,
    ):
        dim = input_vectors.shape[1]
        self.input_vectors = input_vectors
        self.output_vectors = output_vectors
        self.ngram_vectors = ngram_vectors
        self.ngram_indptr = ngram_indptr
        self.ngram_rows = ngram_rows
        self.word_lock = word_lock
        self.anchors = np.zeros((0, dim), np.float32) if anchors is None else anchors
        self.anchor_rows = (
            np.full(input_vectors.shape[0], -1, np.int32) if anchor_rows is None else anchor_rows
        )
        self.anchor_strength = float(anchor_strength)

    @property
    def subwords(self):
        return self.ngram_vectors.shape[0] > 0

    def word_vectors(self):
        """Each word's final vector: its input row, or with subwords the mean of it and its
        n-gram rows (what gensim's ``FastText`` stores after training)."""
        if not self.subwords:
            return self.input_vectors
        import scipy.sparse as sp

        n_words = self.input_vectors.shape[0]
        lengths = np.diff(self.ngram_indptr)
        members = sp.csr_matrix(
            (np.ones(len(self.ngram_rows), dtype=np.float32), self.ngram_rows, self.ngram_indptr),
            shape=(n_words, self.ngram_vectors.shape[0]),
        )
        # In place and in float32 (the same rounding as a float64 quotient cast back): no
        # float64 temporary of the whole matrix.
        summed = np.asarray(members @ self.ngram_vectors, dtype=np.float32)
        summed += self.input_vectors
        summed /= (lengths + 1).astype(np.float32)[:, None]
        return summed


@numba.njit(nogil=True, cache=True, inline="always")
def _sentence_alpha(alpha_start, alpha_end, words_done, words_total):
    """The learning rate, decayed linearly over all epochs' words (gensim's schedule)."""
    progress = words_done / words_total
    return np.float32(max(alpha_start - (alpha_start - alpha_end) * progress, alpha_end))


@numba.njit(nogil=True, cache=True, inline="always")
def _subsample(tokens, start, end, thresholds, state, kept):
    """Frequent-word subsampling of ``tokens[start:end]`` into ``kept``, before windows are
    drawn (as word2vec.c); returns the number kept and the advanced LCG state."""
    n = 0
    for p in range(start, end):
        w = tokens[p]
        state = (state * _LCG_MULT + _LCG_INC) & _LCG_MASK
        if thresholds[w] >= np.uint32(state >> np.uint64(16)):
            kept[n] = w
            n += 1
    return n, state


@numba.njit(nogil=True, cache=True, inline="always")
def _window_shrink(state, window, shrink_windows):
    """How much the window shrinks for one centre word (word2vec's dynamic window)."""
    if not shrink_windows:
        return 0, state
    state = (state * _LCG_MULT + _LCG_INC) & _LCG_MASK
    return np.int64((state >> np.uint64(16)) % np.uint64(window)), state


@numba.njit(nogil=True, fastmath=True, cache=True, inline="always")
def _dot(a, b):
    total = np.float32(0.0)
    for k in range(a.shape[0]):
        total += a[k] * b[k]
    return total


@numba.njit(nogil=True, fastmath=True, cache=True, inline="always")
def _step(g, l1, out_row, work):
    # One target's gradient: into the input's accumulator, and onto the target's output row.
    for k in range(l1.shape[0]):
        value = out_row[k]
        work[k] += g * value
        out_row[k] = value + g * l1[k]


@numba.njit(nogil=True, fastmath=True, cache=True, inline="always")
def _axpy(a, x, y):
    for k in range(x.shape[0]):
        y[k] += a * x[k]


@numba.njit(nogil=True, fastmath=True, cache=True, inline="always")
def _anchor_pull(w_in, w, anchors, a, alpha, anchor_strength):
    # The gradient step of the anchor penalty, once per occurrence of an anchored word.
    if a >= 0:
        pull = np.float32(min(alpha * anchor_strength, 1.0))
        for k in range(w_in.shape[1]):
            w_in[w, k] -= pull * (w_in[w, k] - anchors[a, k])


@numba.njit(nogil=True, fastmath=True, cache=True, inline="always")
def _pair(l1, positive, w_out, work, negative, state, accept, alias, n_words, alpha):
    """One (input, positive target) pair and its negatives: the input's gradient summed into
    ``work``, each target's output row updated; returns (loss, LCG state)."""
    loss = 0.0
    for d in range(negative + 1):
        if d == 0:
            target = positive
            label = np.float32(1.0)
        else:
            state = (state * _LCG_MULT + _LCG_INC) & _LCG_MASK
            target = np.int64(((state >> np.uint64(16)) * n_words) >> np.uint64(32))
            state = (state * _LCG_MULT + _LCG_INC) & _LCG_MASK
            if (state >> np.uint64(16)) >= accept[target]:
                target = alias[target]
            if target == positive:
                continue
            label = np.float32(0.0)
        out_row = w_out[target]
        dot = _dot(l1, out_row)
        if dot >= _MAX_LOGIT:
            f = np.float32(1.0)
        elif dot <= -_MAX_LOGIT:
            f = np.float32(0.0)
        else:
            f = _SIGMOID[int((dot + _MAX_LOGIT) * _TABLE_SCALE)]
        # The loss uses -x for a positive target (+x for a negative one).
        signed = -dot if d == 0 else dot
        if signed >= _MAX_LOGIT:
            loss += signed
        elif signed > -_MAX_LOGIT:
            loss += _NEG_LOG_SIGMOID[int((_MAX_LOGIT - signed) * _TABLE_SCALE)]
        _step((label - f) * alpha, l1, out_row, work)
    return loss, state


@numba.njit(nogil=True, fastmath=True, cache=True)
def _train_chunk(
    tokens,
    bounds,
    w_in,
    w_out,
    ngram_vectors,
    ngram_indptr,
    ngram_rows,
    word_lock,
    anchors,
    anchor_rows,
    anchor_strength,
    thresholds,
    accept,
    alias,
    window,
    shrink_windows,
    negative,
    alpha_start,
    alpha_end,
    words_before,
    words_total,
    seed,
):
    """Train on one chunk of sentences; return (summed loss, pairs, tokens kept)."""
    dim = w_in.shape[1]
    subwords = ngram_vectors.shape[0] > 0
    state = np.uint64(seed) & _LCG_MASK
    n_words = np.uint64(accept.shape[0])
    kept = np.empty(tokens.shape[0], dtype=np.int32)
    l1 = np.empty(dim, dtype=np.float32)
    acc = np.empty(dim, dtype=np.float32)
    work = np.empty(dim, dtype=np.float32)
    loss = 0.0
    n_pairs = 0
    n_kept_total = 0
    for s in range(bounds.shape[0] - 1):
        start, end = bounds[s], bounds[s + 1]
        alpha = _sentence_alpha(alpha_start, alpha_end, words_before + start, words_total)
        n, state = _subsample(tokens, start, end, thresholds, state, kept)
        n_kept_total += n
        for i in range(n):
            w = kept[i]
            b, state = _window_shrink(state, window, shrink_windows)
            lo = max(0, i - window + b)
            hi = min(n, i + window + 1 - b)
            if hi - lo <= 1:
                continue
            if not subwords:
                # gensim's and word2vec.c's orientation: each context word's input row
                # predicts the centre. The objective is the same as the other way round, but
                # the rows then take the same updates as gensim's, and WordSim-353 agreed
                # with gensim's (0.520-0.523 against 0.523; the centre as input gave 0.509).
                for j in range(lo, hi):
                    if j == i:
                        continue
                    c = kept[j]
                    n_pairs += 1
                    work[:] = 0.0
                    pair_loss, state = _pair(
                        w_in[c], w, w_out, work, negative, state, accept, alias, n_words, alpha
                    )
                    loss += pair_loss
                    _axpy(word_lock[c], work, w_in[c])
                _anchor_pull(w_in, w, anchors, anchor_rows[w], alpha, anchor_strength)
                continue
            r0 = 0
            r1 = 0
            l1[:] = w_in[w]
            acc[:] = 0.0
            lock = word_lock[w]
            if subwords:
                r0 = ngram_indptr[w]
                r1 = ngram_indptr[w + 1]
                for r in range(r0, r1):
                    _axpy(np.float32(1.0), ngram_vectors[ngram_rows[r]], l1)
                inv = np.float32(1.0 / (r1 - r0 + 1))
                for k in range(dim):
                    l1[k] *= inv
                # Every row of the mean gets the full update (fastText, gensim), so the mean
                # moves by the update times the rows' mean lock factor.
                lock = (lock + (r1 - r0)) * inv
            for j in range(lo, hi):
                if j == i:
                    continue
                c = kept[j]
                n_pairs += 1
                work[:] = 0.0
                pair_loss, state = _pair(
                    l1, c, w_out, work, negative, state, accept, alias, n_words, alpha
                )
                loss += pair_loss
                _axpy(np.float32(1.0), work, acc)
                _axpy(lock, work, l1)
            _axpy(word_lock[w], acc, w_in[w])
            _anchor_pull(w_in, w, anchors, anchor_rows[w], alpha, anchor_strength)
            for r in range(r0, r1):
                _axpy(np.float32(1.0), acc, ngram_vectors[ngram_rows[r]])
    return loss, n_pairs, n_kept_total


def encode_chunks(documents, analyzer, index, batch_words):
    """Turn documents into chunks of in-vocabulary token ids.

    Parameters
    ----------
    documents : iterable of str
    analyzer : callable
    index : dict of str to int
        The vocabulary; other tokens are dropped before windows are drawn (as gensim does).
    batch_words : int
        Raw tokens per chunk (a chunk ends at the first document boundary past it).

    Yields
    ------
    tokens : ndarray of int32
        The chunk's token ids, sentences back to back.
    bounds : ndarray of int64
        Sentence ``s`` is ``tokens[bounds[s]:bounds[s + 1]]``.
    n_documents : int
        Documents read for this chunk.
    """
    get = index.get
    flat, lengths = [], []

    def flush():
        ids = np.fromiter(map(get, flat, repeat(-1)), dtype=np.int32, count=len(flat))
        keep = ids >= 0
        cumulative = np.zeros(len(flat) + 1, dtype=np.int64)
        np.cumsum(keep, out=cumulative[1:])
        ends = np.cumsum(lengths)
        kept_lengths = cumulative[ends] - cumulative[ends - np.asarray(lengths)]
        pieces = _split_long(kept_lengths)
        bounds = np.zeros(len(pieces) + 1, dtype=np.int64)
        np.cumsum(pieces, out=bounds[1:])
        return ids[keep], bounds, len(lengths)

    for doc in documents:
        tokens = analyzer(doc)
        flat.extend(tokens)
        lengths.append(len(tokens))
        if len(flat) >= batch_words:
            yield flush()
            flat, lengths = [], []
    if lengths:
        yield flush()


def _split_long(lengths):
    if not len(lengths) or lengths.max() <= MAX_SENTENCE_LENGTH:
        return lengths
    pieces = []
    for length in lengths.tolist():
        while length > MAX_SENTENCE_LENGTH:
            pieces.append(MAX_SENTENCE_LENGTH)
            length -= MAX_SENTENCE_LENGTH
        pieces.append(length)
    return np.array(pieces, dtype=np.int64)


def _chunk_seed(base_seed, epoch, chunk):
    """A 48-bit LCG seed per (epoch, chunk): the result does not depend on thread scheduling."""
    state = np.random.SeedSequence([base_seed, epoch, chunk]).generate_state(1, np.uint64)[0]
    return int(state) & (2**48 - 1)


def train_epochs(
    model,
    epoch_chunks,
    *,
    thresholds,
    noise,
    window,
    negative,
    shrink_windows,
    learning_rate,
    min_learning_rate,
    epochs,
    words_per_epoch,
    n_threads,
    seed,
    on_chunk=None,
):
    """Run ``epochs`` passes of skip-gram training over the chunks of ``epoch_chunks(epoch)``.

    Parameters
    ----------
    model : SGNSModel
        Updated in place.
    epoch_chunks : callable
        ``epoch_chunks(epoch)`` returns a fresh iterable of chunks from :func:`encode_chunks`.
    thresholds : ndarray of uint32
        Subsampling thresholds (see ``_vocab``).
    noise : (ndarray of uint64, ndarray of int32)
        The alias table of the noise distribution (see ``_vocab.alias_table``).
    words_per_epoch : int
        In-vocabulary tokens per epoch; the learning rate decays linearly over
        ``epochs * words_per_epoch`` from ``learning_rate`` to ``min_learning_rate``.
    n_threads : int
        Worker threads; 1 trains in the calling thread, bit-reproducibly.
    seed : int
        Base seed of the per-chunk random streams.
    on_chunk : callable, default=None
        ``on_chunk(epoch, n_words, loss, n_pairs)`` after each chunk, in chunk order.

    Returns
    -------
    loss_curve : list of float
        Mean loss per (centre, context) pair, one value per epoch.
    n_documents : list of int
        Documents read in each epoch.
    """
    words_total = float(epochs * words_per_epoch)

    def run(job):
        epoch, index, before, tokens, bounds = job
        return _train_chunk(
            tokens,
            bounds,
            model.input_vectors,
            model.output_vectors,
            model.ngram_vectors,
            model.ngram_indptr,
            model.ngram_rows,
            model.word_lock,
            model.anchors,
            model.anchor_rows,
            model.anchor_strength,
            thresholds,
            *noise,
            window,
            shrink_windows,
            negative,
            learning_rate,
            min_learning_rate,
            float(epoch * words_per_epoch + before),
            words_total,
            _chunk_seed(seed, epoch, index),
        )

    loss_curve, documents_read = [], []
    pool = ThreadPoolExecutor(n_threads) if n_threads > 1 else None
    try:
        for epoch in range(epochs):
            totals = [0.0, 0]
            n_documents = 0

            def done(job, result, totals=totals, epoch=epoch):
                loss, n_pairs, _ = result
                totals[0] += loss
                totals[1] += n_pairs
                if on_chunk is not None:
                    on_chunk(epoch, len(job[3]), loss, n_pairs)

            pending = deque()
            before = 0
            for index, (tokens, bounds, n_docs) in enumerate(epoch_chunks(epoch)):
                n_documents += n_docs
                job = (epoch, index, before, tokens, bounds)
                before += len(tokens)
                if pool is None:
                    done(job, run(job))
                    continue
                pending.append((job, pool.submit(run, job)))
                # A bounded queue: at most two chunks per thread wait in memory.
                while len(pending) > 2 * n_threads:
                    queued, future = pending.popleft()
                    done(queued, future.result())
            while pending:
                queued, future = pending.popleft()
                done(queued, future.result())
            documents_read.append(n_documents)
            loss_curve.append(totals[0] / max(totals[1], 1))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return loss_curve, documents_read


@numba.njit(nogil=True, cache=True)
def chunk_pairs(
    tokens,
    bounds,
    thresholds,
    window,
    shrink_windows,
    alpha_start,
    alpha_end,
    words_before,
    words_total,
    seed,
):
    """The (centre, context) pairs of one chunk, with each pair's learning rate.

    The same subsampling, windows and learning-rate schedule as the CPU kernel, for trainers
    that update in batches (the torch path). At most ``2 * window`` pairs per token.
    """
    state = np.uint64(seed) & _LCG_MASK
    kept = np.empty(tokens.shape[0], dtype=np.int32)
    capacity = tokens.shape[0] * 2 * window
    centres = np.empty(capacity, dtype=np.int32)
    contexts = np.empty(capacity, dtype=np.int32)
    alphas = np.empty(capacity, dtype=np.float32)
    n_pairs = 0
    for s in range(bounds.shape[0] - 1):
        start, end = bounds[s], bounds[s + 1]
        alpha = _sentence_alpha(alpha_start, alpha_end, words_before + start, words_total)
        n, state = _subsample(tokens, start, end, thresholds, state, kept)
        for i in range(n):
            b, state = _window_shrink(state, window, shrink_windows)
            for j in range(max(0, i - window + b), min(n, i + window + 1 - b)):
                if j != i:
                    centres[n_pairs] = kept[i]
                    contexts[n_pairs] = kept[j]
                    alphas[n_pairs] = alpha
                    n_pairs += 1
    return centres[:n_pairs], contexts[:n_pairs], alphas[:n_pairs]
