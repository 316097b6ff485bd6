"""The composed-vector cache: bounded, exact after eviction, consistent when interrupted."""

from __future__ import annotations

import dis
import sys
import threading

import numpy as np
import pytest

from sklearn_lexembed import GloveVectorizer
from sklearn_lexembed.static import _oov
from sklearn_lexembed.static._oov import ComposedVectors, composed_vectors
from sklearn_lexembed.static._subword import SubwordTable

N_DIMS = 4
# A bucket-mode table: every word has n-grams with a row, so every vector is non-zero.
TABLE = SubwordTable(
    np.random.default_rng(0).normal(size=(97, N_DIMS)).astype(np.float32), 3, 5, bucket=97
)


def _words(prefix, n):
    return [f"{prefix}{i}w" for i in range(n)]


def _expected(words):
    """Each word composed on its own: the vector any cache state must give back."""
    return np.concatenate([TABLE.compose([word])[0] for word in words])


def _vectors(cache, words):
    rows, matrix = cache.lookup(words)
    return matrix[rows]


def _small_cache(capacity):
    return ComposedVectors(TABLE, N_DIMS, max_bytes=capacity * (4 * N_DIMS + _oov._ENTRY_BYTES))


def test_capacity_follows_the_byte_budget():
    # 32 MiB over (4 bytes x n_dims + 200 bytes of index) per word.
    assert ComposedVectors(TABLE, 50).capacity == 32 * 2**20 // 400
    assert ComposedVectors(TABLE, 300).capacity == 32 * 2**20 // 1400
    assert _small_cache(7).capacity == 7
    assert ComposedVectors(TABLE, N_DIMS, max_bytes=1).capacity == 1


def test_lookup_gives_each_words_own_composition_in_any_batch():
    cache = _small_cache(100)
    words = ["zqa", "bqb", "zqa", "ccqq", "bqb"]
    rows, matrix = cache.lookup(words)
    # One row per distinct word, in order of first occurrence.
    assert rows.tolist() == [0, 1, 0, 2, 1]
    np.testing.assert_array_equal(matrix[rows], _expected(words))
    # Hits and new words mixed.
    mixed = ["new1", "ccqq", "zqa", "new2"]
    np.testing.assert_array_equal(_vectors(cache, mixed), _expected(mixed))


def test_cache_is_bounded_and_eviction_changes_no_result():
    # The reproduction, scaled: 30 calls of new unseen words each used to grow the
    # cache by every word (30 x 30,000 words, +300 MB with GloVe).
    cache = _small_cache(500)
    first_seen = {}
    for call in range(30):
        words = _words(f"c{call}x", 300)
        vectors = _vectors(cache, words)
        first_seen.update(zip(words, vectors))
        assert len(cache) <= 500
    assert len(cache) == 500
    # The oldest words were evicted; asked again, they come back bit for bit.
    old = _words("c0x", 300)
    assert not any(word in cache._rows for word in old)
    np.testing.assert_array_equal(_vectors(cache, old), np.stack([first_seen[w] for w in old]))
    np.testing.assert_array_equal(_vectors(cache, old), _expected(old))


def test_one_call_with_more_new_words_than_the_cache_holds():
    cache = _small_cache(10)
    words = _words("big", 25)
    np.testing.assert_array_equal(_vectors(cache, words), _expected(words))
    assert len(cache) == 10
    # The last ten stay, as if added one by one.
    assert sorted(cache._rows) == sorted(words[-10:])
    np.testing.assert_array_equal(_vectors(cache, words[::-1]), _expected(words[::-1]))


def test_the_returned_matrix_is_the_callers():
    cache = _small_cache(3)
    rows, matrix = cache.lookup(["keep1", "keep2"])
    before = matrix.copy()
    cache.lookup(_words("evict", 6))  # overwrites every row of the cache
    np.testing.assert_array_equal(matrix, before)


def test_glove_cache_stays_within_its_budget(monkeypatch):
    words = ["cat", "dog", "car", "the", "sat"]
    matrix = np.random.default_rng(1).normal(size=(5, N_DIMS)).astype(np.float32)
    monkeypatch.setattr(_oov, "_CACHE_BYTES", 200 * (4 * N_DIMS + _oov._ENTRY_BYTES))
    vectorizer = GloveVectorizer(vectors=(words, matrix), oov="subword").fit([])
    reference = GloveVectorizer(vectors=(words, matrix), oov="subword").fit([])
    probe = ["cats dogsz", "the carts"]
    expected = reference.transform(probe)
    for call in range(30):
        vectorizer.transform([" ".join(_words(f"g{call}x", 100))])
    cache = composed_vectors(vectorizer.word_vectors_, 3, 6)
    assert cache.capacity == 200 and len(cache) == 200
    # Results do not depend on what the cache holds or evicted.
    np.testing.assert_array_equal(vectorizer.transform(probe), expected)


