"""What loading a saved vectorizer reads, imports and executes: the claims of the persistence guide.

docs/user_guide/persistence.rst says which load paths run code and which do not. The claims
that are about a whole process (no socket, no unpickling, no import from outside the installed
packages) are checked in a fresh interpreter with an audit hook (PEP 578), whose events
CPython raises from C for every ``open``, ``import``, ``socket.*`` call and
``pickle.find_class``; the others in this process, with the loaders that must not run
replaced by recorders.
"""

import json
import pickle
import re
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from gensim.models import KeyedVectors

from sklearn_lexembed import GloveVectorizer
from sklearn_lexembed._core import cache
from sklearn_lexembed._core.fingerprint import files_fingerprint
from sklearn_lexembed.static import allow_unsafe_references

sio = pytest.importorskip("skops.io")

GLOVE = "sklearn_lexembed.static._glove.GloveVectorizer"
DOCS = ["the cat sat on the mat", "a dog"]
WORDS = ["alpha", "beta", "gamma"]
MATRIX = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
OPT_IN = "with sklearn_lexembed.static.allow_unsafe_references():"

# Run in a fresh interpreter: load each file under an audit hook and report what happened.
# The libraries a load may use are imported before the hook is installed, so that the events
# are those of the load itself (the libraries' own imports are not what is being checked).
AUDIT = r"""
import json, site, sys
import joblib, numpy, pyarrow.parquet, skops.io as sio, sklearn_lexembed

WATCHED = {"pickle.find_class", "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn",
           "os.spawn", "os.fork", "ctypes.dlopen", "urllib.Request"}
events = []

def hook(event, args):
    if event == "open":
        events.append([event, str(args[0])])
    elif event == "import":
        events.append([event, str(args[0]), str(args[1])])
    elif event.startswith("socket.") or event in WATCHED:
        events.append([event, repr(args)[:300]])

loads = json.loads(sys.argv[1])
sys.addaudithook(hook)
report = []
for fmt, path, trusted in loads:
    start = len(events)
    try:
        model = sio.load(path, trusted=trusted) if fmt == "skops" else joblib.load(path)
        outcome = "loaded"
    except Exception as error:
        outcome = f"{type(error).__name__}: {error}"
    report.append({"path": path, "outcome": outcome, "events": events[start:]})
roots = [sys.prefix, sys.base_prefix, *site.getsitepackages()]
print(json.dumps({"report": report, "roots": roots,
                  "downloader": "gensim.downloader" in sys.modules}))
"""


