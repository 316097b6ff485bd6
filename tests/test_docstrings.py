"""The docstrings cannot drift: numpydoc validates every public object, and what they cite exists.

In the manner of scikit-learn's ``sklearn/tests/test_docstrings.py``:

* ``numpydoc.validate.validate`` runs on every public class and function (the names of
  ``sklearn_lexembed.__all__``, ``sklearn_lexembed.datasets.__all__`` and
  ``sklearn_lexembed.parallel.__all__``) and on every public method and property that a public
  class defines in this package. What a class inherits from scikit-learn (``get_params``,
  ``set_output``, ``fit_transform``...) is scikit-learn's to document, and is skipped. The codes
  of the ``IGNORED*`` sets below are left out, each for the reason given there; any other error
  fails, with the docstring and the error list.
* Every ``sklearn-lexembed[extra]`` that the package, README.md or the docs mention (in a
  ``pip install`` hint or anywhere else) is an extra of pyproject.toml.
* Every ``benchmarks/``, ``examples/`` or ``tests/`` file that the package, README.md or the docs
  cite exists.
* The Examples sections of public docstrings import only public modules: what a user copies
  from the reference must not depend on a private module that may move.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

numpydoc_validate = pytest.importorskip("numpydoc.validate")
numpydoc_docscrape = pytest.importorskip("numpydoc.docscrape")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sklearn_lexembed"
DOCS = ROOT / "docs"

# Modules whose ``__all__`` lists public functions (or classes), checked as top-level objects.
PUBLIC_MODULES = ["sklearn_lexembed", "sklearn_lexembed.datasets", "sklearn_lexembed.parallel"]

# Codes never checked.
IGNORED = {
    # RT02 "The first line of the Returns section should contain only the type": scikit-learn
    # ignores it too. Returns entries are written ``name : type`` (``self : object``,
    # ``embeddings : ndarray of shape ...``) so that the text can refer to the returned object by
    # name, as scikit-learn's docstrings do.
    "RT02",
}

# Codes checked only on class docstrings, as scikit-learn does (its functions are validated with
# ``method="function"``, which skips them as well).
IGNORED_FOR_MEMBERS_AND_FUNCTIONS = {
    # ES01 "No extended summary found": a method such as ``fit`` or a property such as
    # ``vectors_`` is fully described by its summary and its sections; the class docstring
    # carries the explanation.
    "ES01",
    # SA01 "See Also section not found": cross-references belong to the class and the user
    # guide; a See Also on every ``transform`` would only repeat the class's.
    "SA01",
}

# Codes checked only on class docstrings and top-level functions. Stricter than scikit-learn,
# which skips EX01 for functions too: every public function of this small API has an example,
# run as a doctest, and keeps one.
IGNORED_FOR_MEMBERS = {
    # EX01 "No examples section found": the class's example shows its methods in use.
    "EX01",
}

# Kept on purpose (scikit-learn ignores them, this package does not need to):
# * GL01 (where the summary starts) and GL02 (where the closing quotes go): current numpydoc
#   accepts a summary on the line of the opening quotes, as PEP 257 and this package write
#   them, and never flags a one-line docstring, so short property docstrings pass.
# * PR02 (unknown parameter) and GL08 (no docstring) for properties: no property here documents
#   parameters, and every property has a docstring.


def _public_objects():
    """``(id, import path, object, kind)`` of every object whose docstring is validated.

    ``kind`` is ``"class"``, ``"function"`` or ``"member"`` (a method or property of a public
    class, defined by a class of this package).
    """
    objects = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        prefix = module_name.removeprefix("sklearn_lexembed").lstrip(".")
        for name in sorted(module.__all__):
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # __version__
            label = f"{prefix}.{name}" if prefix else name
            path = f"{module_name}.{name}"
            if inspect.isfunction(obj):
                objects.append((label, path, obj, "function"))
                continue
            objects.append((label, path, obj, "class"))
            for member, attribute in _own_members(obj):
                objects.append((f"{label}.{member}", f"{path}.{member}", attribute, "member"))
    return objects


def _own_members(klass):
    """``(name, attribute)`` of the public methods and properties this package gives ``klass``.

    That is, those defined by ``klass`` or by one of its bases that belongs to this package.
    """
    members = []
    for name in sorted(dir(klass)):
        if name.startswith("_"):
            continue
        owner = next(k for k in klass.__mro__ if name in vars(k))
        if not owner.__module__.startswith("sklearn_lexembed"):
            continue  # inherited from scikit-learn (or object): documented there
        attribute = vars(owner)[name]
        if isinstance(attribute, property | classmethod | staticmethod) or callable(attribute):
            members.append((name, getattr(klass, name)))
    return members


PUBLIC_OBJECTS = _public_objects()
OBJECT_IDS = [label for label, _, _, _ in PUBLIC_OBJECTS]


def _brace_type_errors(doc):
    """PR07/PR08/PR09 for parameters typed ``{...}``, which numpydoc's own check skips.

    numpydoc stops checking a parameter once its type holds a set of options, so a description
    that is missing, starts in lowercase (typically the rest of a type that ran onto the next
    line without a ``\\`` continuation) or has no final period goes unreported.
    """
    errors = []
    for name, (type_, desc) in doc.doc_all_parameters.items():
        if "{" not in type_:
            continue
        text = [line for line in desc if line.strip()]
        if not text:
            errors.append(("PR07", f'Parameter "{name}" has no description'))
            continue
        if text[0][0].isalpha() and not text[0][0].isupper():
            errors.append(
                ("PR08", f'Parameter "{name}" description should start with a capital letter')
            )
        if not text[-1].endswith(".") and not text[-1].startswith((" ", "\t")):
            errors.append(("PR09", f'Parameter "{name}" description should finish with "."'))
    return errors


def _filter_errors(errors, kind):
    for code, message in errors:
        if code in IGNORED:
            continue
        if kind != "class" and code in IGNORED_FOR_MEMBERS_AND_FUNCTIONS:
            continue
        if kind == "member" and code in IGNORED_FOR_MEMBERS:
            continue
        yield code, message


def test_public_objects_found():
    """The collection itself works: every kind of object is there, scikit-learn's are not."""
    labels = set(OBJECT_IDS)
    assert {"GloveVectorizer", "GloveVectorizer.fit", "WordVectors.most_similar"} <= labels
    assert {"SkipGramVectorizer.vectors_", "CosineNeighbors.fit_transform"} <= labels
    assert {"clear_cache", "datasets.load_polarity", "parallel.transform_partitions"} <= labels
    assert "GloveVectorizer.get_params" not in labels
    assert "GloveVectorizer.set_output" not in labels
    assert "GloveVectorizer.fit_transform" not in labels  # scikit-learn's TransformerMixin


