"""Peer benchmark: sentence-transformers' own torch, ONNX fp32 and ONNX dynamic-int8 backends.

Encodes each corpus of DOCS.json ({"corpus name": [texts, ...]}) with three variants of one local
sentence-transformers model folder and writes the vectors and the timings:

- st_torch_fp32: SentenceTransformer(folder, device="cpu")
- st_onnx_fp32:  backend="onnx" (optimum exports the model to ONNX on load)
- st_onnx_int8:  export_dynamic_quantized_onnx_model(...) of that ONNX model, then loaded back

OUT.npz holds one float32 array per f"{variant}|{corpus}"; OUT.json beside it holds the versions,
threads, batch size, encode seconds and export seconds (ONNX export + load; int8 quantization +
load). Each encode is timed once, after a warm-up on the corpus' first 64 texts.

It runs in its own virtualenv, benchmarks/.venv-st-onnx (made by make_st_onnx_venv.sh), because
sentence-transformers' [onnx] extra (optimum-onnx) caps transformers below 4.58, which must never
enter the project's .venv. The model folder is copied to a temporary folder first (the export
writes into it) and nothing is fetched from the hub (HF_HUB_OFFLINE=1).

    benchmarks/.venv-st-onnx/bin/python benchmarks/peers/st_onnx.py --model FOLDER \\
        --docs DOCS.json --out OUT.npz --threads 2 --batch-size 32
"""

import argparse
import os
import sys

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--model", required=True, help="local sentence-transformers model folder")
parser.add_argument("--docs", required=True, help='JSON file {"corpus name": [texts, ...]}')
parser.add_argument("--out", required=True, help="output .npz (a .json lands beside it)")
parser.add_argument("--threads", type=int, default=2)
parser.add_argument("--batch-size", type=int, default=32)
parser.add_argument(
    "--quant-config", default="avx512_vnni", help="arm64, avx2, avx512, avx512_vnni"
)
args = parser.parse_args()

# Thread limits and offline mode must be set before numpy / torch / onnxruntime are imported.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[var] = str(args.threads)
os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"

import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib.metadata import PackageNotFoundError, version  # noqa: E402
from pathlib import Path  # noqa: E402

try:
    import numpy as np
    import onnxruntime as ort
    import optimum.onnxruntime  # noqa: F401  (the ONNX backend and the quantizer need it)
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model
except ImportError as exc:
    sys.exit(
        f"st_onnx.py: {exc}\nRun it with the separate virtualenv's python, made by "
        "`bash benchmarks/peers/make_st_onnx_venv.sh`:\n"
        "    benchmarks/.venv-st-onnx/bin/python benchmarks/peers/st_onnx.py ..."
    )

PACKAGES = (
    "sentence-transformers transformers optimum optimum-onnx onnxruntime onnx torch numpy".split()
)


def package_version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def main():
    torch.set_num_threads(args.threads)
    docs = json.loads(Path(args.docs).read_text())
    out = Path(args.out)
    session_options = ort.SessionOptions()
    session_options.intra_op_num_threads = args.threads
    session_options.inter_op_num_threads = 1
    ort_kwargs = {"provider": "CPUExecutionProvider", "session_options": session_options}
    vectors, seconds, export_seconds = {}, {}, {}

    def run(variant, model):
        for corpus, texts in docs.items():
            model.encode(texts[:64], batch_size=args.batch_size, normalize_embeddings=True)
            start = time.perf_counter()
            emb = model.encode(
                texts, batch_size=args.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )
            key = f"{variant}|{corpus}"
            seconds[key] = time.perf_counter() - start
            vectors[key] = np.asarray(emb, dtype=np.float32)
            print(f"{key:30s} {len(texts):7d} docs {seconds[key]:8.3f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="st_onnx_") as tmp:
        copy = str(Path(tmp) / "model")
        shutil.copytree(args.model, copy)

        run("st_torch_fp32", SentenceTransformer(copy, device="cpu"))

        start = time.perf_counter()
        onnx_model = SentenceTransformer(
            copy, device="cpu", backend="onnx", model_kwargs=ort_kwargs
        )
        export_seconds["st_onnx_fp32"] = time.perf_counter() - start
        run("st_onnx_fp32", onnx_model)

        start = time.perf_counter()
        export_dynamic_quantized_onnx_model(onnx_model, args.quant_config, copy)
        file_name = f"onnx/model_qint8_{args.quant_config}.onnx"
        int8_model = SentenceTransformer(
            copy, device="cpu", backend="onnx", model_kwargs={**ort_kwargs, "file_name": file_name}
        )
        export_seconds["st_onnx_int8"] = time.perf_counter() - start
        run("st_onnx_int8", int8_model)

    np.savez(out, **vectors)
    report = {
        "versions": {name: package_version(name) for name in PACKAGES},
        "threads": args.threads,
        "batch_size": args.batch_size,
        "quant_config": args.quant_config,
        "seconds": seconds,
        "export_seconds": export_seconds,
    }
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
