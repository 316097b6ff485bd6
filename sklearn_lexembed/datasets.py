"""Small real text sets that ship inside gensim's wheel, for examples, tests and benchmarks.

Nothing is downloaded: the files are part of gensim's test data.
"""

from __future__ import annotations

import numpy as np

from .static._evaluation import evaluation_path

__all__ = ["evaluation_path", "load_lee_corpus", "load_mini_newsgroups", "load_polarity"]


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
        The 300 documents, one per non-blank line of the file, stripped.

    Examples
    --------
    >>> from sklearn_lexembed.datasets import load_lee_corpus
    >>> len(load_lee_corpus())
    300
    """
    with open(evaluation_path("lee_background.cor"), encoding="utf-8") as fin:
        return [line.strip() for line in fin if line.strip()]


def load_mini_newsgroups():
    """200 Usenet posts from ``alt.atheism`` and ``sci.space`` (a subset of 20 Newsgroups).

    The headers are cut off, since they name the newsgroup: a classifier must learn the topic
    from the body (about 66,000 words in all).

    Returns
    -------
    texts : list of str
        The posts' bodies.
    labels : ndarray of shape (200,), dtype int
        0 for ``alt.atheism``, 1 for ``sci.space``.

    Examples
    --------
    >>> from sklearn_lexembed.datasets import load_mini_newsgroups
    >>> texts, labels = load_mini_newsgroups()
    >>> len(texts), sorted(set(labels.tolist()))
    (200, [0, 1])
    """
    import io
    import pickle
    import zlib

    class BunchAsDict(pickle.Unpickler):
        # The file is a compressed Python 2 pickle of an old scikit-learn Bunch; only that one
        # class is swapped for a dict, everything else unpickles as usual.
        def find_class(self, module, name):
            return dict if name == "Bunch" else super().find_class(module, name)

    with open(evaluation_path("mini_newsgroup"), "rb") as fin:
        bunch = BunchAsDict(io.BytesIO(zlib.decompress(fin.read())), encoding="latin-1").load()
    texts = [post.partition("\n\n")[2] for post in bunch["data"]]
    return texts, np.asarray(bunch["target"], dtype=int)
