"""Skip-gram with negative sampling on a torch device (CUDA, MPS): batched sparse SGD.

The pairs of each chunk are drawn on the CPU by the same code as the CPU kernel (subsampling,
windows, learning-rate schedule); the device scores a step of pairs at once and adds every
pair's update to its rows with ``index_add_``, scaled so that a row seen ``k`` times in a step
moves by at most 16 times the mean of its updates (the plain sum diverges when a frequent word
fills a step). Plain SGD with manual updates: no autograd graph, no
optimizer state, the same memory as the CPU path.
"""

from __future__ import annotations

import numpy as np

from ._kernel import chunk_pairs

__all__ = ["train_epochs_torch"]

# Pairs per device step. Larger steps sum more updates of the same frequent word before any
# of them is applied, which destabilises training; 4096 trains as well as sequential SGD on
# the Lee corpus and keeps a GPU busy.
STEP_PAIRS = 4096
# Most updates of one row summed in a step (see _mean_factor): 16 steps of 0.025 stay stable.
MAX_SUMMED = 16.0


def train_epochs_torch(
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
    seed,
    device,
    on_chunk=None,
    step_pairs=STEP_PAIRS,
):
    """Train ``model`` on ``device``; the parameters are those of ``_sgns.train_epochs``.

    Returns
    -------
    loss_curve : list of float
        Mean loss per (centre, context) pair, one value per epoch.
    """
    import torch

    from ._kernel import _chunk_seed

    generator = torch.Generator(device=device)
    generator.manual_seed(int(seed))
    w_in = torch.from_numpy(model.input_vectors).to(device)
    w_out = torch.from_numpy(model.output_vectors).to(device)
    ngrams = torch.from_numpy(model.ngram_vectors).to(device)
    lock = torch.from_numpy(model.word_lock).to(device)
    anchors = torch.from_numpy(model.anchors).to(device)
    anchor_rows = torch.from_numpy(model.anchor_rows.astype(np.int64)).to(device)
    accept = torch.from_numpy(noise[0].astype(np.int64)).to(device)
    alias = torch.from_numpy(noise[1].astype(np.int64)).to(device)
    indptr = torch.from_numpy(model.ngram_indptr).to(device)
    rows = torch.from_numpy(model.ngram_rows.astype(np.int64)).to(device)
    n_ngrams = indptr[1:] - indptr[:-1]
    words_total = float(epochs * words_per_epoch)
    loss_curve = []
    for epoch in range(epochs):
        total_loss, total_pairs, before = 0.0, 0, 0
        for index, (tokens, bounds, _) in enumerate(epoch_chunks(epoch)):
            centres, contexts, alphas = chunk_pairs(
                tokens,
                bounds,
                thresholds,
                window,
                shrink_windows,
                learning_rate,
                min_learning_rate,
                float(epoch * words_per_epoch + before),
                words_total,
                _chunk_seed(seed, epoch, index),
            )
            before += len(tokens)
            chunk_loss = 0.0
            for start in range(0, len(centres), step_pairs):
                stop = start + step_pairs
                chunk_loss += _step(
                    torch.from_numpy(centres[start:stop]).to(device, torch.int64),
                    torch.from_numpy(contexts[start:stop]).to(device, torch.int64),
                    torch.from_numpy(alphas[start:stop]).to(device),
                    w_in,
                    w_out,
                    ngrams,
                    lock,
                    indptr,
                    rows,
                    n_ngrams,
                    accept,
                    alias,
                    negative,
                    generator,
                )
                if anchors.shape[0]:
                    _pull(
                        torch.from_numpy(centres[start:stop]).to(device, torch.int64),
                        float(alphas[start]) * model.anchor_strength,
                        w_in,
                        anchors,
                        anchor_rows,
                    )
            total_loss += chunk_loss
            total_pairs += len(centres)
            if on_chunk is not None:
                on_chunk(epoch, len(tokens), chunk_loss, len(centres))
        loss_curve.append(total_loss / max(total_pairs, 1))
    model.input_vectors[:] = w_in.cpu().numpy()
    model.output_vectors[:] = w_out.cpu().numpy()
    model.ngram_vectors[:] = ngrams.cpu().numpy()
    return loss_curve


