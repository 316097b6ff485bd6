#!/usr/bin/env bash
# Create benchmarks/.venv-st-onnx: a virtualenv with sentence-transformers[onnx] for st_onnx.py.
#
# It is separate from .venv on purpose: the [onnx] extra (optimum-onnx) caps transformers below
# 4.58, while our own environment runs transformers 5.x. That pin must never enter .venv.
# torch==2.13.0 (the CPU build) is installed first and pinned by the constraints file, because an
# unpinned torch pulls a multi-GB CUDA build. Idempotent: a stamp holding the constraints skips
# the install when nothing changed. Usage: bash benchmarks/peers/make_st_onnx_venv.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=benchmarks/.venv-st-onnx
PY=$VENV/bin/python
STAMP=$VENV/.installed

# Why these pins: sentence-transformers >= 6.0 requires transformers >= 5, but every optimum-onnx
# release requires transformers < 4.58 (0.1.0: <4.58 and optimum~=2.1.0). pip gets there today
# by backtracking sentence-transformers to 5.7.0, the newest that accepts transformers 4.x; the
# pins write that set down so a new release cannot silently change it (or make it unresolvable).
# 4.57.6 is the newest transformers that optimum-onnx 0.1.0 accepts.
CONSTRAINTS="torch==2.13.0
sentence-transformers==5.7.0
optimum-onnx==0.1.0
optimum==2.1.0
transformers==4.57.6"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$CONSTRAINTS" ] && [ -x "$PY" ]; then
    echo "$VENV is up to date (delete $STAMP to reinstall)"
else
    start=$(date +%s)
    test -x "$PY" || python3 -m venv "$VENV"
    printf '%s\n' "$CONSTRAINTS" >"$VENV/constraints.txt"
    "$PY" -m pip install --quiet --upgrade pip
    "$PY" -m pip install --quiet -c "$VENV/constraints.txt" "torch==2.13.0"
    "$PY" -m pip install --quiet -c "$VENV/constraints.txt" "sentence-transformers[onnx]"
    printf '%s' "$CONSTRAINTS" >"$STAMP"
    echo "installed $VENV in $(($(date +%s) - start)) s"
fi
"$PY" - <<'EOF'
from importlib.metadata import version
for name in ("sentence-transformers", "transformers", "optimum", "optimum-onnx", "onnxruntime", "onnx", "torch"):
    print(f"{name}=={version(name)}")
EOF
