"""Which nodes the int8 recipe keeps in float32: speed against quality, on the same texts.

Every variant quantizes MiniLM's fused float32 graph (ours, from ``backend="onnx"``) with
per-channel int8 weights on the ``MatMul`` and ``Attention`` nodes, and keeps the feed-forward
down-projections of the first k layers in float32 (k = 0, 1, 2, 3 (shipped), 6). Each variant
runs through our own tokenising, batching and pooling (batch_size=32, 2 intra-op threads) on the
mixed corpus of bench_contextual (2,000 short sentences + 300 Lee documents, shuffled), three
times in alternation (best and median docs/s), and is scored by cosine to the float32 vectors and
by the 5-fold accuracy change of logistic regression on the WordNet supersense glosses.

Run: ``.venv/bin/python benchmarks/bench_int8_recipes.py``
"""

import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from _common import RESULTS_DIR, command_line, git_revision, load_average, versions, write_results
from bench_contextual import (
    THREADS,
    _Swapped,
    accuracy,
    corpora,
    cosines,
    labelled_glosses,
)


def main():
    warnings.simplefilter("ignore")
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from sklearn_lexembed import ContextualVectorizer
    from sklearn_lexembed.contextual._onnx_backend import OnnxEncoder, onnx_session

    lines = []

    def log(text=""):
        print(text, flush=True)
        lines.append(text)

    log(
        f"{versions('onnxruntime', 'onnx', 'scikit-learn')}; threads={THREADS}; git {git_revision(True)}"
    )
    mix = corpora(False)["mix"]
    glosses, labels, n_classes = labelled_glosses(4000)
    onnx_dir = tempfile.mkdtemp(prefix="lexembed-onnx-")

    def fitted():
        return ContextualVectorizer(
            normalize=True, batch_size=32, n_jobs=THREADS, backend="onnx", onnx_dir=onnx_dir
        ).fit([])

    reference = fitted()
    reference_mix = reference.transform(mix)
    reference_accuracy = accuracy(reference.transform(glosses), labels)
    graph = onnx.load(str(reference._onnx_file), load_external_data=False).graph
    shapes = {init.name: tuple(init.dims) for init in graph.initializer}
    downs = [
        node.name
        for node in graph.node
        if node.op_type == "MatMul"
        and len(shapes.get(node.input[1], ())) == 2
        and shapes[node.input[1]][0] > shapes[node.input[1]][1]
    ]
    encoders = {}
    for k in (0, 1, 2, 3, len(downs)):
        path = Path(onnx_dir) / f"int8-float-downs-{k}.onnx"
        quantize_dynamic(
            str(reference._onnx_file),
            str(path),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul", "Attention"],
            nodes_to_exclude=downs[:k],
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        encoders[k] = _Swapped(fitted(), OnnxEncoder(onnx_session(path, THREADS)))
    log(
        f"mixed corpus {len(mix)} docs; {len(glosses)} glosses, {n_classes} classes; "
        f"{len(downs)} down-projections"
    )
    quality, times = {}, {k: [] for k in encoders}
    for repeat in range(3):
        for k, encoder in encoders.items():
            start = time.perf_counter()
            vectors = encoder.transform(mix)
            times[k].append(time.perf_counter() - start)
            if repeat == 0:
                c = cosines(vectors, reference_mix)
                quality[k] = (c.mean(), c.min(), accuracy(encoder.transform(glosses), labels))
        log(f"  round {repeat + 1} done | load {load_average()}")
    log(
        "\n| down-projections kept float32 | best docs/s | median docs/s | mean cos | min cos | accuracy vs fp32 |"
    )
    log("|---|---|---|---|---|---|")
    for k in encoders:
        mean, low, acc = quality[k]
        log(
            f"| first {k} | {len(mix) / min(times[k]):.1f} | {len(mix) / np.median(times[k]):.1f} "
            f"| {mean:.4f} | {low:.4f} | {acc - reference_accuracy:+.4f} |"
        )
    write_results(
        RESULTS_DIR / "int8_recipes.md",
        "# int8 recipe: which nodes stay float32 (issue 18)\n\n"
        f"Command: `{command_line()}`\n\n```\n" + "\n".join(lines) + "\n```\n",
    )


if __name__ == "__main__":
    main()
