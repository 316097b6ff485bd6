"""Export a transformers encoder to ONNX, fuse it for ONNX Runtime, and quantize it to int8.

Only run when the file cache (``_onnx_files``) misses: this module imports
torch and transformers, the cached path imports neither.

The recipe, each step chosen by measurement on all-MiniLM-L6-v2 (docs/benchmarks.md):

* torch's TorchScript exporter (opset 17) over the model loaded with eager attention: the
  eager graph is the one ONNX Runtime's transformer optimizer fuses into its ``Attention``,
  ``SkipLayerNormalization`` and ``BiasGelu`` kernels (the SDPA graph fuses no attention and
  ran 10-25% slower);
* the fused graph is checked against torch on a probe batch and replaced by the plain export
  if it differs (a model whose patterns the optimizer misreads);
* int8: dynamic quantization with per-channel int8 weights and per-batch uint8 activations,
  applied to the ``MatMul`` and fused ``Attention`` nodes, except the feed-forward
  down-projections (a weight with more rows than columns) of the first half of the layers,
  whose GELU inputs carry the outliers that cost most of the accuracy. On 2,300 mixed real
  texts (``benchmarks/bench_int8_recipes.py``; mean / minimum cosine to float32, supersense
  accuracy change, docs/s on 2 cores): every node quantized 0.9929 / 0.982, -0.0040, 421; this
  recipe 0.9958 / 0.991, +0.0003, 364; every down-projection in float32 0.9963 / 0.990,
  -0.0023, 339; ONNX Runtime's defaults (per-tensor, every operator) 0.957 / 0.906, -0.0075.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import numpy as np

__all__ = ["OPSET", "RECIPE", "export_encoder"]

OPSET = 17
# Bumped whenever the recipe changes the written graph, so older cached files are not reused.
RECIPE = 2
# Largest difference to torch's hidden states that the fused graph may show on the probe.
_FUSION_TOLERANCE = 1e-4


def _probe_inputs(config):
    rng = np.random.default_rng(0)
    vocab = int(config.vocab_size)
    ids = rng.integers(low=min(1000, vocab - 1), high=vocab, size=(2, 12), dtype=np.int64)
    mask = np.ones_like(ids)
    mask[1, 8:] = 0
    return ids, mask


def _run(path, ids, mask, runtime):
    """The graph's output on the probe, run by the runtime that will serve it."""
    if runtime == "openvino":
        import openvino

        compiled = openvino.Core().compile_model(
            str(path), "CPU", {"INFERENCE_PRECISION_HINT": "f32"}
        )
        return compiled({"input_ids": ids, "attention_mask": mask})[compiled.output(0)]
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]


def _masked_gap(a, b, mask):
    real = mask.astype(bool)
    return float(np.abs(a[real] - b[real]).max())


def _early_down_projections(path):
    """The MatMul nodes whose weight maps a wider input to a narrower output (the
    feed-forward down-projections), first half in graph order (the early layers)."""
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    shapes = {init.name: tuple(init.dims) for init in model.graph.initializer}
    names = []
    for node in model.graph.node:
        if node.op_type == "MatMul" and len(node.input) > 1:
            shape = shapes.get(node.input[1])
            if shape is not None and len(shape) == 2 and shape[0] > shape[1]:
                names.append(node.name)
    return names[: (len(names) + 1) // 2]


def export_encoder(folder, layer_index, variant, target, trust_remote_code=False):
    """Write the ONNX model returning hidden layer ``layer_index`` of ``folder``'s encoder.

    Parameters
    ----------
    folder : str
        A local transformers model folder.
    layer_index : int
        0 is the embedding layer, ``n_layers`` the last.
    variant : {"fp32", "int8", "plain"}
        Fused for ONNX Runtime in float32 or int8, or the plain float32 export (OpenVINO).
    target : path-like
        The file to write (the caller writes into a temporary folder and renames).
    trust_remote_code : bool, default=False
        Passed to transformers' ``from_pretrained``.

    Raises
    ------
    ValueError
        If the exported graph does not reproduce torch's hidden states.
    """
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    target = Path(target)
    work = target.parent
    bar_was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(
            folder,
            attn_implementation="eager",
            dtype=torch.float32,
            trust_remote_code=bool(trust_remote_code),
        )
    finally:
        if bar_was_enabled:
            hf_logging.enable_progress_bar()
    model.eval()
    config = model.config
    last = layer_index == int(config.num_hidden_layers)

    class Encoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            output = self.model(
                input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=not last
            )
            return output.last_hidden_state if last else output.hidden_states[layer_index]

    ids, mask = _probe_inputs(config)
    encoder = Encoder()
    with torch.inference_mode():
        expected = encoder(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    plain = work / "plain.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            encoder,
            (torch.from_numpy(ids), torch.from_numpy(mask)),
            str(plain),
            dynamo=False,
            opset_version=OPSET,
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "hidden": {0: "batch", 1: "tokens"},
            },
        )
    runtime = "openvino" if variant == "plain" else "onnxruntime"
    gap = _masked_gap(_run(plain, ids, mask, runtime), expected, mask)
    if not gap <= _FUSION_TOLERANCE:
        raise ValueError(
            f"The ONNX export of {folder!r} differs from torch by {gap:.2e} on a probe batch; "
            "this model cannot use backend='onnx'. Use backend='torch'."
        )
    if variant == "plain":
        os.replace(plain, target)
        return
    best = _fuse(plain, config, ids, mask, expected, work)
    if variant == "int8":
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantized = work / "int8.onnx"
        # The quantizer logs advice about pre-processing to the root logger; not for users.
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(
                str(best),
                str(quantized),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul", "Attention"],
                nodes_to_exclude=_early_down_projections(best),
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            logging.disable(logging.NOTSET)
        best = quantized
    os.replace(best, target)


def _fuse(plain, config, ids, mask, expected, work):
    """ONNX Runtime's transformer fusions, kept only if they reproduce the probe."""
    from onnxruntime.transformers.optimizer import optimize_model

    fused = work / "fused.onnx"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optimized = optimize_model(
                str(plain),
                model_type="bert",
                num_heads=int(getattr(config, "num_attention_heads", 0) or 0),
                hidden_size=int(getattr(config, "hidden_size", 0) or 0),
            )
            optimized.save_model_to_file(str(fused))
        gap = _masked_gap(_run(fused, ids, mask, "onnxruntime"), expected, mask)
    except Exception:  # an optimizer that cannot read this graph: the plain export stands
        return plain
    return fused if gap <= _FUSION_TOLERANCE else plain
