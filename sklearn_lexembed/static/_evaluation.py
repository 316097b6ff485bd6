"""Word-vector evaluation: word-pair similarity and analogies, with gensim's rules and numbers.

gensim scores one question at a time; here a whole file is scored in blocked matrix products
(analogies walk the vocabulary in cache-sized tiles with a running top-k). The lexical
benchmarks these functions read ship inside gensim's wheel (:func:`evaluation_path`).
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["evaluate_word_analogies", "evaluate_word_pairs", "evaluation_path"]

# Queries per matrix-product block in the batched analogy evaluation.
_QUERY_BLOCK = 1024
# Vocabulary rows per tile of the analogy search: a 1024 x 8192 float32 score block is 32 MB.
_TABLE_TILE = 8192
# gensim's analogy rule looks at the top 5 candidates after excluding the query words.
_ANALOGY_TOPN = 5


def evaluation_path(name):
    """Path of one of gensim's bundled evaluation files.

    Parameters
    ----------
    name : str
        ``"wordsim353.tsv"``, ``"simlex999.txt"``, ``"questions-words.txt"`` or another file
        of ``gensim/test/test_data``.

    Returns
    -------
    path : str
        The file's absolute path inside the installed gensim package.

    Examples
    --------
    >>> from sklearn_lexembed.datasets import evaluation_path
    >>> evaluation_path("wordsim353.tsv").endswith("wordsim353.tsv")
    True
    """
    from gensim.test.utils import datapath

    return datapath(name)


def _evaluation_vocab(store, restrict_vocab, case_insensitive):
    # As gensim: the first `restrict_vocab` words; with case folding the most frequent case
    # variant (the earliest row) wins.
    limit = len(store) if restrict_vocab is None else min(int(restrict_vocab), len(store))
    fold = str.upper if case_insensitive else (lambda w: w)
    vocab = {}
    for index in range(limit):
        vocab.setdefault(fold(store.words[index]), index)
    return vocab, fold, limit


def evaluate_word_pairs(
    store,
    pairs,
    delimiter="\t",
    encoding="utf8",
    restrict_vocab=300000,
    case_insensitive=True,
    dummy4unknown=False,
):
    """Spearman/Pearson of ``store``'s similarities against a word-pair file; see
    :meth:`WordVectors.evaluate_word_pairs`.
    """
    from scipy import stats

    vocab, fold, _ = _evaluation_vocab(store, restrict_vocab, case_insensitive)
    gold, left, right, scored_known = [], [], [], []
    n_oov = 0
    with open(pairs, encoding=encoding) as fin:
        for line in fin:
            if not line or line.startswith("#"):
                continue
            try:
                a, b, score = (fold(field) for field in line.split(delimiter))
                score = float(score)
            except (ValueError, TypeError):
                continue
            in_vocab = a in vocab and b in vocab
            if not in_vocab:
                n_oov += 1
                if not dummy4unknown:
                    continue
            gold.append(score)
            left.append(vocab.get(a, 0))
            right.append(vocab.get(b, 0))
            scored_known.append(in_vocab)
    if not gold:
        raise ValueError(f"No valid similarity judgements found in {pairs}.")
    unit = store.unit_vectors
    model = np.einsum("ij,ij->i", unit[left], unit[right])
    model = np.where(scored_known, model, np.float32(0.0))
    oov_ratio = float(n_oov) / (len(gold) + n_oov * (not dummy4unknown)) * 100
    return stats.pearsonr(gold, model), stats.spearmanr(gold, model), oov_ratio


def evaluate_word_analogies(
    store, analogies, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False
):
    """Analogy accuracy of ``store`` with 3CosAdd, batched; see
    :meth:`WordVectors.evaluate_word_analogies`.
    """
    vocab, fold, limit = _evaluation_vocab(store, restrict_vocab, case_insensitive)
    sections, questions, rows = [], [], []
    with open(analogies, encoding="utf8", errors="replace") as fin:
        for line_no, line in enumerate(fin):
            if line.startswith(": "):
                sections.append(
                    {"section": line.lstrip(": ").strip(), "correct": [], "incorrect": []}
                )
                continue
            if not sections:
                raise ValueError(f"Missing section header before line #{line_no} in {analogies}.")
            words = [fold(w) for w in line.split()]
            if len(words) != 4:
                continue
            if all(w in vocab for w in words):
                questions.append((sections[-1], tuple(words)))
                rows.append([vocab[w] for w in words])
            elif dummy4unknown:
                sections[-1]["incorrect"].append(tuple(words))
    predictions = _answer_analogies(
        store, np.array(rows, dtype=np.int64).reshape(-1, 4), limit, vocab, fold
    )
    for (section, words), predicted in zip(questions, predictions):
        section["correct" if predicted == words[3] else "incorrect"].append(words)
    total = {
        "section": "Total accuracy",
        "correct": list(itertools.chain.from_iterable(s["correct"] for s in sections)),
        "incorrect": list(itertools.chain.from_iterable(s["incorrect"] for s in sections)),
    }
    n_answered = len(total["correct"]) + len(total["incorrect"])
    score = len(total["correct"]) / n_answered if n_answered else 0.0
    sections.append(total)
    return score, sections


def _answer_analogies(store, rows, limit, vocab, fold):
    import torch

    unit = torch.from_numpy(np.ascontiguousarray(store.unit_vectors[:limit]))
    predictions = []
    for start in range(0, len(rows), _QUERY_BLOCK):
        block = torch.from_numpy(rows[start : start + _QUERY_BLOCK])
        # b - a + c on unit vectors, then normalised: gensim's weighted mean up to a scale.
        query = unit[block[:, 1]] - unit[block[:, 0]] + unit[block[:, 2]]
        query = query / query.norm(dim=1, keepdim=True).clamp_min(1e-12)
        # The best word almost always passes gensim's rule (in the vocabulary, not a case
        # variant of a query word): take the best per tile with a running max, and rank
        # the top 5 only for the questions where it does not pass.
        best = _tiled_topk(query, unit, 1, exclude=block[:, :3])[:, 0].numpy()
        questions = rows[start : start + _QUERY_BLOCK]
        answers = [_analogy_answer(store, q, [b], vocab, fold) for q, b in zip(questions, best)]
        retry = [i for i, answer in enumerate(answers) if answer is None]
        if retry:
            top = _tiled_topk(query[retry], unit, _ANALOGY_TOPN, block[retry, :3]).numpy()
            for i, candidates in zip(retry, top):
                answers[i] = _analogy_answer(
                    store, questions[i], candidates, vocab, fold, last_resort=True
                )
        predictions.extend(answers)
    return predictions


def _analogy_answer(store, question, candidates, vocab, fold, last_resort=False):
    """gensim's rule: the first candidate in the vocabulary that is not a query word."""
    ignore = {fold(store.words[i]) for i in question[:3]}
    predicted = None
    for index in candidates:
        predicted = fold(store.words[index])
        if predicted in vocab and predicted not in ignore:
            return predicted
    # gensim keeps the last candidate it looked at, which then counts as wrong.
    return predicted if last_resort else None


