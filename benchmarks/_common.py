"""What every benchmark script records besides its measurements: versions, machine load,
timing, memory, the git revision, and the results file.

The scripts import it as ``from _common import ...``: run as ``python benchmarks/bench_*.py``,
Python puts ``benchmarks/`` first on ``sys.path``. Only the standard library is imported here, so
the fresh processes some benchmarks start (``python -c``) can import it too without changing the
memory they measure: see :data:`IMPORT_IN_CHILD`.
"""

from __future__ import annotations

import importlib
import math
import os
import platform
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
RESULTS_DIR = HERE / "results"

# Prepended to a ``python -c`` script so that it can use these helpers (status_mb, reset_peak).
IMPORT_IN_CHILD = (
    f"import sys; sys.path.insert(0, {str(HERE)!r}); from _common import reset_peak, status_mb\n"
)

# The name a version is printed under -> the module to import.
_MODULES = {
    "numpy": "numpy",
    "scipy": "scipy",
    "scikit-learn": "sklearn",
    "torch": "torch",
    "gensim": "gensim",
    "numba": "numba",
    "faiss-cpu": "faiss",
    "hnswlib": "hnswlib",
    "joblib": "joblib",
    "dask": "dask",
    "distributed": "distributed",
    "skops": "skops",
    "transformers": "transformers",
    "sentence-transformers": "sentence_transformers",
    "sklearn-lexembed": "sklearn_lexembed",
}


# ----------------------------------------------------------------------------- versions, machine
def versions(*names, optional=()):
    """``"python 3.11.7, numpy 2.4.6, ..."``: the interpreter, then each named library.

    A library that cannot be imported raises ImportError, unless it is in ``optional``: then it
    is left out. A module without ``__version__`` (hnswlib) is looked up by distribution name.
    """
    from importlib import metadata

    parts = [f"python {platform.python_version()}"]
    for name in names:
        try:
            module = importlib.import_module(_MODULES.get(name, name))
        except ImportError:
            if name in optional:
                continue
            raise
        version = getattr(module, "__version__", None) or metadata.version(name)
        parts.append(f"{name} {version}")
    return ", ".join(parts)


def git_revision(mark_modified=False):
    """Short hash of HEAD ("unknown" outside a git checkout); with ``mark_modified``, followed by
    " (sklearn_lexembed modified)" when the package differs from HEAD in the working tree."""

    def git(*args):
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=REPOSITORY, check=True
        ).stdout.strip()

    try:
        revision = git("rev-parse", "--short", "HEAD")
        dirty = mark_modified and git(
            "status", "--porcelain", "--untracked-files=no", "--", "sklearn_lexembed"
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return revision + (" (sklearn_lexembed modified)" if dirty else "")


def uptime():
    """The ``uptime`` line: clock, uptime and the 1/5/15-minute load averages."""
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def load_average():
    """``"7.0 / 5.9 / 6.9"``: the 1/5/15-minute load averages."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


# ----------------------------------------------------------------------------- timing
def timed(function):
    """Wall time of one call (``time.perf_counter``) and its result."""
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def best_of(function, repeat=3):
    """Best wall time of ``repeat`` calls and the last call's result."""
    best = math.inf
    for _ in range(repeat):
        seconds, result = timed(function)
        best = min(best, seconds)
    return best, result


# ----------------------------------------------------------------------------- memory (Linux)
def status_mb(field):
    """A memory field of /proc/self/status in MB: "VmRSS" now, "VmHWM" the peak (NaN if absent).

    VmHWM, not ``resource.getrusage().ru_maxrss``: Linux carries ru_maxrss over exec from the
    forked parent, so a child of a large benchmark process would report the parent's peak.
    """
    with open("/proc/self/status") as fin:
        for line in fin:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as fout:
            fout.write("5")
        return True
    except OSError:
        return False


def rss_mb():
    """Resident memory now, in MB (/proc/self/statm: cheap enough to sample every 5 ms)."""
    with open("/proc/self/statm") as fin:
        return int(fin.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PeakRss:
    """Highest RSS above the starting level while the block runs (sampled every 5 ms), in
    ``extra`` after the block."""

    def __enter__(self):
        self.start = self.peak = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())
        self.extra = self.peak - self.start


# ----------------------------------------------------------------------------- command line
def argument_parser(doc, quick="small sizes, for a smoke run"):
    """The script's parser: described by the first line of its docstring, with ``--quick``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick)
    return parser


def command_line():
    """This run's command as typed from the repository root, arguments shell-quoted."""
    return ".venv/bin/python benchmarks/" + " ".join(
        [Path(sys.argv[0]).name] + [shlex.quote(a) for a in sys.argv[1:]]
    )


# ----------------------------------------------------------------------------- results file
def write_results(path, text):
    """Write a markdown results file (``benchmarks/results/<name>.md`` by default) and say so."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"\nwrote {path}")