def _audit(loads):
    """Load ``(format, path, trusted)`` triples in a fresh interpreter; its audit report."""
    result = subprocess.run(
        [sys.executable, "-c", AUDIT, json.dumps(loads)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _installed(path, roots):
    return path in {"None", ""} or any(path.startswith(root) for root in roots)


def _kinds(events):
    return {event[0] for event in events}


@pytest.fixture(scope="module")
def default_files(tmp_path_factory, glove_store):
    """Default GloveVectorizers (mean and SIF pooling) saved with joblib and skops."""
    folder = tmp_path_factory.mktemp("default")
    files = {}
    for pooling in ["mean", "sif"]:
        model = GloveVectorizer(pooling=pooling).fit(DOCS * 3)
        files[pooling] = model
        joblib.dump(model, folder / f"{pooling}.joblib")
        sio.dump(model, folder / f"{pooling}.skops")
    return folder, files


def test_default_skops_file_holds_only_our_type(default_files):
    folder, _ = default_files
    for pooling in ["mean", "sif"]:
        assert sio.get_untrusted_types(file=folder / f"{pooling}.skops") == [GLOVE]


@pytest.mark.slow
def test_loading_a_default_skops_file_unpickles_nothing_and_opens_no_socket(default_files):
    folder, models = default_files
    loads = [["skops", str(folder / f"{p}.skops"), [GLOVE]] for p in ["mean", "sif"]]
    audit = _audit(loads)
    roots = audit["roots"]
    for entry in audit["report"]:
        assert entry["outcome"] == "loaded", entry["outcome"]
        events = entry["events"]
        # No unpickling, no process, no network: only "open" and "import" events.
        assert _kinds(events) <= {"open", "import"}, events
        opened = [e[1] for e in events if e[0] == "open"]
        assert all(p == entry["path"] or _installed(p, roots) for p in opened), opened
        imported = [e for e in events if e[0] == "import"]
        assert all(_installed(e[2], roots) for e in imported), imported
    assert not audit["downloader"]


@pytest.mark.slow
def test_loading_a_default_joblib_file_unpickles_only_known_classes(default_files):
    folder, _ = default_files
    audit = _audit([["joblib", str(folder / f"{p}.joblib"), None] for p in ["mean", "sif"]])
    for entry in audit["report"]:
        assert entry["outcome"] == "loaded", entry["outcome"]
        events = entry["events"]
        # Unpickling is the point of joblib; what it unpickles is only ours, numpy's and
        # joblib's own array wrapper, and it opens no socket and starts no process.
        assert _kinds(events) <= {"open", "import", "pickle.find_class"}, events
        found = [
            re.match(r"\('([\w.]+)'", e[1]).group(1) for e in events if e[0] == "pickle.find_class"
        ]
        assert any(m.startswith("sklearn_lexembed.") for m in found), found
        allowed = ("sklearn_lexembed.", "numpy", "joblib.numpy_pickle")
        assert all(m.startswith(allowed) for m in found), found
        imported = [e for e in events if e[0] == "import"]
        assert all(_installed(e[2], audit["roots"]) for e in imported), imported
    assert not audit["downloader"]


# ------------------------------------------------------------ unsafe references
def _kv_file(tmp_path):
    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, MATRIX)
    path = tmp_path / "vectors.kv"
    kv.save(str(path))
    return path


class _Recorder:
    """Stands for a loader that must not run; counts the calls it gets."""

    def __init__(self, real=None):
        self.calls = 0
        self.real = real

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.real is None:
            raise AssertionError("this loader must not run")
        return self.real(*args, **kwargs)


def _saved(model, tmp_path, fmt):
    path = tmp_path / f"model.{fmt}"
    (joblib.dump if fmt == "joblib" else sio.dump)(model, path)
    return path


def _load(path, fmt):
    if fmt == "joblib":
        return joblib.load(path)
    return sio.load(path, trusted=sio.get_untrusted_types(file=path))


@pytest.mark.parametrize("fmt", ["joblib", "skops"])
def test_a_reference_to_a_gensim_pickle_needs_the_opt_in(tmp_path, monkeypatch, fmt):
    path = _kv_file(tmp_path)
    model = GloveVectorizer(vectors=str(path), persist="reference", oov="zero").fit(["alpha"])
    with pytest.warns(UserWarning, match=re.escape(f"loading this file will need `{OPT_IN}`")):
        saved = _saved(model, tmp_path, fmt)
    recorder = _Recorder(KeyedVectors.load)
    monkeypatch.setattr(KeyedVectors, "load", recorder)
    monkeypatch.setattr(cache, "_entries", {})
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"This vectorizer was pickled with persist='reference' to the gensim file "
            f"{str(path)!r}, a pickle: loading it would run any code it holds."
        )
        + ".*"
        + re.escape(OPT_IN),
    ):
        _load(saved, fmt)
    assert recorder.calls == 0
    with allow_unsafe_references():
        loaded = _load(saved, fmt)
    assert recorder.calls == 1
    np.testing.assert_array_equal(loaded.transform(["alpha beta"]), [[0.5, 0.5]])


