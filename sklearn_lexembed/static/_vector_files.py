"""Vectors files read through gensim's loaders, and checked around them.

gensim parses the formats; it does not check that what it parsed is a table of vectors. Left
alone it loads a words-only or tab-separated file as 0-dimensional vectors, pads a short row
by broadcasting its values, leaves ``None`` words at the end of the vocabulary when a word is
listed twice, allocates whatever a header promises, and reports a damaged file without its
name or line. So, around each loader:

* before it runs, text files get one streaming pass over their lines (a few C-level byte
  operations per line, a small fraction of gensim's own parse), and a header is compared with
  the file's size, so nothing is allocated for rows the file cannot hold;
* when it fails, the file is read again to name the line (or the entry of a binary file);
* after it returns, duplicated words are dropped (the first vector wins, as gensim keeps it,
  with a warning naming both lines) and every vector is checked to be finite.

Formats are told apart by suffix and, for ``.bin``, by content (fastText's magic number or a
word2vec header). ``.kv`` / ``.model`` files are gensim pickles: loading one runs whatever code
it holds, which is why a pickled vectorizer never follows a reference to one unless asked
(``_resources.allow_unsafe_references``). Every other format is parsed, never unpickled.
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path

import numpy as np

from ._store import NonFiniteVectorError, WordVectors, first_nonfinite_row, nonfinite_message

__all__ = [
    "PICKLE_FORMATS",
    "file_format",
    "from_keyed_vectors",
    "pickle_companions",
    "read_vectors_file",
]

# Formats whose loading unpickles (and so may run code from the file).
PICKLE_FORMATS = frozenset({"gensim-pickle"})

_COMPRESSED = {".gz", ".bz2"}
_FASTTEXT_MAGIC = 793712314
# magic, version; the 12 int32 arguments (dim ... bucket at 10 ... lrUpdateRate) and t; the
# dictionary's size, nwords, nlabels, ntokens, pruneidx_size (fastText's Args/Dictionary::save).
_FASTTEXT_HEADER = struct.Struct("<2i12id3i2q")
_CHUNK = 1 << 22
_BINARY_CHUNK = 1 << 20
_MAX_DUPLICATES_SHOWN = 5


# ---------------------------------------------------------------- formats
def _suffix(path):
    suffixes = [s.lower() for s in Path(path).suffixes]
    base = [s for s in suffixes if s not in _COMPRESSED]
    return base[-1] if base else ""


def _compressed(path):
    return Path(path).suffix.lower() in _COMPRESSED


def _open(path):
    from gensim import utils

    return utils.open(os.fspath(path), "rb")


def file_format(path):
    """What ``path`` holds, from its suffix and, for ``.bin``, its first bytes.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    format : {"text", "word2vec-binary", "fasttext-binary", "gensim-pickle"}
        ``"text"`` covers GloVe files and word2vec text files, with or without a header.
    """
    kind = _suffix(path)
    if kind in {".kv", ".model"}:
        return "gensim-pickle"
    if kind != ".bin":
        return "text"
    try:
        with _open(path) as fin:
            start = fin.read(4)
    except (OSError, EOFError) as error:
        if not _compressed(path):
            raise
        raise ValueError(f"{os.fspath(path)!r}: could not decompress it ({error}).") from None
    if len(start) == 4 and int(np.frombuffer(start, "<i4")[0]) == _FASTTEXT_MAGIC:
        return "fasttext-binary"
    return "word2vec-binary"


def pickle_companions(path):
    """The ``<name>.*.npy`` arrays that gensim's ``save`` writes next to a large ``.kv``."""
    path = Path(path)
    return sorted(path.parent.glob(f"{path.name}.*.npy"))


# ------------------------------------------------------------ fingerprints
class _GensimSubwords:
    """Composes unseen words with a gensim FastText model's own n-gram buckets."""

    def __init__(self, keyed_vectors):
        self.keyed_vectors = keyed_vectors

    def compose(self, words):
        words = list(words)
        if not words:
            return np.zeros((0, self.keyed_vectors.vector_size), np.float32), np.zeros(0, bool)
        vectors = np.stack([self.keyed_vectors.get_vector(w) for w in words]).astype(np.float32)
        return vectors, np.any(vectors != 0, axis=1)