@pytest.mark.parametrize("path, obj, kind", [o[1:] for o in PUBLIC_OBJECTS], ids=OBJECT_IDS)
def test_docstring(path, obj, kind):
    """numpydoc finds nothing wrong with the docstring, apart from the ignored codes."""
    result = numpydoc_validate.validate(path)
    validator = numpydoc_validate.Validator(numpydoc_docscrape.get_doc_object(obj))
    errors = list(_filter_errors(result["errors"] + _brace_type_errors(validator), kind))
    if errors:
        raise AssertionError(
            f"{path} ({result['file']}, line {result['file_line']}):\n\n"
            f"{result['docstring']}\n\n# Errors\n"
            + "\n".join(f" - {code}: {message}" for code, message in errors)
        )


def test_brace_type_check_catches_a_type_run_onto_the_next_line():
    def function(X):
        """Do nothing.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or iterable of str
            with an encoder
            The samples.
        """

    validator = numpydoc_validate.Validator(numpydoc_docscrape.get_doc_object(function))
    assert [code for code, _ in _brace_type_errors(validator)] == ["PR08"]


# ------------------------------------------------------------------- what the text cites
def _text_files():
    """The package's modules, README.md and the docs sources (not the generated pages)."""
    generated = {DOCS / "_build", DOCS / "auto_examples", DOCS / "generated"}
    docs = [
        path
        for pattern in ("*.rst", "*.md", "conf.py")
        for path in DOCS.rglob(pattern)
        if not any(folder in path.parents for folder in generated)
    ]
    return sorted(PACKAGE.rglob("*.py")) + [ROOT / "README.md"] + sorted(docs)


