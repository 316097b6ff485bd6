"""The OpenVINO inference backend: the plain float32 ONNX export compiled for the CPU.

OpenVINO reads the unfused export (``_onnx_files`` variant ``"plain"``; ONNX Runtime's fused
operators are not ONNX standard) and compiles it for the CPU it runs on, in float32 (its
default on CPUs with bfloat16 units would be bfloat16). Compiled models are kept in the
package's process cache per file and thread count. An infer request is made per call: requests
are not thread-safe, and making one costs microseconds.
"""

from __future__ import annotations

from ._onnx_backend import ExportedEncoder
from ._onnx_files import cached_runtime, require_runtime

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

    return cached_runtime("openvino-model", path, n_threads, load)


class OpenVinoEncoder(ExportedEncoder):
    """Runs a compiled OpenVINO model on the batches of ``padded_batches``.

    Parameters
    ----------
    compiled : openvino.CompiledModel
        From :func:`openvino_model`; its graph returns the hidden states of one layer.
    """

    def __init__(self, compiled):
        self.compiled = compiled
        self.output = compiled.output(0)

    def hidden(self, ids, mask):
        """Hidden states, float32 ndarray of shape (n_sequences, n_tokens, n_dims)."""
        request = self.compiled.create_infer_request()
        return request.infer({"input_ids": ids, "attention_mask": mask})[self.output]
