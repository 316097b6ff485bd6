"""Device and dtype resolution, exercised on a CPU-only machine by monkeypatching torch."""

import re

import pytest

torch = pytest.importorskip("torch")

from sklearn_lexembed._core.device import resolve_device, resolve_dtype  # noqa: E402


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_auto_prefers_cuda_then_mps_then_cpu(monkeypatch, no_gpu):
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")


def test_explicit_devices(no_gpu):
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_unavailable_devices_raise(monkeypatch, no_gpu):
    with pytest.raises(
        ValueError, match=re.escape("Device 'cuda' was requested but CUDA is not available.")
    ):
        resolve_device("cuda")
    with pytest.raises(
        ValueError, match=re.escape("Device 'mps' was requested but MPS is not available.")
    ):
        resolve_device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(
        ValueError,
        match=re.escape("Device 'cuda:3' was requested but only 1 CUDA device(s) exist."),
    ):
        resolve_device("cuda:3")
    assert resolve_device("cuda:0") == torch.device("cuda:0")


def test_bad_device_values():
    with pytest.raises(ValueError, match=re.escape("Unknown device 'gpu'; expected 'auto'")):
        resolve_device("gpu")
    with pytest.raises(
        TypeError, match=re.escape("device must be a str or torch.device; got int.")
    ):
        resolve_device(0)


def test_auto_dtype(monkeypatch):
    assert resolve_dtype("auto", torch.device("cpu")) is torch.float32
    assert resolve_dtype("auto", torch.device("mps")) is torch.float32
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert resolve_dtype("auto", torch.device("cuda")) is torch.bfloat16
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert resolve_dtype("auto", torch.device("cuda")) is torch.float16


def test_explicit_dtypes():
    cpu = torch.device("cpu")
    assert resolve_dtype("float16", cpu) is torch.float16
    assert resolve_dtype("bfloat16", cpu) is torch.bfloat16
    assert resolve_dtype(torch.float32, cpu) is torch.float32
    with pytest.raises(ValueError, match=re.escape("Unknown dtype 'half'; expected 'auto'")):
        resolve_dtype("half", cpu)
    with pytest.raises(ValueError, match=re.escape("Unsupported dtype torch.int8; expected")):
        resolve_dtype(torch.int8, cpu)
