"""The ONNX Runtime inference backend: sessions over exported files, pooled rows.

Sessions are kept in the package's process cache per file and thread count, so clones and
repeated calls pay no set-up; once the exported file exists (``_onnx_files``), this path imports
neither torch nor transformers.
"""

from __future__ import annotations

from contextlib import nullcontext

from ._mask_pooling import mask_pool_array
from ._onnx_files import cached_runtime, require_runtime

__all__ = ["ExportedEncoder", "OnnxEncoder", "onnx_session"]


def onnx_session(path, n_threads):
    """An ONNX Runtime session for ``path`` on ``n_threads`` intra-op threads (cached).

    Parameters
    ----------
    path : path-like
    n_threads : int

    Returns
    -------
    session : onnxruntime.InferenceSession
    """
    ort = require_runtime("fp32")

    def load():
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(n_threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    return cached_runtime("onnx-session", path, n_threads, load)


class ExportedEncoder:
    """What the backends running an exported graph share: no per-call set-up (the runtime owns
    its threads) and pooling in numpy. Subclasses implement :meth:`hidden`."""

    def running(self):
        """Nothing to set up per call."""
        return nullcontext()

    def hidden(self, ids, mask):
        """Hidden states, float32 ndarray of shape (n_sequences, n_tokens, n_dims)."""
        raise NotImplementedError

    def pool(self, ids, mask, method):
        """Pooled rows, float32 ndarray of shape (n_sequences, n_dims)."""
        return mask_pool_array(self.hidden(ids, mask), mask, method)


class OnnxEncoder(ExportedEncoder):
    """Runs an ONNX Runtime session on the batches of ``padded_batches``.

    Parameters
    ----------
    session : onnxruntime.InferenceSession
        From :func:`onnx_session`; its graph returns the hidden states of one layer.
    """

    def __init__(self, session):
        self.session = session

    def hidden(self, ids, mask):
        """Hidden states, float32 ndarray of shape (n_sequences, n_tokens, n_dims)."""
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