def from_keyed_vectors(kv, where=None, locate=None):
    """A :class:`WordVectors` over a gensim ``KeyedVectors``, checked.

    Parameters
    ----------
    kv : gensim KeyedVectors
    where : str, default=None
        Names the file ``kv`` was read from, in errors.
    locate : callable, default=None
        ``locate(word) -> str`` naming the word's line in that file.

    Returns
    -------
    store : WordVectors
    """
    # gensim fills "count" with made-up rank counts for files that carry none, so counts are
    # not taken from KeyedVectors; SIF pooling falls back on the frequency order of the rows.
    subwords = None
    if hasattr(kv, "vectors_ngrams"):
        bucket = first_nonfinite_row(kv.vectors_ngrams)
        if bucket is not None:
            raise ValueError(
                f"{where or 'The FastText vectors'}: n-gram bucket {bucket} holds NaN or inf; "
                "word vectors must be finite."
            )
        subwords = _GensimSubwords(kv)
    try:
        return WordVectors(kv.index_to_key, kv.vectors, subwords=subwords)
    except NonFiniteVectorError as error:
        if where is None:
            raise
        place = locate(error.word) if locate is not None else f"row {error.row}"
        message = nonfinite_message(error.word, kv.vectors[error.row], f"{where}, {place}")
        raise ValueError(message) from None
    except (TypeError, ValueError) as error:
        if where is None:
            raise
        raise type(error)(f"{where}: {error}") from None


def read_vectors_file(path):
    """Load a vectors file through gensim's loaders, checked as this module describes.

    Parameters
    ----------
    path : str
        An existing regular file.

    Returns
    -------
    store : WordVectors
    """
    from gensim.models import KeyedVectors

    where = repr(os.fspath(path))
    if os.path.getsize(path) == 0:
        raise ValueError(f"{where} is empty; expected a word-vectors file.")
    try:
        fmt = file_format(path)
        if fmt == "gensim-pickle":
            return from_keyed_vectors(KeyedVectors.load(os.fspath(path), mmap="r"), where)
        if fmt == "fasttext-binary":
            return from_keyed_vectors(_read_fasttext(path, where), where)
        if fmt == "word2vec-binary":
            return _read_word2vec_binary(path, where)
        return _read_text(path, where)
    except (OSError, EOFError) as error:
        if not _compressed(path):
            raise
        # gzip.BadGzipFile, bz2's "Invalid data stream", a stream cut short.
        raise ValueError(f"{where}: could not decompress it ({error}).") from None


# -------------------------------------------------------------- text files
def _header(line):
    """``(n_words, n_dims)`` when ``line`` is a word2vec header, else None."""
    parts = line.split()
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return int(parts[0]), int(parts[1])
    return None


def _check_header(header, where, n_bytes, min_row_bytes, header_bytes):
    """Refuse a header that is empty or promises more than the file can hold."""
    n_words, n_dims = header
    if n_words == 0 or n_dims == 0:
        raise ValueError(
            f"{where}: the header promises {n_words} words of {n_dims} dimensions; a vectors "
            "file needs at least one word and one dimension."
        )
    if n_bytes is None:
        return
    needed = header_bytes + n_words * min_row_bytes(n_dims)
    if needed > n_bytes:
        raise ValueError(
            f"{where}: the header promises {n_words:,} words of {n_dims:,} dimensions, which "
            f"take at least {needed:,} bytes, but the file holds {n_bytes:,}: it is truncated "
            "or its header is wrong."
        )


def _scan_text(path, where):
    """One pass over a text file: ``(has_header, n_rows, n_dims)``, or an error naming a line.

    Checks what gensim does not: a header that matches the rows, the same number of values on
    every line (gensim pads a short row by broadcasting), at least one value per word
    (gensim reads a words-only file as 0-dimensional vectors), no tabs (gensim splits on
    spaces only, so a tab-separated file is one long word per line), no empty line.
    """
    with _open(path) as fin:
        first = fin.readline()
        header = _header(first)
        if header is not None:
            n_bytes = None if _compressed(path) else os.path.getsize(path)
            # A row is at least a 1-byte word and n_dims space-separated 1-byte values.
            _check_header(header, where, n_bytes, lambda d: 2 * d + 1, len(first) - 1)
            lines, first_number, n_dims = fin, 2, header[1]
        else:
            lines, first_number, n_dims = _chain(first, fin), 1, None
        n_rows = 0
        for number, line in enumerate(lines, first_number):
            line = line.rstrip()
            if not line:
                raise ValueError(f"{where}, line {number}: the line is empty.")
            if b"\t" in line:
                raise ValueError(
                    f"{where}, line {number}: the line holds a tab. Vectors files separate the "
                    "word and its values by single spaces (GloVe, word2vec and fastText text "
                    "formats); convert a tab-separated file first."
                )
            n_values = line.count(b" ")
            if n_dims is None:
                if n_values == 0:
                    raise ValueError(
                        f"{where}, line {number}: the line holds a word and no values; a "
                        "vectors file has 'word value value ...' on each line."
                    )
                n_dims, first_line = n_values, number
            elif n_values != n_dims:
                source = "the header says" if header else f"as on line {first_line}"
                raise ValueError(
                    f"{where}, line {number}: expected {n_dims} values after the word "
                    f"({source}); got {n_values}."
                )
            n_rows += 1
    if n_rows == 0:
        raise ValueError(f"{where} holds a header and no vectors.")
    if header is not None and n_rows != header[0]:
        raise ValueError(
            f"{where}: the header promises {header[0]:,} words; the file holds {n_rows:,}."
        )
    return header is not None, n_rows, n_dims