# ------------------------------------------------------------------ fault injection
def _traced_codes():
    return {
        getattr(ComposedVectors, name).__code__
        for name in ("lookup", "_keep")
        if hasattr(ComposedVectors, name)
    }


def _with_exit_offsets(code):
    """Offsets of the bytecodes by which a ``with`` block that ends normally calls __exit__.

    ``LOAD_CONST None`` three times, then the call (``PRECALL``/``CALL`` 2): none of them
    can fail, and the interpreter delivers a signal only once a call has returned (the lock
    is then released), so an error injected there models no real fault.
    """
    instructions = list(dis.get_instructions(code))
    offsets = set()
    for i in range(len(instructions) - 3):
        window = instructions[i : i + 3]
        if all(ins.opname == "LOAD_CONST" and ins.argval is None for ins in window):
            offsets.update(ins.offset for ins in window)
            for ins in instructions[i + 3 :]:
                offsets.add(ins.offset)
                if ins.opname == "CALL":
                    break
    return offsets


def _raise_at_opcode(n, error, call):
    """Run ``call()``, raising ``error`` before the n-th bytecode of the cache's methods.

    An interrupt (a signal) lands between two bytecodes; a MemoryError from C code, as one
    of them runs: this puts each of them at every possible point (but the with statement's
    own exit, see :func:`_with_exit_offsets`). Returns the number of bytecodes counted when
    ``n`` is past the end (no error raised).
    """
    codes, count = _traced_codes(), 0
    skipped = {(code, offset) for code in codes for offset in _with_exit_offsets(code)}

    def local(frame, event, arg):
        nonlocal count
        if event == "opcode" and (frame.f_code, frame.f_lasti) not in skipped:
            count += 1
            if count == n:
                raise error
        return local

    def start(frame, event, arg):
        if frame.f_code in codes:
            frame.f_trace_opcodes = True
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(start)
    try:
        call()
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("error", [KeyboardInterrupt, MemoryError])
def test_an_interrupt_at_any_bytecode_leaves_the_cache_consistent(error):
    cached = _words("old", 4)
    batch = ["old1", "new1", "old3", "new2", "new3", "new1"]

    def prepared():
        cache = _small_cache(6)
        cache.lookup(cached)  # six rows, four used: the batch both fills and evicts
        return cache

    cache = prepared()
    n_opcodes = _raise_at_opcode(0, error, lambda: cache.lookup(batch))
    assert n_opcodes > 100  # the tracer does see the cache's code
    interrupted = 0
    for n in range(1, n_opcodes + 1):
        cache = prepared()
        try:
            _raise_at_opcode(n, error, lambda cache=cache: cache.lookup(batch))
        except error:
            interrupted += 1
        # Whatever was interrupted, the lock is free and every answer is exact.
        assert cache._lock.acquire(blocking=False), n
        cache._lock.release()
        for words in (batch, cached, batch + cached + ["other"]):
            np.testing.assert_array_equal(_vectors(cache, words), _expected(words), err_msg=n)
        assert len(cache) <= cache.capacity
    assert interrupted == n_opcodes


def test_an_error_in_compose_changes_nothing(monkeypatch):
    cache = _small_cache(5)
    cache.lookup(["a1b", "a2b"])
    state = (dict(cache._rows), cache._matrix.copy(), cache._next)

    def failing(words):
        raise MemoryError("no memory for the composition")

    monkeypatch.setattr(cache._table, "compose", failing)
    with pytest.raises(MemoryError, match="no memory for the composition"):
        cache.lookup(["a1b", "brand", "new"])
    assert (dict(cache._rows), cache._next) == (state[0], state[2])
    np.testing.assert_array_equal(cache._matrix, state[1])
    monkeypatch.undo()
    words = ["a1b", "brand", "new"]
    np.testing.assert_array_equal(_vectors(cache, words), _expected(words))


def test_threads_share_one_cache_and_get_exact_vectors():
    cache = _small_cache(50)
    words = [_words(f"t{k}x", 40) + _words("shared", 20) for k in range(8)]
    results = [None] * len(words)

    def work(k):
        for _ in range(5):
            results[k] = _vectors(cache, words[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(words))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k, got in enumerate(results):
        np.testing.assert_array_equal(got, _expected(words[k]))
    assert len(cache) <= 50
