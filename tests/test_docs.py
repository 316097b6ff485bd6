"""The documentation cannot rot: its code runs, its tables match the code, and it builds.

* Every ```python block of README.md and every ``.. code-block:: python`` of the docs pages runs
  (blocks of one page share a namespace, in order, in a scratch directory). A block marked
  ``:class: no-run`` is shown but not run (a multi-machine cluster, a GPU).
* The module table of docs/architecture.rst lists every module of the package with exactly the
  package modules it imports.
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
    _run_blocks(_rst_blocks(page), page.relative_to(DOCS).as_posix(), tmp_path, monkeypatch)


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


# --------------------------------------------------------------------- architecture table
def _package_imports(path):
    """Package modules imported by ``path``, at module level or inside functions."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                imported.add(node.module.split(".")[0])
            else:
                imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sklearn_lexembed."
        ):
            imported.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("sklearn_lexembed."):
                    imported.add(alias.name.split(".")[1])
    return imported


def _architecture_table():
    text = (DOCS / "architecture.rst").read_text(encoding="utf-8")
    text = text[text.index(".. list-table::"):]
    first_line_end = text.index("\n")
    end = re.compile(r"^\S", flags=re.M).search(text, first_line_end)  # the next section
    text = text[: end.start() if end else len(text)]
    table = {}
    for row in re.split(r"^   \* - ", text, flags=re.M)[1:]:
        cells = re.split(r"^     - ", row, flags=re.M)
        module = cells[0].strip().strip("`")
        if module == "module":  # the header row
            continue
        table[module] = set(re.findall(r"``(\w+)``", cells[-1]))
    return table


def test_architecture_table_matches_the_code():
    table = _architecture_table()
    modules = {path.stem for path in PACKAGE.glob("*.py")}
    missing, stale = modules - set(table), set(table) - modules
    assert not missing, "Add a row to the list-table of docs/architecture.rst for " + "; ".join(
        f"{module} (its job; imports {sorted(_package_imports(PACKAGE / f'{module}.py')) or 'none'})"
        for module in sorted(missing)
    )
    assert not stale, f"docs/architecture.rst describes modules that do not exist: {sorted(stale)}"
    wrong = {
        module: {"documented": sorted(table[module]), "actual": sorted(_package_imports(
            PACKAGE / f"{module}.py"))}
        for module in modules
        if table[module] != _package_imports(PACKAGE / f"{module}.py")
    }
    assert not wrong, f"docs/architecture.rst has the wrong imports for {wrong}"


def test_private_modules_never_import_estimators():
    """The dependency rule the architecture page states: private steps import no estimator."""
    public_modules = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    for path in PACKAGE.glob("_*.py"):
        if path.stem == "__init__":
            continue
        assert not _package_imports(path) & public_modules, path.name


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
    public = {f"sklearn_lexembed.{name}" for name in sklearn_lexembed.__all__
              if not name.startswith("__")}
    for module_name in ("datasets", "parallel"):
        if (PACKAGE / f"{module_name}.py").exists():
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
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "plot_gallery=0", str(tmp_path / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=900,
    )
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-5000:]
    for page in ("index.html", "api.html", "architecture.html", "benchmarks.html",
                 "auto_examples/index.html",
                 "generated/sklearn_lexembed.GloveVectorizer.html"):
        assert (tmp_path / "html" / page).exists(), page
