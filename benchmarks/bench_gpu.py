"""One scripted GPU run: skip-gram on CUDA against the numba kernel, ContextualVectorizer in
bfloat16 and float16 against float32.

The GPU machine is bare and offline, and at most 64 MiB of files travel to it, so the run is in
two steps:

1. Here (any machine with the project's ``.venv``)::

       .venv/bin/python benchmarks/bench_gpu.py --prepare .gpu

   writes ``.gpu/``: the first ``--tokens`` tokens of GCIDE definitions (``corpora.py``, package
   ``dict-gcide``) as one document per line, WordSim-353 and SimLex-999 (from gensim's wheel),
   and the bundled all-MiniLM-L6-v2 with its weights stored as float16 (45 MB instead of 90; the
   float32 reference there is those weights upcast, so every precision is compared on the same
   weights). Add ``.gpu/`` to ``.git/info/exclude`` and name it in the device tool's ``carry``.
2. There (``python3`` holds torch, transformers, numba, scikit-learn)::

       python3 benchmarks/bench_gpu.py --data .gpu --out $OUT

   writes ``gpu.json`` and ``gpu.md`` to ``--out``: skip-gram words/s, WS353 and SimLex on CUDA
   (the torch path) and on the CPU (the numba kernel, every core), same corpus and seed; and
   ContextualVectorizer docs/s per dtype on CUDA with the mean cosine of each dtype's vectors to
   the float32 ones. Sized to finish in under 8 minutes on one H100/H200.

``--device cpu`` runs the same script on the CPU (the torch path on the torch CPU device), which
is how it is checked on a machine without a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's sklearn_lexembed, installed or not
SKIPGRAM = dict(vector_size=100, window=5, negative=5, min_count=5, epochs=5, random_state=0)


def prepare(folder, n_tokens):
    """Write the corpus, the word-pair files and a float16 copy of the bundled model."""
    sys.path.insert(0, str(HERE))
    from corpora import gcide_documents
    from safetensors.numpy import load_file, save_file

    from sklearn_lexembed.contextual._loading import model_folder, resolve_model
    from sklearn_lexembed.datasets import evaluation_path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    documents, total = [], 0
    for document in gcide_documents():
        documents.append(document.replace("\n", " "))
        total += len(document.split())
        if total >= n_tokens:
            break
    (folder / "corpus.txt").write_text("\n".join(documents) + "\n", encoding="utf-8")
    for name in ("wordsim353.tsv", "simlex999.txt"):
        shutil.copy(evaluation_path(name), folder / name)
    name = "sentence-transformers/all-MiniLM-L6-v2"
    source = Path(model_folder(name, resolve_model(name)))
    target = folder / "minilm"
    target.mkdir(exist_ok=True)
    for file in source.iterdir():
        if file.is_file() and file.suffix != ".safetensors" and file.stat().st_size < 5e6:
            shutil.copy(file, target / file.name)
    weights = load_file(str(source / "model.safetensors"))
    save_file(
        {k: v.astype("float16") if v.dtype.kind == "f" else v for k, v in weights.items()},
        str(target / "model.safetensors"),
    )
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    print(f"wrote {folder}: {len(documents):,} documents, {total:,} tokens, {size / 2**20:.1f} MiB")


def _skipgram(documents, data, device, n_threads):
    import torch

    from sklearn_lexembed import SkipGramVectorizer

    if device == "cpu":
        # device="cpu" means the numba kernel; the torch path on the torch CPU device is only
        # reachable this way (as the test suite reaches it), for a smoke run without a GPU.
        def torch_cpu(self):
            return "cpu" if self.device == "cpu" else torch.device("cpu")

        SkipGramVectorizer._training_device = torch_cpu
        device = "torch-cpu"

    n_tokens = sum(len(d.split()) for d in documents)
    rows = []
    for name, params in (
        (f"numba kernel, CPU, {n_threads} threads", dict(device="cpu", n_jobs=n_threads)),
        (f"torch path, {device}", dict(device=device, n_jobs=n_threads)),
    ):
        for subwords in (False, True):
            # A one-epoch fit on a slice first: numba compiles, CUDA initialises.
            SkipGramVectorizer(**{**SKIPGRAM, "epochs": 1}, **params, subwords=subwords).fit(
                documents[:2000]
            )
            model = SkipGramVectorizer(**SKIPGRAM, **params, subwords=subwords)
            start = time.perf_counter()
            model.fit(documents)
            seconds = time.perf_counter() - start
            store = model.word_vectors_
            ws353 = store.evaluate_word_pairs(str(data / "wordsim353.tsv"))[1].statistic
            simlex = store.evaluate_word_pairs(str(data / "simlex999.txt"))[1].statistic
            row = {
                "contender": name,
                "subwords": subwords,
                "fit_seconds": seconds,
                "words_per_second": n_tokens * SKIPGRAM["epochs"] / seconds,
                "ws353": float(ws353),
                "simlex": float(simlex),
            }
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def _contextual(documents, data, device, n_threads):
    import numpy as np

    from sklearn_lexembed import ContextualVectorizer

    rows, reference = [], None
    dtypes = ("float32", "bfloat16", "float16") if device != "cpu" else ("float32", "bfloat16")
    for dtype in dtypes:
        model = ContextualVectorizer(
            str(data / "minilm"), device=device, dtype=dtype, batch_size=256, n_jobs=n_threads
        ).fit([""])
        model.transform(documents[:512])  # warm-up: kernels, allocator
        start = time.perf_counter()
        vectors = model.transform(documents)
        seconds = time.perf_counter() - start
        if reference is None:
            reference = vectors
        cosine = np.einsum("ij,ij->i", vectors, reference) / np.maximum(
            np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference, axis=1), 1e-30
        )
        row = {
            "contender": f"ContextualVectorizer {dtype}, {device}",
            "docs_per_second": len(documents) / seconds,
            "mean_cosine_to_float32": float(cosine.mean()),
            "min_cosine_to_float32": float(cosine.min()),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _markdown(result):
    lines = [
        "# GPU run (`benchmarks/bench_gpu.py`)",
        "",
        "```",
        json.dumps(result["machine"], indent=1),
        "```",
        "",
        f"Skip-gram on {result['n_tokens']:,} GCIDE tokens, {SKIPGRAM}:",
        "",
        "| contender | subwords | fit s | words/s | WS353 | SimLex |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["skipgram"]:
        lines.append(
            f"| {row['contender']} | {row['subwords']} | {row['fit_seconds']:.1f} | "
            f"{row['words_per_second']:,.0f} | {row['ws353']:.3f} | {row['simlex']:.3f} |"
        )
    lines += [
        "",
        f"ContextualVectorizer on {result['n_documents']:,} definitions:",
        "",
        "| contender | docs/s | mean cosine to float32 | min cosine |",
        "|---|---|---|---|",
    ]
    for row in result["contextual"]:
        lines.append(
            f"| {row['contender']} | {row['docs_per_second']:,.0f} | "
            f"{row['mean_cosine_to_float32']:.5f} | {row['min_cosine_to_float32']:.5f} |"
        )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prepare", metavar="FOLDER", help="write the travelling files here")
    parser.add_argument("--tokens", type=int, default=1_500_000, help="corpus size to prepare")
    parser.add_argument("--data", metavar="FOLDER", help="the prepared folder")
    parser.add_argument("--out", metavar="FOLDER", default=".", help="where results go")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--documents", type=int, default=20_000, help="for ContextualVectorizer")
    parser.add_argument("--max-tokens", type=int, default=None, help="use fewer corpus tokens")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.tokens)
        return
    if not args.data:
        parser.error("pass --prepare FOLDER here, or --data FOLDER on the GPU machine")
    import numba
    import torch
    import transformers

    data = Path(args.data)
    documents = (data / "corpus.txt").read_text(encoding="utf-8").splitlines()
    if args.max_tokens:
        kept, total = [], 0
        for document in documents:
            kept.append(document)
            total += len(document.split())
            if total >= args.max_tokens:
                break
        documents = kept
    n_threads = os.cpu_count()
    machine = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "numba": numba.__version__,
        "cpu_threads": n_threads,
        "device": args.device,
        "gpu": torch.cuda.get_device_name() if args.device.startswith("cuda") else None,
    }
    print(json.dumps(machine), flush=True)
    start = time.perf_counter()
    result = {
        "machine": machine,
        "n_tokens": sum(len(d.split()) for d in documents),
        "n_documents": min(args.documents, len(documents)),
        "skipgram": _skipgram(documents, data, args.device, n_threads),
        "contextual": _contextual(documents[: args.documents], data, args.device, n_threads),
    }
    result["seconds"] = time.perf_counter() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "gpu.md").write_text(_markdown(result))
    print(_markdown(result))
    print(f"total {result['seconds']:.0f} s; wrote {out / 'gpu.json'} and {out / 'gpu.md'}")


if __name__ == "__main__":
    main()
