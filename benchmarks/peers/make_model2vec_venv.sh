#!/usr/bin/env bash
# Create benchmarks/.venv-model2vec: a virtualenv with model2vec[distill] for model2vec_distill.py
# and make_model2vec_fixture.py.
#
# It is separate from .venv on purpose: model2vec 0.10.0's [distill] extra requires
# transformers<5.4.0, and transformers 5.3.0 (the newest it accepts) in turn caps
# tokenizers<=0.23.0 and huggingface-hub<2.0, while our own environment runs transformers 5.2x,
# tokenizers 0.23.x and huggingface-hub 2.x. Those pins must never enter .venv.
# torch==2.13.0 (the CPU build) is installed first and pinned by the constraints file, because an
# unpinned torch pulls a multi-GB CUDA build. Idempotent: a stamp holding the constraints skips
# the install when nothing changed. Usage: bash benchmarks/peers/make_model2vec_venv.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=benchmarks/.venv-model2vec
PY=$VENV/bin/python
STAMP=$VENV/.installed

# Why these pins: model2vec 0.10.0 needs huggingface-hub>=1.0 and tokenizers>=0.20; its [distill]
# extra adds torch, transformers<5.4.0 and skeletoken>=0.6,<0.7 (which needs transformers>=4.55,
# tokenizers>=0.21.2). The rest is what pip resolved from that on 2026-12 (transformers 5.3.0 ->
# tokenizers 0.22.2, huggingface-hub 1.x); the pins write that set down so a new release cannot
# silently change the fixture's or the benchmark's numbers. scikit-learn is for the benchmark's
# LogisticRegression (and model2vec's vocabulary quantization, used by the fixture).
CONSTRAINTS="torch==2.13.0
model2vec==0.10.0
skeletoken==0.6.1
transformers==5.3.0
tokenizers==0.22.2
huggingface-hub==1.33.0
safetensors==0.8.0
numpy==2.4.6
scikit-learn==1.9.1"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$CONSTRAINTS" ] && [ -x "$PY" ]; then
    echo "$VENV is up to date (delete $STAMP to reinstall)"
else
    start=$(date +%s)
    test -x "$PY" || python3 -m venv "$VENV"
    printf '%s\n' "$CONSTRAINTS" >"$VENV/constraints.txt"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -c "$VENV/constraints.txt" "torch==2.13.0"
    "$PY" -m pip install --quiet -c "$VENV/constraints.txt" "model2vec[distill]" scikit-learn
    printf '%s' "$CONSTRAINTS" >"$STAMP"
    echo "installed $VENV in $(($(date +%s) - start)) s"
fi
"$PY" - <<'EOF'
from importlib.metadata import version
for name in ("model2vec", "skeletoken", "transformers", "tokenizers", "huggingface-hub",
             "safetensors", "torch", "numpy", "scikit-learn"):
    print(f"{name}=={version(name)}")
EOF
