"""The documentation cannot rot: its code runs, its tables match the code, and it builds.

* Every ```python block of README.md and every ``.. code-block:: python`` of the docs pages runs
  (blocks of one page share a namespace, in order, in a scratch directory). A block marked
  ``:class: no-run`` is shown but not run (a multi-machine cluster, a GPU).
* The parts table of docs/architecture.rst lists every folder of the package, and no module
  imports from a part its row does not allow; estimators do not import each other.
* docs/api.rst documents every public name, and only existing ones.
* The Sphinx build succeeds with warnings as errors (slow; the examples themselves run in
  tests/test_examples.py, so the build here renders them without executing them).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "sklearn_lexembed"

# Pages whose code starts a cluster or loads a transformer: correct, but a few seconds or more.
SLOW_PAGES = {"user_guide/dask.rst", "user_guide/choosing.rst", "user_guide/devices.rst"}
# Pages whose code must also work pasted into a .py file and run as a script (process-based
# workers import the main module), so their blocks are run that way.
SCRIPT_PAGES = {"user_guide/dask.rst"}


def _readme_blocks():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [m.group(1) for m in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S)]


def _rst_blocks(path):
    """The ``.. code-block:: python`` bodies of an rst file, dedented, without no-run blocks."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        match = re.match(r"^(\s*)\.\. code-block:: python\s*$", lines[i])
        if not match:
            i += 1
            continue
        indent = len(match.group(1))
        i += 1
        options = []
        while i < len(lines) and re.match(r"^\s+:[\w-]+:", lines[i]):
            options.append(lines[i].strip())
            i += 1
        body = []
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
            body.append(lines[i])
            i += 1
        if any(option.startswith(":class:") and "no-run" in option for option in options):
            continue
        code_indent = min(_indent(line) for line in body if line.strip())
        blocks.append("\n".join(line[code_indent:] for line in body).strip() + "\n")
    return blocks


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _run_blocks(blocks, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    namespace = {"__name__": "__main__"}
    for number, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"{name}[block {number}]", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"Code block {number} of {name} failed:\n{code}") from error


def _doc_pages():
    pages = sorted(DOCS.glob("*.rst")) + sorted((DOCS / "user_guide").glob("*.rst"))
    params = []
    for page in pages:
        name = page.relative_to(DOCS).as_posix()
        if not _rst_blocks(page):
            continue
        marks = [pytest.mark.slow] if name in SLOW_PAGES else []
        params.append(pytest.param(page, id=name, marks=marks))
    return params


def test_readme_code_blocks_run(tmp_path, monkeypatch):
    blocks = _readme_blocks()
    assert blocks, "README.md has no ```python block"
    _run_blocks(blocks, "README.md", tmp_path, monkeypatch)


