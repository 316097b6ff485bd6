"""Sphinx configuration: numpydoc API reference, sphinx-gallery examples, offline build.

Built by ``make docs`` (``sphinx-build -W --keep-going -b html docs docs/_build/html``): every
warning fails the build, and nothing is fetched from the network (no intersphinx).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
# The examples run offline on the bundled models; a plot window must never open.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_lexembed

project = "sklearn-lexembed"
author = "sklearn-lexembed developers"
copyright = "2026, sklearn-lexembed developers"
version = release = sklearn_lexembed.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",  # docs/benchmarks.md: the benchmark tables are kept in Markdown
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    "auto_examples/*.codeobj.json",
    "sg_execution_times.rst",
]
default_role = "py:obj"

# -- API reference ---------------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_member_order = "groupwise"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# numpydoc's checks run in tests/test_docstrings.py (which lists the codes it ignores, and why),
# not as build warnings.
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False


def _skip_scikit_learn_members(app, what, name, obj, skip, options):
    """Hide what a class inherits from scikit-learn (get_params, set_output, fit_transform...).

    Those members are documented by scikit-learn; their docstrings use scikit-learn's own
    glossary and labels, which do not exist here.
    """
    if skip or what != "class":
        return skip
    owner = getattr(obj, "__objclass__", None)
    qualname = getattr(obj, "__qualname__", "")
    module = getattr(obj, "__module__", "") or ""
    if owner is not None:
        module = owner.__module__
    elif isinstance(obj, property) and obj.fget is not None:
        module = obj.fget.__module__
    if module.startswith("sklearn.") or qualname.split(".")[0] in {"BaseEstimator", "object"}:
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_scikit_learn_members)


# -- Example gallery ---------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    # plot_*.py are executed and their figures rendered; quickstart.py is shown as code.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "download_all_examples": False,
    "doc_module": ("sklearn_lexembed",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_lexembed": None},
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "min_reported_time": 1,
}

# -- HTML --------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-lexembed {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 6,
}
html_show_sourcelink = False
