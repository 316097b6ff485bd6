"""ContextualVectorizer's torch and ONNX (float32, int8) backends against sentence-transformers'.

Same bundled all-MiniLM-L6-v2, batch_size=32, CPU, 2 threads, normalised mean pooling, one timed
run each after a warm-up, side by side in one run:

- sentence-transformers 6 (torch), in this process;
- sentence-transformers 5.7 with optimum (its ONNX float32 backend and its own
  ``export_dynamic_quantized_onnx_model`` int8), in a separate virtualenv
  (benchmarks/.venv-st-onnx, made by benchmarks/peers/make_st_onnx_venv.sh) because its
  ``[onnx]`` extra pins transformers below 4.58; skipped, and said so, when that venv is absent;
- ours: torch float32, ONNX float32, ONNX int8 (our recipe);
- ONNX Runtime's ``quantize_dynamic`` with its default settings, applied to our fused float32
  graph (the naive int8 recipe);
- ours with OpenVINO (``backend="openvino"``, the unfused float32 export), when installed.

Corpora: (a) 2,000 short real sentences (Pang & Lee polarity + Lee corpus sentences), (b) the 300
Lee background documents (truncated at 256 tokens), (c) both mixed and shuffled. Quality: cosine
to our torch float32 vectors on (c), and the accuracy of logistic regression (5-fold stratified CV,
the same folds for every contender) on WordNet glosses labelled by lexicographer file (the
supersense: noun.animal, verb.motion, ...), from the Debian package wordnet-base.

Also: a grid search over a downstream classifier with and without ``cache=``, single-document
latency (p50/p99 over 500 calls), and import + first-call time and peak memory of each backend in a
fresh process.

Run: ``.venv/bin/python benchmarks/bench_contextual.py`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from _common import (
    HERE,
    IMPORT_IN_CHILD,
    REPOSITORY,
    RESULTS_DIR,
    argument_parser,
    command_line,
    git_revision,
    load_average,
    versions,
    write_results,
)
from corpora import WORDNET_DIR

BATCH = 32
THREADS = 2
PEER_PYTHON = HERE / ".venv-st-onnx" / "bin" / "python"
MODEL = "sentence-transformers/all-MiniLM-L6-v2"


# ----------------------------------------------------------------------------- data
def corpora(quick):
    from sklearn_lexembed.datasets import evaluation_path, load_lee_corpus, load_polarity

    polarity, _ = load_polarity()
    with open(evaluation_path("lee.cor"), encoding="latin-1") as fin:
        lee_text = " ".join(line.strip() for line in fin)
    sentences = [
        s
        for s in re.split(r"(?<=[.!?])\s+", " ".join(load_lee_corpus()) + " " + lee_text)
        if len(s.split()) >= 3
    ]
    short = (polarity + sentences)[: 300 if quick else 2000]
    long_docs = load_lee_corpus()[: 60 if quick else 300]
    mix = short + long_docs
    random.Random(0).shuffle(mix)
    return {"short": short, "long": long_docs, "mix": mix}


def labelled_glosses(n_documents, min_per_class=150, seed=0):
    """WordNet noun and verb glosses labelled by lexicographer file, a stratified sample."""
    texts, labels = [], []
    for part in ("noun", "verb"):
        with open(WORDNET_DIR / f"data.{part}", encoding="utf-8", errors="replace") as fin:
            for line in fin:
                if line.startswith("  "):
                    continue  # license header
                fields, _, gloss = line.partition(" | ")
                if gloss.strip():
                    texts.append(gloss.strip())
                    labels.append(f"{part}.{fields.split()[1]}")
    counts = Counter(labels)
    keep = sorted(label for label, n in counts.items() if n >= min_per_class)
    rng = np.random.default_rng(seed)
    per_class = n_documents // len(keep)
    chosen = []
    for label in keep:
        rows = [i for i, lab in enumerate(labels) if lab == label]
        chosen.extend(rng.choice(rows, size=per_class, replace=False).tolist())
    rng.shuffle(chosen)
    return [texts[i] for i in chosen], np.array([labels[i] for i in chosen]), len(keep)


def accuracy(vectors, labels):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    classifier = LogisticRegression(C=10.0, max_iter=3000)
    return float(cross_val_score(classifier, unit, labels, cv=folds).mean())


def cosines(a, b):
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(axis=1)


# ----------------------------------------------------------------------------- contenders
class _Swapped:
    """One of our ONNX vectorizers with its encoder replaced (same tokenising and pooling)."""

    def __init__(self, vectorizer, encoder):
        self.vectorizer = vectorizer
        vectorizer._encoder = lambda loaded: encoder

    def transform(self, docs):
        return self.vectorizer.transform(docs)


def ort_default_int8(fp32_file, workdir):
    import onnx
    from onnxruntime.quantization import quantize_dynamic

    from sklearn_lexembed.contextual._onnx_backend import OnnxEncoder, onnx_session

    target = Path(workdir) / "ort-default-int8.onnx"
    # Default settings; DefaultTensorType only lets the quantizer read the fused operators.
    quantize_dynamic(
        str(fp32_file), str(target), extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}
    )
    return OnnxEncoder(onnx_session(target, THREADS))


def peer_vectors(folder, data, glosses, workdir, log):
    """sentence-transformers' ONNX backends, run in their own virtualenv; None if it is absent."""
    if not PEER_PYTHON.exists():
        log(
            f"(skipped sentence-transformers ONNX rows: {PEER_PYTHON} is missing; make it with "
            "`bash benchmarks/peers/make_st_onnx_venv.sh`)"
        )
        return None
    docs = dict(data)
    docs["glosses"] = glosses
    docs_file = Path(workdir) / "docs.json"
    docs_file.write_text(json.dumps(docs))
    out = Path(workdir) / "peers.npz"
    subprocess.run(
        [
            str(PEER_PYTHON),
            str(HERE / "peers" / "st_onnx.py"),
            "--model",
            folder,
            "--docs",
            str(docs_file),
            "--out",
            str(out),
            "--threads",
            str(THREADS),
            "--batch-size",
            str(BATCH),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(out.with_suffix(".json").read_text())
    return dict(np.load(out)), report


# ----------------------------------------------------------------------------- parts
def throughput(contenders, data, glosses, labels, log):
    reference = None
    rows = {}
    for name, encode in contenders.items():
        encode(data["short"][:64])  # warm-up: sessions, thread pools, first-call allocations
        seconds, vectors = {}, {}
        for corpus, docs in data.items():
            start = time.perf_counter()
            vectors[corpus] = encode(docs)
            seconds[corpus] = time.perf_counter() - start
        gloss_vectors = encode(glosses)
        if reference is None:
            reference = vectors["mix"]
        rows[name] = {
            "dps": {c: len(data[c]) / s for c, s in seconds.items()},
            "cos": cosines(vectors["mix"], reference),
            "accuracy": accuracy(gloss_vectors, labels),
        }
        log(
            f"  {name:34s} "
            + " ".join(f"{c} {rows[name]['dps'][c]:7.1f} d/s" for c in data)
            + f" | acc {rows[name]['accuracy']:.4f} | load {load_average()}"
        )
    return rows


def grid_search(glosses, labels, log):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline

    from sklearn_lexembed import ContextualVectorizer

    grid = {"logisticregression__C": [0.1, 0.3, 1.0, 3.0, 10.0]}
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    results = {}
    with tempfile.TemporaryDirectory(prefix="lexembed-cache-") as folder:
        for name, cache in (("uncached", None), ("cached", folder)):
            pipeline = make_pipeline(
                ContextualVectorizer(cache=cache, n_jobs=THREADS, batch_size=BATCH),
                LogisticRegression(max_iter=2000),
            )
            search = GridSearchCV(pipeline, grid, cv=folds)
            start = time.perf_counter()
            search.fit(glosses, labels)
            results[name] = (time.perf_counter() - start, search.cv_results_)
            log(f"  grid search {name:9s} {results[name][0]:7.1f} s | load {load_average()}")
    same = all(
        np.array_equal(results["cached"][1][key], results["uncached"][1][key])
        for key in results["cached"][1]
        if key.endswith("test_score")
    )
    return results["uncached"][0], results["cached"][0], same


def latency(vectorizers, st_model, n_calls):
    query = ["one short query"]
    out = {}
    for name, encode in list(vectorizers.items()) + [("sentence-transformers torch", None)]:
        if encode is None:

            def encode(docs):
                return st_model.encode(docs, batch_size=BATCH, normalize_embeddings=True)

        for _ in range(20):
            encode(query)
        times = []
        for _ in range(n_calls):
            start = time.perf_counter()
            encode(query)
            times.append(time.perf_counter() - start)
        times = np.array(times) * 1e3
        out[name] = (np.percentile(times, 50), np.percentile(times, 99))
    return out


def fresh_process(backend, quantize, onnx_dir):
    """Seconds for import + fit + one transform, and the peak RSS, in a new interpreter."""
    code = IMPORT_IN_CHILD + (
        "import time, sys, json\n"
        "start = time.perf_counter()\n"
        "from sklearn_lexembed import ContextualVectorizer\n"
        f"v = ContextualVectorizer(backend={backend!r}, quantize={quantize!r}, "
        f"onnx_dir={str(onnx_dir)!r}, n_jobs={THREADS}).fit([])\n"
        "v.transform(['one short query'])\n"
        "seconds = time.perf_counter() - start\n"
        "print(json.dumps({'seconds': seconds, 'peak_mb': status_mb('VmHWM'), "
        "'torch': 'torch' in sys.modules, 'modeling': 'transformers.models' in sys.modules}))\n"
    )
    env_out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPOSITORY
    )
    return json.loads(env_out.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- main
def main():
    args = argument_parser(__doc__).parse_args()
    warnings.simplefilter("ignore")
    import sentence_transformers
    import torch

    from sklearn_lexembed import ContextualVectorizer
    from sklearn_lexembed.contextual._loading import resolve_model

    torch.set_num_threads(THREADS)
    lines = []

    def log(text=""):
        print(text, flush=True)
        lines.append(text)

    data = corpora(args.quick)
    glosses, labels, n_classes = labelled_glosses(600 if args.quick else 4000)
    folder = resolve_model(MODEL)[1]
    onnx_dir = Path(tempfile.mkdtemp(prefix="lexembed-onnx-"))
    header = (
        f"{versions('torch', 'transformers', 'sentence-transformers', 'onnxruntime', 'scikit-learn')}"
        f"; threads={THREADS}, batch_size={BATCH}, device=cpu; git {git_revision(True)}"
    )
    log(header)
    log(
        f"corpora: short {len(data['short'])} docs, long {len(data['long'])} docs, mix "
        f"{len(data['mix'])} docs; labelled: {len(glosses)} WordNet glosses, {n_classes} "
        "lexicographer-file classes, 5-fold CV"
    )

    def ours(**params):
        start = time.perf_counter()
        vectorizer = ContextualVectorizer(
            normalize=True, batch_size=BATCH, n_jobs=THREADS, onnx_dir=onnx_dir, **params
        ).fit([])
        return vectorizer, time.perf_counter() - start

    torch_vec, _ = ours()
    onnx_vec, onnx_export_s = ours(backend="onnx")
    int8_vec, int8_export_s = ours(backend="onnx", quantize="int8")
    log(f"first fits (export to ONNX): fp32 {onnx_export_s:.1f} s, int8 {int8_export_s:.1f} s")
    st = sentence_transformers.SentenceTransformer(folder, device="cpu")
    work = tempfile.mkdtemp(prefix="lexembed-bench-")
    default_int8 = _Swapped(ours(backend="onnx")[0], ort_default_int8(onnx_vec._onnx_file, work))
    contenders = {
        "ours torch fp32": torch_vec.transform,
        "sentence-transformers torch fp32": lambda docs: st.encode(
            docs, batch_size=BATCH, normalize_embeddings=True
        ),
        "ours ONNX fp32": onnx_vec.transform,
        "ours ONNX int8": int8_vec.transform,
        "ORT quantize_dynamic defaults int8": default_int8.transform,
    }
    openvino_vec = None
    try:
        openvino_vec, openvino_export_s = ours(backend="openvino")
        contenders["ours OpenVINO fp32"] = openvino_vec.transform
        log(f"first fit backend='openvino' (plain export): {openvino_export_s:.1f} s")
    except ImportError:
        log("(OpenVINO row skipped: openvino is not installed)")

    log("\nthroughput (one timed run each, after a warm-up):")
    rows = throughput(contenders, data, glosses, labels, log)

    peers = peer_vectors(folder, data, glosses, work, log)
    if peers is not None:
        vectors, report = peers
        log(f"  peer venv: {json.dumps(report['versions'])}")
        reference = torch_vec.transform(data["mix"])
        for variant, label in (
            ("st_torch_fp32", "st 5.7 torch fp32 (peer venv)"),
            ("st_onnx_fp32", "st 5.7 ONNX fp32 (peer venv)"),
            ("st_onnx_int8", f"st 5.7 ONNX int8 {report['quant_config']} (peer venv)"),
        ):
            rows[label] = {
                "dps": {c: len(data[c]) / report["seconds"][f"{variant}|{c}"] for c in data},
                "cos": cosines(vectors[f"{variant}|mix"], reference),
                "accuracy": accuracy(vectors[f"{variant}|glosses"], labels),
            }

    base_st = rows["sentence-transformers torch fp32"]["dps"]["mix"]
    base_acc = rows["ours torch fp32"]["accuracy"]
    log(
        "\n| contender | short d/s | long d/s | mix d/s | mix vs st torch | mean cos | min cos "
        "| accuracy | vs fp32 |"
    )
    log("|---|---|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        dps = row["dps"]
        log(
            f"| {name} | {dps['short']:.1f} | {dps['long']:.1f} | {dps['mix']:.1f} | "
            f"{dps['mix'] / base_st:.2f}x | {row['cos'].mean():.4f} | {row['cos'].min():.4f} | "
            f"{row['accuracy']:.4f} | {row['accuracy'] - base_acc:+.4f} |"
        )
    ratios = [
        (
            "ours ONNX int8 / st torch fp32 (mix)",
            "ours ONNX int8",
            "sentence-transformers torch fp32",
        ),
        ("ours ONNX fp32 / ours torch fp32 (mix)", "ours ONNX fp32", "ours torch fp32"),
        (
            "ours ONNX fp32 / st torch fp32 (mix)",
            "ours ONNX fp32",
            "sentence-transformers torch fp32",
        ),
    ]
    int8_peer = [name for name in rows if name.startswith("st 5.7 ONNX int8")]
    fp32_peer = [name for name in rows if name.startswith("st 5.7 ONNX fp32")]
    if int8_peer:
        ratios.append(("ours ONNX int8 / st ONNX int8 (mix)", "ours ONNX int8", int8_peer[0]))
    if fp32_peer:
        ratios.append(("ours ONNX fp32 / st ONNX fp32 (mix)", "ours ONNX fp32", fp32_peer[0]))
    log("")
    for label, a, b in ratios:
        log(f"{label}: {rows[a]['dps']['mix'] / rows[b]['dps']['mix']:.2f}x")
    if openvino_vec is not None:
        import openvino

        log(
            f"ours OpenVINO fp32 / ours ONNX fp32 (mix): "
            f"{rows['ours OpenVINO fp32']['dps']['mix'] / rows['ours ONNX fp32']['dps']['mix']:.2f}x"
            f" (openvino {openvino.__version__})"
        )

    log("\ngrid search, Pipeline(ContextualVectorizer, LogisticRegression), 5 C x 3 folds:")
    n_grid = 300 if args.quick else 1000
    uncached, cached, same = grid_search(glosses[:n_grid], labels[:n_grid], log)
    log(
        f"  {n_grid} glosses: uncached {uncached:.1f} s, cached {cached:.1f} s, "
        f"speed-up {uncached / cached:.1f}x, identical cv_results_ test scores: {same}"
    )

    n_calls = 100 if args.quick else 500
    log(f"\nsingle-document latency, transform(['one short query']), {n_calls} calls, n_jobs=2:")
    lat = latency(
        {
            "ours torch fp32": torch_vec.transform,
            "ours ONNX fp32": onnx_vec.transform,
            "ours ONNX int8": int8_vec.transform,
            **({"ours OpenVINO fp32": openvino_vec.transform} if openvino_vec else {}),
        },
        st,
        n_calls,
    )
    for name, (p50, p99) in lat.items():
        log(f"  {name:30s} p50 {p50:6.2f} ms  p99 {p99:6.2f} ms")

    log("\nfresh process: import + fit + one transform (ONNX file already cached):")
    for backend, quantize in (
        ("torch", None),
        ("onnx", None),
        ("onnx", "int8"),
        ("openvino", None),
    ):
        result = fresh_process(backend, quantize, onnx_dir)
        log(
            f"  backend={backend!r:8s} quantize={quantize!r:7s} {result['seconds']:5.2f} s, peak "
            f"RSS {result['peak_mb']:6.0f} MB, torch imported: {result['torch']}, transformers "
            f"modeling imported: {result['modeling']}"
        )

    if not args.quick:
        write_results(
            RESULTS_DIR / "contextual.md",
            "# ContextualVectorizer backends (issue 18)\n\n"
            f"Command: `{command_line()}`\n\n```\n" + "\n".join(lines) + "\n```\n",
        )


if __name__ == "__main__":
    main()
