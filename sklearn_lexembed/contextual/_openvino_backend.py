"""The OpenVINO inference backend: the plain float32 ONNX export compiled for the CPU.

OpenVINO reads the unfused export (``_onnx_files`` variant ``"plain"``; ONNX Runtime's fused
operators are not ONNX standard) and compiles it for the CPU it runs on, in float32 (its
default on CPUs with bfloat16 units would be bfloat16). Compiled models are kept in the
package's process cache per file and thread count. An infer request is made per call: requests
are not thread-safe, and making one costs microseconds.
"""

from __future__ import annotations

import os
from contextlib import nullcontext

from .._core.cache import cached
from ._mask_pooling import mask_pool_array
from ._onnx_files import require_runtime

__all__ = ["OpenVinoEncoder", "openvino_model"]


def openvino_model(path, n_threads):
    """The compiled OpenVINO model of ``path`` on ``n_threads`` threads (cached).

    Parameters
    ----------
    path : path-like
    n_threads : int

    Returns
    -------
    compiled : openvino.CompiledModel
    """
    openvino = require_runtime("plain")

    def load():
        settings = {"INFERENCE_NUM_THREADS": int(n_threads), "INFERENCE_PRECISION_HINT": "f32"}
        return openvino.Core().compile_model(str(path), "CPU", settings)

    stat = os.stat(path)
    return cached(("openvino-model", str(path), stat.st_mtime_ns, int(n_threads)), load)


class OpenVinoEncoder:
    """Runs a compiled OpenVINO model on the batches of ``padded_batches``.

    Parameters
    ----------
    compiled : openvino.CompiledModel
        From :func:`openvino_model`; its graph returns the hidden states of one layer.
    """

    def __init__(self, compiled):
        self.compiled = compiled
        self.output = compiled.output(0)

    def running(self):
        """Nothing to set up per call: the compiled model owns its threads."""
        return nullcontext()

    def hidden(self, ids, mask):
        """Hidden states, float32 ndarray of shape (n_sequences, n_tokens, n_dims)."""
        request = self.compiled.create_infer_request()
        return request.infer({"input_ids": ids, "attention_mask": mask})[self.output]

    def pool(self, ids, mask, method):
        """Pooled rows, float32 ndarray of shape (n_sequences, n_dims)."""
        return mask_pool_array(self.hidden(ids, mask), mask, method)