def _chain(first, rest):
    yield first
    yield from rest


def _text_rows(path, has_header):
    """``(line number, line)`` of each vector line of a text file."""
    with _open(path) as fin:
        if has_header:
            fin.readline()
        yield from enumerate(fin, 2 if has_header else 1)


def _diagnose_text(path, where, has_header, error):
    """Name the line gensim could not read (it reports neither file nor line)."""
    for number, line in _text_rows(path, has_header):
        try:
            parts = line.decode("utf-8").rstrip().split(" ")
        except UnicodeDecodeError as bad:
            return ValueError(f"{where}, line {number}: not valid UTF-8 ({bad.reason}).")
        for value in parts[1:]:
            try:
                np.float32(value)
            except ValueError:
                return ValueError(f"{where}, line {number}: {value!r} is not a number.")
    return ValueError(f"{where}: gensim could not read the file ({error}).")


def _read_text(path, where):
    from gensim.models import KeyedVectors

    has_header, _, _ = _scan_text(path, where)
    try:
        with warnings.catch_warnings():
            # With no_header, gensim reopens the file and leaves the second handle to the
            # garbage collector (released when its reader returns, inside this block).
            warnings.simplefilter("ignore", ResourceWarning)
            kv = KeyedVectors.load_word2vec_format(
                os.fspath(path), binary=False, no_header=not has_header
            )
    except (ValueError, UnicodeDecodeError) as error:
        raise _diagnose_text(path, where, has_header, error) from None

    def rows():
        for number, line in _text_rows(path, has_header):
            word = line.decode("utf-8").rstrip().split(" ")[0]
            yield word, f"line {number}"

    return _store_of(kv, where, rows, "lines")


# ------------------------------------------------------------ binary files
def _content_size(path):
    if not _compressed(path):
        return os.path.getsize(path)
    size = 0
    with _open(path) as fin:
        while chunk := fin.read(_CHUNK):
            size += len(chunk)
    return size


def _binary_entries(path, n_dims):
    """``(entry number, word bytes, offset)`` of each complete entry of a word2vec binary file.

    Only for naming an entry in an error: gensim's reader does the loading.
    """
    row_bytes = 4 * n_dims
    with _open(path) as fin:
        offset = len(fin.readline())
        buffer, number = b"", 0
        while True:
            chunk = fin.read(_BINARY_CHUNK)
            buffer += chunk
            start = 0
            while True:
                space = buffer.find(b" ", start)
                if space == -1 or len(buffer) - space - 1 < row_bytes:
                    break
                number += 1
                word = buffer[start:space].lstrip(b"\n")
                yield number, word, offset + space - len(word)
                start = space + 1 + row_bytes
            offset += start
            buffer = buffer[start:]
            if not chunk:
                return


