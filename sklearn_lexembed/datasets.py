"""Small real text sets that ship inside gensim's wheel, for examples, tests and benchmarks.

Nothing is downloaded: the files are part of gensim's test data.
"""

from __future__ import annotations

import numpy as np

__all__ = ["evaluation_path", "load_lee_corpus", "load_polarity"]


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
    """
    from gensim.test.utils import datapath

    return datapath(name)


def load_polarity():
    """The 200 labelled movie-review sentences of Pang and Lee's polarity data.

    Returns
    -------
    texts : list of str
        The sentences (decoded from Latin-1, as the file is encoded).
    labels : ndarray of shape (200,), dtype int
        1 for a positive review, 0 for a negative one.

    Examples
    --------
    >>> from sklearn_lexembed.datasets import load_polarity
    >>> texts, labels = load_polarity()
    >>> len(texts), int(labels.sum())
    (200, 100)
    """
    texts, labels = [], []
    with open(evaluation_path("pang_lee_polarity.cor"), encoding="latin-1") as fin:
        for line in fin:
            label, _, text = line.partition(" ")
            texts.append(text.strip())
            labels.append(1 if label == "__label__pos" else 0)
    return texts, np.array(labels)


def load_lee_corpus():
    """The Lee background corpus: 300 news documents (about 60,000 tokens).

    Returns
    -------
    documents : list of str

    Examples
    --------
    >>> from sklearn_lexembed.datasets import load_lee_corpus
    >>> len(load_lee_corpus())
    300
    """
    with open(evaluation_path("lee_background.cor"), encoding="utf-8") as fin:
        return [line.strip() for line in fin if line.strip()]
