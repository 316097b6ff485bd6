"""Corpus training: the table learns to give the teacher's vector of each document.

model2vec's tokenlearn step, on the user's own corpus: each document's pooled static vector
(the mean of its tokens' rows) regresses onto the teacher's vector of the same document under a
cosine loss. A held-out share of the documents measures agreement with the teacher after every
epoch; training stops when it no longer improves and keeps the best epoch's table, so a small
corpus cannot overfit it.
"""

from __future__ import annotations

import numpy as np

from .._core.threads import torch_threads

__all__ = ["TrainedTable", "mean_cosine", "train_table"]


class TrainedTable:
    """What :func:`train_table` returns.

    Parameters
    ----------
    table : ndarray of shape (n_rows, n_dims), dtype float32
        The best epoch's table (the starting one if no epoch improved agreement).
    loss_curve : list of float
        Mean training loss (1 - cosine) of each epoch.
    validation_scores : list of float
        Mean cosine between pooled and teacher vectors of the held-out documents, before
        training (first entry) and after each epoch; empty without held-out documents.
    n_iter : int
        Epochs run.
    best_epoch : int
        Epochs behind the returned table (0: the starting table).
    """

    def __init__(self, table, loss_curve, validation_scores, n_iter, best_epoch):
        self.table = table
        self.loss_curve = loss_curve
        self.validation_scores = validation_scores
        self.n_iter = n_iter
        self.best_epoch = best_epoch


def _bags(sequences, positions):
    chosen = [sequences[i] for i in positions]
    lengths = np.fromiter((len(s) for s in chosen), dtype=np.int64, count=len(chosen))
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    flat = np.concatenate(chosen).astype(np.int64) if chosen else np.zeros(0, np.int64)
    return flat, offsets


def mean_cosine(table, sequences, targets):
    """Mean cosine between each document's mean row and its target (numpy, for reporting).

    Parameters
    ----------
    table : ndarray of shape (n_rows, n_dims)
    sequences : list of ndarray of int
        Row ids of each document; none empty.
    targets : ndarray of shape (n_documents, n_dims)

    Returns
    -------
    score : float
    """
    if not sequences:
        return float("nan")
    pooled = np.stack([table[s].mean(axis=0) for s in sequences])
    numerator = np.einsum("ij,ij->i", pooled, targets)
    norms = np.linalg.norm(pooled, axis=1) * np.linalg.norm(targets, axis=1)
    return float(np.mean(numerator / np.maximum(norms, np.finfo(np.float32).tiny)))


def train_table(
    table,
    sequences,
    targets,
    *,
    epochs,
    learning_rate,
    batch_size,
    validation_fraction,
    rng,
    device,
    n_threads,
    verbose=False,
):
    """Train the rows of ``table`` so each document's mean row points at its target.

    Parameters
    ----------
    table : ndarray of shape (n_rows, n_dims), dtype float32
        Starting rows (not modified).
    sequences : list of ndarray of int
        Row ids of each training document; none empty.
    targets : ndarray of shape (n_documents, n_dims), dtype float32
        The teacher's vector of each document, in the table's space.
    epochs : int
        Most passes over the documents.
    learning_rate : float
        Adam's step size (lazy Adam: only the rows a batch uses move).
    batch_size : int
        Documents per step.
    validation_fraction : float
        Share of the documents held out to measure agreement and stop early; 0 trains on
        all of them for ``epochs`` epochs.
    rng : numpy.random.RandomState
        Draws the held-out documents, the batch order and torch's seed.
    device : torch.device
    n_threads : int
        Torch CPU threads.
    verbose : bool, default=False
        A progress bar over epochs, with the loss and the held-out agreement.

    Returns
    -------
    trained : TrainedTable
    """
    import torch

    n_documents = len(sequences)
    order = rng.permutation(n_documents)
    n_held_out = int(round(validation_fraction * n_documents)) if n_documents > 1 else 0
    held_out, training = order[:n_held_out], order[n_held_out:]
    held_sequences = [sequences[i] for i in held_out]
    held_targets = targets[held_out]
    torch.manual_seed(int(rng.randint(np.iinfo(np.int32).max)))

    best = np.array(table, dtype=np.float32, copy=True)
    scores = [mean_cosine(best, held_sequences, held_targets)] if n_held_out else []
    best_score, best_epoch = (scores[0] if scores else -np.inf), 0
    losses = []
    epochs_bar = range(epochs)
    if verbose:
        from tqdm.auto import tqdm

        epochs_bar = tqdm(epochs_bar, desc="DistilledVectorizer corpus training", unit="epoch")
    with torch_threads(n_threads):
        bag = torch.nn.EmbeddingBag.from_pretrained(
            torch.from_numpy(best.copy()), freeze=False, mode="mean", sparse=True
        ).to(device)
        optimizer = torch.optim.SparseAdam(list(bag.parameters()), lr=learning_rate)
        target_tensor = torch.from_numpy(np.ascontiguousarray(targets)).to(device)
        for epoch in epochs_bar:
            shuffled = training[rng.permutation(len(training))]
            total = 0.0
            for start in range(0, len(shuffled), batch_size):
                positions = shuffled[start : start + batch_size]
                flat, offsets = _bags(sequences, positions)
                pooled = bag(
                    torch.from_numpy(flat).to(device), torch.from_numpy(offsets).to(device)
                )
                wanted = target_tensor[torch.from_numpy(positions).to(device)]
                loss = (1 - torch.nn.functional.cosine_similarity(pooled, wanted, dim=1)).mean()
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(positions)
            losses.append(total / max(len(shuffled), 1))
            if not n_held_out:
                best_epoch = epoch + 1
                continue
            current = bag.weight.detach().cpu().numpy()
            scores.append(mean_cosine(current, held_sequences, held_targets))
            if verbose:
                epochs_bar.set_postfix(loss=f"{losses[-1]:.4f}", agreement=f"{scores[-1]:.4f}")
            if scores[-1] > best_score:
                best_score, best_epoch = scores[-1], epoch + 1
                best = current.copy()
            else:
                break
        if not n_held_out:
            best = bag.weight.detach().cpu().numpy().copy()
    return TrainedTable(best, losses, scores, len(losses), best_epoch)