def test_pickling_an_unsafe_reference_inside_the_opt_in_does_not_warn(tmp_path):
    path = _kv_file(tmp_path)
    model = GloveVectorizer(vectors=str(path), persist="reference", oov="zero").fit(["alpha"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with allow_unsafe_references():
            data = pickle.dumps(model)
    assert len(data) < 2_000


@pytest.mark.parametrize("fmt", ["joblib", "skops"])
def test_a_reference_to_a_downloader_name_needs_the_opt_in(tmp_path, monkeypatch, fmt):
    import gensim.downloader

    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, MATRIX)
    downloader = _Recorder(lambda name: kv)
    monkeypatch.setattr(gensim.downloader, "load", downloader)
    monkeypatch.setattr(cache, "_entries", {})
    model = GloveVectorizer(vectors="fasttext-imaginary-2", persist="reference", oov="zero")
    model.fit(["alpha"])
    assert downloader.calls == 1
    with pytest.warns(UserWarning, match=re.escape(OPT_IN)):
        saved = _saved(model, tmp_path, fmt)
    monkeypatch.setattr(cache, "_entries", {})
    with pytest.raises(
        ValueError,
        match=re.escape(
            "to the gensim-downloader name 'fasttext-imaginary-2': following it would reach "
            "the network and import a module from GENSIM_DATA_DIR."
        ),
    ):
        _load(saved, fmt)
    assert downloader.calls == 1
    with allow_unsafe_references():
        loaded = _load(saved, fmt)
    assert downloader.calls == 2
    np.testing.assert_array_equal(loaded.transform(["gamma"]), [[1, 1]])


@pytest.mark.slow
def test_a_refused_downloader_reference_opens_no_socket(tmp_path, monkeypatch):
    import gensim.downloader

    kv = KeyedVectors(vector_size=2)
    kv.add_vectors(WORDS, MATRIX)
    monkeypatch.setattr(gensim.downloader, "load", lambda name: kv)
    model = GloveVectorizer(vectors="fasttext-imaginary-2", persist="reference").fit(["a"])
    with pytest.warns(UserWarning):
        saved = _saved(model, tmp_path, "skops")
    audit = _audit([["skops", str(saved), [GLOVE]]])
    (entry,) = audit["report"]
    assert entry["outcome"].startswith("ValueError: This vectorizer was pickled"), entry
    assert not any(e[0].startswith("socket.") for e in entry["events"]), entry["events"]
    assert not audit["downloader"]


# ----------------------------------------------------------- a hostile file
PAYLOAD = "open({marker!r}, 'w').write('ran')"


class _Payload:
    """A pickle that runs code when loaded: what a hostile ``.kv`` file holds."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return exec, (PAYLOAD.format(marker=self.marker),)


def _pointing_at(path, tmp_path):
    """A fitted reference whose state was edited to name ``path``, as a hostile file would.

    The attacker can compute the fingerprint of their own file, so it matches.
    """
    vectors = tmp_path / "real.txt"
    vectors.write_text("alpha 1 0\nbeta 0 1\n")
    model = GloveVectorizer(vectors=str(vectors), persist="reference", oov="zero").fit(["a"])
    model.vectors = str(path)
    model.vectors_fingerprint_ = files_fingerprint([path])
    return model


@pytest.mark.parametrize("fmt", ["joblib", "skops"])
def test_a_hostile_pickle_named_as_a_kv_file_runs_only_with_the_opt_in(tmp_path, fmt):
    marker = tmp_path / "marker"
    hostile = tmp_path / "hostile.kv"
    hostile.write_bytes(pickle.dumps(_Payload(str(marker))))
    saved = _saved(_pointing_at(hostile, tmp_path), tmp_path, fmt)
    with pytest.raises(ValueError, match=re.escape(OPT_IN)):
        _load(saved, fmt)
    assert not marker.exists()
    # The hazard is real: with the opt-in, loading the .kv runs its code.
    with allow_unsafe_references(), pytest.raises(Exception):  # noqa: B017
        _load(saved, fmt)
    assert marker.read_text() == "ran"


@pytest.mark.parametrize("suffix", [".txt", ".bin", ".vec.gz"])
def test_other_formats_are_parsed_never_unpickled(tmp_path, suffix):
    marker = tmp_path / "marker"
    hostile = tmp_path / f"hostile{suffix}"
    hostile.write_bytes(pickle.dumps(_Payload(str(marker))))
    saved = _saved(_pointing_at(hostile, tmp_path), tmp_path, "skops")
    with allow_unsafe_references(), pytest.raises(ValueError, match=re.escape(str(hostile))):
        _load(saved, "skops")
    assert not marker.exists()


def test_a_reference_to_something_not_a_regular_file_is_refused(tmp_path):
    model = _pointing_at(tmp_path / "real.txt", tmp_path)
    model.vectors = "/dev/zero"  # reading it would never end
    data = pickle.dumps(model)
    with pytest.raises(ValueError, match=re.escape("'/dev/zero' is not a regular file")):
        pickle.loads(data)


@pytest.mark.parametrize("fmt", ["joblib", "skops"])
def test_a_changed_file_is_refused_on_load(tmp_path, fmt):
    path = tmp_path / "vectors.txt"
    path.write_text("alpha 1 0\nbeta 0 1\n")
    model = GloveVectorizer(vectors=str(path), persist="reference", oov="zero").fit(["alpha"])
    saved = _saved(model, tmp_path, fmt)
    np.testing.assert_array_equal(_load(saved, fmt).transform(["beta"]), [[0, 1]])
    path.write_text("alpha 1 0\nbeta 1 1\n")
    with pytest.raises(ValueError, match=re.escape("has changed since this vectorizer was fitted")):
        _load(saved, fmt)
