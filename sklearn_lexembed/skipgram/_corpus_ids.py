"""The corpus as token ids: tokenised once, in the counting pass, and read by every epoch.

Running the analyzer over the raw text again in every epoch cost about 60% of ``fit`` (GCIDE
definitions, five epochs). The counting pass instead writes each token as an int32 id (in
first-seen order, so ids mean nothing until the vocabulary is known) and each document's
length; an epoch maps the ids to vocabulary rows with one lookup array and cuts the same
chunks the raw text gave. The ids stay in memory up to a budget; past it they go to an
anonymous temporary file (unlinked as it is created, so nothing is left behind whatever
stops the fit) that the epochs read memory-mapped, so a corpus larger than memory still fits.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict

import numpy as np

__all__ = ["CorpusIds"]

# Tokens buffered as Python ints before they become an int32 block (and, over the budget, go
# to the file): bounds the buffer at a few tens of MB.
_BLOCK_TOKENS = 1 << 20


class CorpusIds:
    """Token ids of a corpus, appended document by document, then read in chunks.

    Parameters
    ----------
    memory_bytes : int
        Most bytes of ids held in memory; beyond them every id goes to a temporary file.
    """

    def __init__(self, memory_bytes):
        self._memory_bytes = memory_bytes
        ids = defaultdict()
        ids.default_factory = ids.__len__  # an unseen word gets the next id
        self._ids = ids
        self._lookup = ids.__getitem__
        self._pending = []
        self._pending_lengths = []
        self._blocks = []
        self._lengths = []
        self._counts = np.zeros(0, dtype=np.int64)
        self._file = None
        self._stream = None
        self.n_tokens = 0
        self.in_memory_bytes = 0
        self.peak_memory_bytes = 0

    # ------------------------------------------------------------ writing
    def add(self, tokens):
        """Append one document's tokens (a list of str)."""
        self._pending.extend(map(self._lookup, tokens))
        self._pending_lengths.append(len(tokens))
        if len(self._pending) >= _BLOCK_TOKENS:
            self._flush()

    def _flush(self):
        block = np.fromiter(self._pending, dtype=np.int32, count=len(self._pending))
        self._lengths.append(np.asarray(self._pending_lengths, dtype=np.int64))
        self._pending, self._pending_lengths = [], []
        self.n_tokens += len(block)
        counts = np.bincount(block, minlength=len(self._ids))
        counts[: len(self._counts)] += self._counts
        self._counts = counts
        if self._file is None and self.in_memory_bytes + block.nbytes > self._memory_bytes:
            # Over the budget: what is held so far goes to the file, and so will the rest.
            self._file = tempfile.TemporaryFile(prefix="sklearn-lexembed-corpus-")
            for held in self._blocks:
                held.tofile(self._file)
            self._blocks, self.in_memory_bytes = [], 0
        if self._file is not None:
            block.tofile(self._file)
        else:
            self._blocks.append(block)
            self.in_memory_bytes += block.nbytes
            self.peak_memory_bytes = max(self.peak_memory_bytes, self.in_memory_bytes)

    def finish(self):
        """End the writing: the counts and words are final, the stream is ready to read."""
        self._flush()
        self._lengths = np.concatenate(self._lengths)
        if self._file is not None:
            self._file.flush()
            self._stream = (
                np.memmap(self._file, dtype=np.int32, mode="r", shape=(self.n_tokens,))
                if self.n_tokens
                else np.zeros(0, dtype=np.int32)
            )
        else:
            self._stream = np.concatenate(self._blocks)
            self._blocks = []
        self._lookup = None

    @property
    def on_disk(self):
        """Whether the ids went to the temporary file."""
        return self._file is not None

    @property
    def n_documents(self):
        return len(self._lengths)

    def word_counts(self):
        """The distinct words in first-seen order and the occurrences of each."""
        return list(self._ids), self._counts

    # ------------------------------------------------------------ reading
    def chunks(self, rows, batch_words, split_long):
        """Chunks of vocabulary rows, as ``_kernel.encode_chunks`` cuts the raw text.

        Parameters
        ----------
        rows : ndarray of shape (n_distinct_words,), dtype int32
            The vocabulary row of each word id; -1 for a word not kept.
        batch_words : int
            Raw tokens per chunk (a chunk ends at the first document boundary past it).
        split_long : callable
            ``_kernel._split_long``: cuts the kept lengths of over-long documents.

        Yields
        ------
        tokens : ndarray of int32
        bounds : ndarray of int64
        n_documents : int
        """
        lengths = self._lengths
        ends = np.cumsum(lengths)
        starts = ends - lengths
        first = 0
        while first < len(lengths):
            target = starts[first] + batch_words
            last = min(int(np.searchsorted(ends, target, side="left")) + 1, len(lengths))
            begin, stop = int(starts[first]), int(ends[last - 1])
            ids = rows[self._stream[begin:stop]]
            keep = ids >= 0
            cumulative = np.zeros(len(ids) + 1, dtype=np.int64)
            np.cumsum(keep, out=cumulative[1:])
            doc_ends = ends[first:last] - begin
            kept_lengths = cumulative[doc_ends] - cumulative[doc_ends - lengths[first:last]]
            pieces = split_long(kept_lengths)
            bounds = np.zeros(len(pieces) + 1, dtype=np.int64)
            np.cumsum(pieces, out=bounds[1:])
            yield ids[keep], bounds, last - first
            first = last

    def close(self):
        """Free the ids and close (and so delete) the temporary file."""
        self._stream = None
        self._blocks = []
        if self._file is not None:
            self._file.close()