def _step(
    centres,
    contexts,
    alphas,
    w_in,
    w_out,
    ngrams,
    lock,
    indptr,
    rows,
    n_ngrams,
    accept,
    alias,
    negative,
    generator,
):
    """One batched SGD step; returns the summed loss of its pairs."""
    import torch
    import torch.nn.functional as F

    n_pairs, n_words = centres.shape[0], accept.shape[0]
    subwords = ngrams.shape[0] > 0
    if subwords:
        # Each centre's n-gram rows, flattened, with the pair each belongs to.
        counts = n_ngrams[centres]
        owner = torch.repeat_interleave(torch.arange(n_pairs, device=centres.device), counts)
        first = torch.repeat_interleave(indptr[centres] - torch.cumsum(counts, 0) + counts, counts)
        ngram_rows = rows[first + torch.arange(owner.shape[0], device=centres.device)]
        l1 = w_in[centres].index_add_(0, owner, ngrams[ngram_rows])
        l1 /= (counts + 1).unsqueeze(1)
    else:
        l1 = w_in[centres]
    # Walker alias draws: a uniform column, then the column's word or its alias.
    column = torch.randint(n_words, (n_pairs, negative), generator=generator, device=centres.device)
    coin = torch.randint(2**32, (n_pairs, negative), generator=generator, device=centres.device)
    noise = torch.where(coin < accept[column], column, alias[column])
    targets = torch.cat([contexts.unsqueeze(1), noise], dim=1)
    labels = torch.zeros(targets.shape, dtype=l1.dtype, device=l1.device)
    labels[:, 0] = 1.0
    # A noise word equal to the context word is skipped, as word2vec does.
    valid = torch.ones_like(labels)
    valid[:, 1:] = (noise != contexts.unsqueeze(1)).to(l1.dtype)
    out = w_out[targets]
    logits = torch.einsum("pkd,pd->pk", out, l1)
    loss = (F.softplus(torch.where(labels > 0, -logits, logits)) * valid).sum()
    g = (labels - torch.sigmoid(logits)) * valid * alphas.unsqueeze(1)
    work = torch.einsum("pk,pkd->pd", g, out)
    flat_targets = targets.reshape(-1)
    out_update = (g * _mean_factor(flat_targets, w_out.shape[0]).view_as(g)).unsqueeze(2)
    w_out.index_add_(0, flat_targets, (out_update * l1.unsqueeze(1)).reshape(-1, l1.shape[1]))
    in_factor = lock[centres] * _mean_factor(centres, w_in.shape[0])
    w_in.index_add_(0, centres, work * in_factor.unsqueeze(1))
    if subwords:
        factor = _mean_factor(ngram_rows, ngrams.shape[0]).unsqueeze(1)
        ngrams.index_add_(0, ngram_rows, work[owner] * factor)
    return float(loss)


def _mean_factor(index, n_rows):
    """``min(1, MAX_SUMMED / k)`` for an entry whose row occurs ``k`` times in the step.

    A row then moves by at most ``MAX_SUMMED`` times its mean update per step. Summing all
    ``k`` updates diverges when a frequent word fills a step of a small vocabulary; taking
    their mean (or ``sqrt(k)`` times it) learns far too slowly. Measured on the Lee corpus,
    5 epochs: loss 2.74 with the cap (the CPU kernel: 2.68), 3.31 with ``sqrt(k)``.
    """
    import torch

    counts = torch.bincount(index, minlength=n_rows)[index].to(torch.float32)
    return torch.clamp(MAX_SUMMED / counts, max=1.0)


def _pull(centres, pull, w_in, anchors, anchor_rows):
    """The anchor penalty's step for the anchored rows of a step, once per row."""
    import torch

    words = torch.unique(centres)
    words = words[anchor_rows[words] >= 0]
    pull = min(pull, 1.0)
    w_in[words] -= pull * (w_in[words] - anchors[anchor_rows[words]])
