"""Peer benchmark: distil a static model with model2vec and score it on a text classification task.

Distils the local sentence-transformers model folder FOLDER with
``model2vec.distill.distill(model_name=FOLDER, pca_dims=...)`` (model2vec's defaults otherwise:
SIF weighting 1e-4, float16 vectors, normalised output), encodes the train and test texts of
DATA.json with ``StaticModel.encode``, fits ``LogisticRegression(max_iter=2000)`` on the train
vectors and writes the test accuracy, the distillation seconds and the test encode speed (docs/s,
best of 3 after one warm-up call) with the versions to OUT.json.

DATA.json is {"train_texts": [...], "train_labels": [...], "test_texts": [...],
"test_labels": [...]}. It runs in its own virtualenv, benchmarks/.venv-model2vec (made by
make_model2vec_venv.sh), because model2vec[distill] caps transformers below 5.4, which must never
enter the project's .venv. Nothing is fetched from the hub (HF_HUB_OFFLINE=1): distill() only asks
the hub for a model card when FOLDER is not an existing path.

    benchmarks/.venv-model2vec/bin/python benchmarks/peers/model2vec_distill.py --model FOLDER \\
        --data DATA.json --out OUT.json --pca-dims 256 --threads 2
"""

import argparse
import os
import sys

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--model", required=True, help="local sentence-transformers model folder")
parser.add_argument("--data", required=True, help="JSON file with train/test texts and labels")
parser.add_argument("--out", required=True, help="output .json")
parser.add_argument("--pca-dims", type=int, default=256, help="model2vec's default: 256")
parser.add_argument("--threads", type=int, default=2)
args = parser.parse_args()

# Thread limits and offline mode must be set before numpy / torch / tokenizers are imported;
# RAYON_NUM_THREADS bounds the Rust tokenizer's encode_batch pool.
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[var] = str(args.threads)
os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "true" if args.threads > 1 else "false"

import json  # noqa: E402
import time  # noqa: E402
from importlib.metadata import PackageNotFoundError, version  # noqa: E402
from pathlib import Path  # noqa: E402

try:
    import numpy as np
    import torch
    from model2vec.distill import distill
    from sklearn.linear_model import LogisticRegression
except ImportError as exc:
    sys.exit(
        f"model2vec_distill.py: {exc}\nRun it with the separate virtualenv's python, made by "
        "`bash benchmarks/peers/make_model2vec_venv.sh`:\n"
        "    benchmarks/.venv-model2vec/bin/python benchmarks/peers/model2vec_distill.py ..."
    )

PACKAGES = "model2vec transformers tokenizers torch numpy scikit-learn".split()


def package_version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def load_data(path):
    data = json.loads(Path(path).read_text())
    keys = ("train_texts", "train_labels", "test_texts", "test_labels")
    missing = [key for key in keys if key not in data]
    if missing:
        sys.exit(f"model2vec_distill.py: {path} lacks {missing}; it needs the keys {list(keys)}")
    for split in ("train", "test"):
        if len(data[f"{split}_texts"]) != len(data[f"{split}_labels"]):
            sys.exit(
                f"model2vec_distill.py: {path} has a different number of {split} texts and labels"
            )
    return [data[key] for key in keys]


def main():
    if not Path(args.model).is_dir():
        sys.exit(f"model2vec_distill.py: --model {args.model} is not a local folder")
    torch.set_num_threads(args.threads)
    train_texts, train_labels, test_texts, test_labels = load_data(args.data)

    start = time.perf_counter()
    model = distill(model_name=args.model, pca_dims=args.pca_dims, device="cpu")
    distill_seconds = time.perf_counter() - start
    print(f"distilled {args.model} in {distill_seconds:.1f} s", flush=True)

    train_vectors = model.encode(train_texts)
    model.encode(test_texts)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        test_vectors = model.encode(test_texts)
        timings.append(time.perf_counter() - start)
    docs_per_second = len(test_texts) / min(timings)

    classifier = LogisticRegression(max_iter=2000).fit(train_vectors, train_labels)
    accuracy = float(np.mean(classifier.predict(test_vectors) == np.asarray(test_labels)))

    report = {
        "accuracy": accuracy,
        "distill_seconds": distill_seconds,
        "docs_per_second": docs_per_second,
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "pca_dims": args.pca_dims,
        "threads": args.threads,
        "embedding_dtype": str(model.embedding.dtype),
        "dim": int(model.dim),
        "versions": {name: package_version(name) for name in PACKAGES},
    }
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"accuracy {accuracy:.4f}, {docs_per_second:,.0f} docs/s over {len(test_texts)} test docs;"
        f" wrote {args.out}"
    )


if __name__ == "__main__":
    main()
