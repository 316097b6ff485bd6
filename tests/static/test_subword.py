import tracemalloc

import numpy as np
import pytest

from sklearn_lexembed.static import _subword
from sklearn_lexembed.static._subword import SubwordTable, ngram_hashes


def _fnv1a(data: bytes) -> int:
    h = 2166136261
    for byte in data:
        h = ((h ^ byte) * 16777619) % 2**32
    return h


def _reference_hashes(word, min_n, max_n):
    wrapped = f"<{word}>".encode()
    return [
        _fnv1a(wrapped[start : start + n])
        for n in range(min_n, max_n + 1)
        for start in range(len(wrapped) - n + 1)
    ]


def test_hashes_match_a_plain_python_fnv1a():
    words = ["ab", "where", "", "naïve", "x" * 40]
    indptr, hashes = ngram_hashes(words, 3, 6)
    for i, word in enumerate(words):
        got = sorted(hashes[indptr[i] : indptr[i + 1]].tolist())
        assert got == sorted(_reference_hashes(word, 3, 6)), word


def test_csr_layout_counts():
    # "<ab>" has 4 bytes: two 3-grams and one 4-gram; "" is "<>" with no 3-gram.
    indptr, hashes = ngram_hashes(["ab", ""], 3, 6)
    assert indptr.tolist() == [0, 3, 3]
    assert hashes.dtype == np.uint32


def test_many_words_cross_chunk_boundaries():
    words = [f"w{i}" for i in range(70000)]
    indptr, hashes = ngram_hashes(words, 3, 3)
    assert len(indptr) == 70001
    assert hashes[indptr[69999] : indptr[70000]].tolist() == _reference_hashes("w69999", 3, 3)


def test_bucket_compose_is_the_mean_of_ngram_rows():
    bucket = 7
    vectors = np.arange(14, dtype=np.float32).reshape(7, 2)
    table = SubwordTable(vectors, 3, 3, bucket=bucket)
    rows = [h % bucket for h in _reference_hashes("ab", 3, 3)]
    composed, found = table.compose(["ab"])
    np.testing.assert_allclose(composed[0], vectors[rows].mean(axis=0))
    assert found.tolist() == [True]


def test_keys_mode_unknown_word_is_zero_and_not_found():
    table = SubwordTable.from_word_vectors(
        ["cat", "cats", "dog", "dogs"], np.eye(4, dtype=np.float32), 3, 4
    )
    composed, found = table.compose(["cat", "zzzz"])
    assert found.tolist() == [True, False]
    assert not composed[1].any()
    assert composed[0].any()


def test_table_needs_one_layout():
    with pytest.raises(ValueError, match="exactly one of 'bucket' or 'keys'"):
        SubwordTable(np.zeros((2, 2)), 3, 6)


def test_heldout_words_compose_near_their_true_vectors(glove_store):
    # Remove 300 words from the vocabulary, learn n-grams from the rest, compose them back.
    rng = np.random.default_rng(0)
    held_out = rng.choice(np.arange(5000, 50000), 300, replace=False)
    keep = np.ones(len(glove_store), dtype=bool)
    keep[held_out] = False
    words = [w for w, k in zip(glove_store.words, keep) if k]
    table = SubwordTable.from_word_vectors(words, np.asarray(glove_store.vectors)[keep], 3, 6)
    composed, found = table.compose([glove_store.words[i] for i in held_out])
    assert found.mean() > 0.95
    unit = composed / np.linalg.norm(composed, axis=1, keepdims=True).clip(1e-9)
    truth = glove_store.unit_vectors[held_out]
    chance = glove_store.unit_vectors[rng.choice(50000, 300)]
    own = np.einsum("ij,ij->i", unit, truth)
    other = np.einsum("ij,ij->i", unit, chance)
    # Measured 0.46 against about 0.0 for random words.
    assert own.mean() > other.mean() + 0.3
    assert (own > other).mean() > 0.85


# ------------------------------------------------------ blocked hashing, bounded memory
def _one_padded_block(words, min_n, max_n):
    """The previous path: every word padded to the longest one, in one matrix."""
    counts, hashes = _subword._hash_block(_subword._encode(words), min_n, max_n)
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, hashes


def test_blocked_hashing_equals_one_padded_block(monkeypatch):
    rng = np.random.default_rng(0)
    letters = list("abcdéxyzñ") + ["\u4e16", "\U0001f600"]
    words = ["".join(rng.choice(letters, rng.integers(0, 30))) for _ in range(3000)]
    words[17] = "z" * 3000  # one long word in the middle
    words += ["", "a", "ab", "x" * 40]
    # Small budgets: many blocks, a block of the long word alone, words reordered by length.
    monkeypatch.setattr(_subword, "_CELLS_PER_BLOCK", 500)
    monkeypatch.setattr(_subword, "_CHUNK", 64)
    assert len(_subword._blocks(np.array([len(w) for w in _subword._encode(words)]))) > 50
    for min_n, max_n in [(3, 6), (1, 2), (5, 5)]:
        got_indptr, got_hashes = ngram_hashes(words, min_n, max_n)
        indptr, hashes = _one_padded_block(words, min_n, max_n)
        np.testing.assert_array_equal(got_indptr, indptr)
        np.testing.assert_array_equal(got_hashes, hashes)


def test_a_long_token_costs_memory_for_its_own_length_only():
    # The case was one 50,000-character token among 3,616 unseen words: padding
    # every word to it asked for a 2.7 GiB array (7 GiB traced at peak). Here 2,000 words and a
    # 20,000-character token, which the padded path would take about 1.6 GiB for.
    words = [f"w{i}q" for i in range(1999)] + ["x" * 20000]
    table = SubwordTable(np.ones((31, 2), dtype=np.float32), 3, 6, bucket=31)
    tracemalloc.start()
    try:
        composed, found = table.compose(words)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.all()
    # The output is 80,000 n-grams of the long token and 40,000 of the rest: a few MB.
    assert peak < 32 * 2**20, peak / 2**20


def test_hashing_many_words_is_done_in_bounded_blocks():
    lengths = np.array([3] * 100_000 + [50_000] + [10] * 10)
    blocks = _subword._blocks(lengths)
    assert sorted(np.concatenate(blocks).tolist()) == list(range(len(lengths)))
    for block in blocks:
        cells = len(block) * lengths[block].max()
        assert len(block) == 1 or cells <= _subword._CELLS_PER_BLOCK
        assert len(block) <= _subword._CHUNK


def test_lone_surrogates_hash_as_surrogatepass_bytes():
    words = ["\ud800", "a\udfffb", "x\udc80y"]
    indptr, hashes = ngram_hashes(words, 3, 4)
    for i, word in enumerate(words):
        wrapped = f"<{word}>".encode("utf-8", "surrogatepass")
        expected = [
            _fnv1a(wrapped[start : start + n])
            for n in (3, 4)
            for start in range(len(wrapped) - n + 1)
        ]
        assert hashes[indptr[i] : indptr[i + 1]].tolist() == expected
    composed, found = SubwordTable(np.eye(5, dtype=np.float32), 3, 4, bucket=5).compose(words)
    assert found.all() and np.isfinite(composed).all()