def _tiled_topk(queries, table, k, exclude):
    """Indices of the ``k`` best rows of ``table`` for each query, excluding given rows.

    The table is walked in tiles small enough for the score block to stay in cache; each
    tile's top-k is merged into a running top-k. Writing one full (queries x 400k) score
    matrix per block instead costs more in memory traffic than the products themselves.
    """
    import torch

    n_queries = queries.shape[0]
    best_scores = torch.full((n_queries, k), float("-inf"))
    best_index = torch.zeros((n_queries, k), dtype=torch.int64)
    query_rows = torch.arange(n_queries).unsqueeze(1).expand_as(exclude)
    for first in range(0, table.shape[0], _TABLE_TILE):
        tile = table[first : first + _TABLE_TILE]
        scores = queries @ tile.T
        local = exclude - first
        inside = (local >= 0) & (local < tile.shape[0])
        scores[query_rows[inside], local[inside]] = float("-inf")
        if k == 1:
            tile_scores, tile_index = scores.max(dim=1)
            better = tile_scores > best_scores[:, 0]
            best_scores[better, 0] = tile_scores[better]
            best_index[better, 0] = tile_index[better] + first
            continue
        tile_scores, tile_index = torch.topk(scores, min(k, tile.shape[0]), dim=1)
        merged_scores = torch.cat([best_scores, tile_scores], dim=1)
        merged_index = torch.cat([best_index, tile_index + first], dim=1)
        best_scores, order = torch.topk(merged_scores, k, dim=1)
        best_index = torch.gather(merged_index, 1, order)
    return best_index