@pytest.mark.parametrize("page", _doc_pages())
def test_docs_code_blocks_run(page, tmp_path, monkeypatch):
    name = page.relative_to(DOCS).as_posix()
    if name not in SCRIPT_PAGES:
        _run_blocks(_rst_blocks(page), name, tmp_path, monkeypatch)
        return
    script = tmp_path / "pasted.py"
    script.write_text("\n".join(_rst_blocks(page)), encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"{name} as a script failed:\n{result.stderr[-3000:]}"
    assert "(5000, 50)" in result.stdout and "True" in result.stdout


def test_rst_block_parser(tmp_path):
    """The parser finds python blocks, keeps their order, and skips no-run ones."""
    sample = (
        "Text\n\n.. code-block:: python\n\n   a = 1\n\n   b = a + 1\n\nMore text\n\n"
        ".. code-block:: python\n   :class: no-run\n\n   raise SystemExit\n\n"
        ".. code-block:: bash\n\n   make test\n\n"
        "* item\n\n  .. code-block:: python\n\n     c = 3\n"
    )
    target = tmp_path / "page.rst"
    target.write_text(sample, encoding="utf-8")
    assert _rst_blocks(target) == ["a = 1\n\nb = a + 1\n", "c = 3\n"]


# ------------------------------------------------------------------------ architecture
TOP_LEVEL = "(top level)"


def _part_of(module):
    """The part (folder) of a module name such as ``sklearn_lexembed.static._base``."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return TOP_LEVEL


def _module_name(path):
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_imports(path):
    """Full names of the package modules ``path`` imports, at module level or in functions."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] == "sklearn_lexembed":
                imported.add(module)
        elif isinstance(node, ast.Import):
            imported.update(a.name for a in node.names if a.name.startswith("sklearn_lexembed"))
    return imported


def _architecture_parts():
    """part -> the parts it may import, from the list-table of docs/architecture.rst."""
    text = (DOCS / "architecture.rst").read_text(encoding="utf-8")
    text = text[text.index(".. list-table::") :]
    end = re.compile(r"^\S", flags=re.M).search(text, text.index("\n"))  # the next section
    text = text[: end.start() if end else len(text)]
    parts = {}
    for row in re.split(r"^   \* - ", text, flags=re.M)[1:]:
        cells = re.split(r"^     - ", row, flags=re.M)
        part = cells[0].strip().strip("`")
        if part != "part":  # the header row
            parts[part] = set(re.findall(r"``(\w+)``", cells[-1]))
    return parts


def _package_modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_architecture_lists_every_part():
    parts = _architecture_parts()
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert set(parts) == folders | {TOP_LEVEL}, (
        f"docs/architecture.rst lists {sorted(parts)}; the package has {sorted(folders)}"
    )


def test_no_part_imports_one_it_may_not():
    parts = _architecture_parts()
    wrong = []
    for path in _package_modules():
        own = _part_of(_module_name(path))
        allowed = parts[own] | {own}
        for module in _package_imports(path):
            if module != "sklearn_lexembed" and _part_of(module) not in allowed:
                wrong.append(f"{_module_name(path)} imports {module}")
    assert not wrong, "imports the architecture forbids: " + "; ".join(wrong)


def test_estimators_do_not_import_each_other():
    import sklearn_lexembed

    estimator_modules = {
        getattr(sklearn_lexembed, name).__module__
        for name in sklearn_lexembed.__all__
        if isinstance(getattr(sklearn_lexembed, name), type)
        and hasattr(getattr(sklearn_lexembed, name), "fit")
    }
    assert len(estimator_modules) >= 4, estimator_modules
    for path in _package_modules():
        name = _module_name(path)
        if name in estimator_modules:
            others = _package_imports(path) & (estimator_modules - {name})
            assert not others, f"{name} imports the estimator modules {sorted(others)}"


def test_import_loads_nothing_heavy():
    # pyarrow is not on the list: scikit-learn >= 1.9 imports pandas, which imports it.
    code = (
        "import sys, sklearn_lexembed; print(' '.join(m for m in ('torch', 'transformers', "
        "'numba', 'faiss', 'hnswlib', 'tokenizers', 'onnxruntime', 'openvino') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", f"import sklearn_lexembed loaded {result.stdout}"


# ------------------------------------------------------------------------ API reference
def _api_entries():
    text = (DOCS / "api.rst").read_text(encoding="utf-8")
    entries, module = [], None
    for line in text.splitlines():
        current = re.match(r"^\.\. currentmodule:: ([\w.]+)", line)
        if current:
            module = current.group(1)
        entry = re.match(r"^   (\w+)\s*$", line)
        if entry and module:
            entries.append(f"{module}.{entry.group(1)}")
    return entries


def test_api_reference_lists_every_public_name():
    import importlib

    import sklearn_lexembed

    documented = set(_api_entries())
    public = {
        f"sklearn_lexembed.{name}" for name in sklearn_lexembed.__all__ if not name.startswith("__")
    }
    for module_name in ("datasets", "parallel"):
        module = importlib.import_module(f"sklearn_lexembed.{module_name}")
        public |= {f"sklearn_lexembed.{module_name}.{name}" for name in module.__all__}
    missing = public - documented
    assert not missing, f"Add these public names to docs/api.rst: {sorted(missing)}"
    for entry in documented:
        module_name, _, name = entry.rpartition(".")
        assert hasattr(importlib.import_module(module_name), name), f"{entry} does not exist"


# ---------------------------------------------------------------------------- the build
@pytest.mark.slow
def test_sphinx_build_has_no_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    pytest.importorskip("numpydoc")
    # Build a copy, so the test neither races with `make docs` nor leaves files in docs/.
    ignore = shutil.ignore_patterns("_build", "generated", "auto_examples", "__pycache__")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=ignore)
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=ignore)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "-D",
            "plot_gallery=0",
            str(tmp_path / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    for page in (
        "index.html",
        "api.html",
        "architecture.html",
        "benchmarks.html",
        "auto_examples/index.html",
        "generated/sklearn_lexembed.GloveVectorizer.html",
    ):
        assert (tmp_path / "html" / page).exists(), page
