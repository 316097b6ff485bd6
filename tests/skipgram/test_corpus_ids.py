"""The corpus is tokenised once: token ids in memory or in a temporary file, never left behind."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

from sklearn_lexembed import SkipGramVectorizer
from sklearn_lexembed.datasets import load_lee_corpus
from sklearn_lexembed.skipgram import _corpus_ids, _kernel
from sklearn_lexembed.skipgram._corpus_ids import CorpusIds

LEE = load_lee_corpus()
PARAMS = dict(vector_size=12, min_count=2, epochs=2, random_state=0, n_jobs=1, batch_size=700)


def analyze(doc):
    return doc.lower().split()


@pytest.fixture
def opened(monkeypatch):
    """Every temporary file the ids open, to check it is closed (and so gone) afterwards."""
    files = []
    original = tempfile.TemporaryFile

    def spy(*args, **kwargs):
        file = original(*args, **kwargs)
        # numba's cache probes its folder with TemporaryFile too: count only ours.
        if kwargs.get("prefix") == "sklearn-lexembed-corpus-":
            files.append(file)
        return file

    monkeypatch.setattr(_corpus_ids.tempfile, "TemporaryFile", spy)
    return files


def written(documents, memory_bytes):
    ids = CorpusIds(memory_bytes)
    for doc in documents:
        ids.add(analyze(doc))
    ids.finish()
    return ids


@pytest.mark.parametrize("memory_bytes", [10**9, 0])
def test_chunks_are_those_of_the_raw_text(memory_bytes, opened, monkeypatch):
    monkeypatch.setattr(_corpus_ids, "_BLOCK_TOKENS", 1000)  # several blocks
    # Empty documents and one longer than the kernel's sentence limit are cut the same way.
    documents = LEE[:60] + ["", "   "] + [" ".join(LEE[:40])] + LEE[60:80]
    ids = written(documents, memory_bytes)
    words, counts = ids.word_counts()
    assert ids.on_disk == (memory_bytes == 0) and len(opened) == (memory_bytes == 0)
    assert ids.n_documents == len(documents) and counts.sum() == ids.n_tokens
    # A vocabulary of the words seen twice or more, in another order than first seen.
    kept = sorted((w for w, c in zip(words, counts, strict=True) if c >= 2), key=len)
    index = {word: row for row, word in enumerate(kept)}
    rows = np.array([index.get(word, -1) for word in words], dtype=np.int32)
    for batch in (50, 700, 10**6):
        ours = list(ids.chunks(rows, batch, _kernel._split_long))
        expected = list(_kernel.encode_chunks(documents, analyze, index, batch))
        assert len(ours) == len(expected)
        for (a, b, n), (x, y, m) in zip(ours, expected, strict=True):
            np.testing.assert_array_equal(a, x)
            np.testing.assert_array_equal(b, y)
            assert n == m
    ids.close()
    assert all(file.closed for file in opened)


def test_memory_budget_is_respected(monkeypatch, opened):
    monkeypatch.setattr(_corpus_ids, "_BLOCK_TOKENS", 500)
    budget = 4 * 3000  # 3,000 ids
    ids = written(LEE, budget)
    assert ids.on_disk and ids.n_tokens > 3000
    assert 0 < ids.peak_memory_bytes <= budget
    assert ids.in_memory_bytes == 0  # once over the budget, everything went to the file
    assert isinstance(ids._stream, np.memmap)
    ids.close()
    assert opened[0].closed


@pytest.mark.parametrize("subwords", [False, True])
@pytest.mark.parametrize("cache_mb", [512, 0.01])
def test_same_vectors_as_tokenising_every_epoch(subwords, cache_mb, opened):
    once = SkipGramVectorizer(**PARAMS, subwords=subwords, corpus_cache_size=cache_mb).fit(LEE)
    again = SkipGramVectorizer(**PARAMS, subwords=subwords, max_vocab_size=10**9).fit(LEE)
    np.testing.assert_array_equal(once.word_vectors_.vectors, again.word_vectors_.vectors)
    np.testing.assert_array_equal(once.transform(LEE[:5]), again.transform(LEE[:5]))
    assert len(opened) == (cache_mb < 1)  # 0.01 MB: the ids went to the file
    assert all(file.closed for file in opened)


class _FailingCorpus:
    """Raises ``exc`` at document ``at`` of its first pass."""

    def __init__(self, documents, at, exc):
        self.documents, self.at, self.exc = documents, at, exc

    def __iter__(self):
        for i, doc in enumerate(self.documents):
            if i == self.at:
                raise self.exc("injected")
            yield doc


@pytest.mark.parametrize("exc", [ValueError, KeyboardInterrupt])
def test_the_file_is_gone_when_the_corpus_fails(exc, opened, monkeypatch):
    monkeypatch.setattr(_corpus_ids, "_BLOCK_TOKENS", 200)  # the file opens early
    before = set(os.listdir(tempfile.gettempdir()))
    vectorizer = SkipGramVectorizer(**PARAMS, corpus_cache_size=0.001)
    with pytest.raises(exc, match="injected"):
        vectorizer.fit(_FailingCorpus(LEE, 200, exc))
    assert len(opened) == 1 and opened[0].closed
    assert set(os.listdir(tempfile.gettempdir())) <= before
    assert not hasattr(vectorizer, "word_vectors_")


@pytest.mark.parametrize("exc", [ValueError, KeyboardInterrupt])
def test_the_file_is_gone_when_an_epoch_fails(exc, opened, monkeypatch):
    def failing(*args, **kwargs):
        raise exc("injected")

    monkeypatch.setattr(_kernel, "train_epochs", failing)
    with pytest.raises(exc, match="injected"):
        SkipGramVectorizer(**PARAMS, corpus_cache_size=0.001).fit(LEE)
    assert len(opened) == 1 and opened[0].closed