def _mentions(pattern):
    """``(file:line, match)`` of every match of ``pattern`` in the text files."""
    found = []
    for path in _text_files():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(pattern, text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match))
    return found


def _declared_extras():
    try:
        import tomllib
    except ImportError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    with open(ROOT / "pyproject.toml", "rb") as file:
        return set(tomllib.load(file)["project"]["optional-dependencies"])


EXTRA_MENTION = r"sklearn-lexembed\[([^\]]*)\]"
CITED_FILE = r"(?<![\w/.-])((?:benchmarks|examples|tests)/[\w./-]*\w\.(?:py|md|rst))"
EXAMPLE_IMPORT = re.compile(
    r"^\s*(?:>>>|\.\.\.)\s+(?:from|import)\s+(sklearn_lexembed[\w.]*)", re.M
)


def _private_imports(examples):
    """The private modules of this package that the code of an Examples section imports."""
    return [
        module
        for module in EXAMPLE_IMPORT.findall(examples)
        if any(part.startswith("_") for part in module.split("."))
    ]


def test_patterns_find_what_they_are_for():
    """Each pattern would have caught the drift it is for (the slips of earlier versions)."""
    hint = "install the bundle (pip install 'sklearn-lexembed[contextual]')"
    assert [m.group(1) for m in re.finditer(EXTRA_MENTION, hint)] == ["contextual"]
    assert re.findall(EXTRA_MENTION, '"sklearn-lexembed[glove, ann]"') == ["glove, ann"]
    text = "see benchmarks/bench_glove.py, benchmarks/results/glove.md and tests/test_x.py."
    assert re.findall(CITED_FILE, text) == [
        "benchmarks/bench_glove.py",
        "benchmarks/results/glove.md",
        "tests/test_x.py",
    ]
    assert re.findall(CITED_FILE, "docs/auto_examples/index.rst, plot_examples/a.py") == []
    examples = (
        ">>> import numpy as np\n"
        ">>> from sklearn_lexembed._store import WordVectors\n"
        ">>> import sklearn_lexembed.static._oov as oov\n"
        ">>> from sklearn_lexembed.datasets import load_polarity\n"
        ">>> from sklearn_lexembed import GloveVectorizer\n"
    )
    assert _private_imports(examples) == [
        "sklearn_lexembed._store",
        "sklearn_lexembed.static._oov",
    ]


def test_mentioned_extras_exist():
    extras = _declared_extras()
    mentions = _mentions(EXTRA_MENTION)
    assert len(mentions) >= 5, "the pattern no longer finds the install hints"
    wrong = []
    for where, match in mentions:
        for extra in match.group(1).split(","):
            extra = extra.strip()
            if extra.startswith("{"):
                continue  # an f-string placeholder: its values are checked below
            if extra not in extras:
                wrong.append(f"{where}: [{extra}]")
    # The one placeholder: the ImportError of a missing vector bundle names its extra.
    from sklearn_lexembed.static._resources import BUNDLED_VECTORS

    for name, (_, _, extra) in BUNDLED_VECTORS.items():
        if extra not in extras:
            wrong.append(f"BUNDLED_VECTORS[{name!r}]: [{extra}]")
    assert not wrong, f"extras that pyproject.toml does not declare ({sorted(extras)}): {wrong}"


def test_cited_files_exist():
    mentions = _mentions(CITED_FILE)
    assert len(mentions) >= 10, "the pattern no longer finds the cited files"
    missing = [
        f"{where}: {m.group(1)}" for where, m in mentions if not (ROOT / m.group(1)).is_file()
    ]
    assert not missing, f"files cited but absent: {missing}"


@pytest.mark.parametrize("obj", [o[2] for o in PUBLIC_OBJECTS], ids=OBJECT_IDS)
def test_examples_import_public_modules_only(obj):
    examples = "\n".join(numpydoc_docscrape.get_doc_object(obj)["Examples"])
    private = _private_imports(examples)
    assert not private, f"the Examples section imports private modules: {private}"