def _read_word2vec_binary(path, where):
    from gensim.models import KeyedVectors

    with _open(path) as fin:
        first = fin.readline()
    header = _header(first)
    if header is None:
        # Without a word2vec header, a .bin may be a fastText file of the format before the
        # magic number (2017); gensim's fastText reader knows it.
        try:
            return from_keyed_vectors(_read_fasttext(path, where), where)
        except ValueError:
            raise ValueError(
                f"{where} is neither a word2vec binary file (its first line is not "
                "'<n_words> <n_dims>') nor a fastText binary file."
            ) from None
    # An entry is at least a 1-byte word, a space and n_dims float32 values.
    _check_header(header, where, _content_size(path), lambda d: 4 * d + 2, len(first))
    n_words, n_dims = header
    try:
        kv = KeyedVectors.load_word2vec_format(os.fspath(path), binary=True)
    except (EOFError, ValueError, UnicodeDecodeError) as error:
        complete, offset = 0, len(first)
        for number, word, offset in _binary_entries(path, n_dims):
            try:
                word.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise ValueError(
                    f"{where}, entry {number} at byte {offset:,}: the word is not valid UTF-8 "
                    f"({bad.reason})."
                ) from None
            complete = number
        if complete < n_words:
            raise ValueError(
                f"{where}: the file ends after {complete:,} complete entries of the {n_words:,} "
                f"its header promises (entry {complete + 1} is cut off): it is truncated."
            ) from None
        raise ValueError(f"{where}: gensim could not read the file ({error}).") from None

    def rows():
        for number, word, offset in _binary_entries(path, n_dims):
            yield word.decode("utf-8"), f"entry {number} at byte {offset:,}"

    return _store_of(kv, where, rows, "entries")


def _check_fasttext_header(path, where):
    """Refuse a fastText header that promises more rows than the file holds, before gensim
    allocates them (its reader sizes the input matrix from the header)."""
    with _open(path) as fin:
        start = fin.read(_FASTTEXT_HEADER.size)
    if len(start) < _FASTTEXT_HEADER.size:
        return  # too short to promise anything: gensim's reader reports the truncation
    fields = _FASTTEXT_HEADER.unpack(start)
    if fields[0] != _FASTTEXT_MAGIC:
        return  # the format before the magic number: no fixed header to check
    n_dims, bucket, n_words = fields[2], fields[10], fields[16]
    if min(n_dims, bucket, n_words) < 0 or n_dims == 0:
        raise ValueError(
            f"{where}: its fastText header is damaged (dim={n_dims}, bucket={bucket}, "
            f"nwords={n_words})."
        )
    # The input matrix alone is (nwords + bucket) x dim float32 values.
    needed = _FASTTEXT_HEADER.size + 4 * (n_words + bucket) * n_dims
    n_bytes = _content_size(path)
    if needed > n_bytes:
        raise ValueError(
            f"{where}: the fastText header promises {n_words:,} words and {bucket:,} n-gram "
            f"buckets of {n_dims:,} dimensions, which take at least {needed:,} bytes, but the "
            f"file holds {n_bytes:,}: it is truncated or its header is wrong."
        )


def _read_fasttext(path, where):
    from gensim.models.fasttext import load_facebook_vectors

    _check_fasttext_header(path, where)
    try:
        return load_facebook_vectors(os.fspath(path))
    except MemoryError:
        raise
    except Exception as error:  # struct.error, EOFError, AssertionError...: a damaged file
        raise ValueError(
            f"{where}: could not read it as a fastText binary file ({type(error).__name__}: "
            f"{error}); it is truncated or not a fastText model."
        ) from None


# ------------------------------------------------ duplicates, then values
def _store_of(kv, where, rows, unit):
    """The checked store of a text or word2vec binary file gensim has read.

    gensim keeps the first vector of a word listed twice and leaves a ``None`` word (and a
    zero row) at the end of the vocabulary for each repeat; they are dropped here, with a
    warning that names the words and their lines.
    """
    n_unique = len(kv.key_to_index)
    if n_unique < len(kv.index_to_key):
        _warn_duplicates(where, rows, unit)
        kv.index_to_key = kv.index_to_key[:n_unique]
        kv.vectors = kv.vectors[:n_unique]

    def locate(word):
        for candidate, place in rows():
            if candidate == word:
                return place
        return "its line"  # pragma: no cover - the word came from the file

    return from_keyed_vectors(kv, where, locate)


def _warn_duplicates(where, rows, unit):
    seen, repeats = {}, []
    for word, place in rows():
        if word in seen:
            repeats.append(f"{word!r} ({unit} {_number(seen[word])} and {_number(place)})")
        else:
            seen[word] = place
    shown = ", ".join(repeats[:_MAX_DUPLICATES_SHOWN])
    more = len(repeats) - _MAX_DUPLICATES_SHOWN
    warnings.warn(
        f"{where} lists {len(repeats)} word(s) more than once: {shown}"
        + (f" and {more} more" if more > 0 else "")
        + ". The first vector of each is kept (gensim's rule); the repeats are ignored.",
        UserWarning,
        stacklevel=4,
    )


def _number(place):
    """``"line 7"`` -> ``"7"``; ``"entry 3 at byte 40"`` -> ``"3"``."""
    return place.split(" ")[1]
