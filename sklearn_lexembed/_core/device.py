"""Device and dtype choice for torch models: ``"auto"`` -> CUDA, then MPS, then CPU.

Nothing here runs at import time; torch is imported inside the functions, so worker processes
never inherit a half-initialised CUDA context.
"""

from __future__ import annotations

__all__ = ["resolve_device", "resolve_dtype"]

_DTYPES = {
    "float32": "float32",
    "float16": "float16",
    "bfloat16": "bfloat16",
}


def _mps_available(torch):
    backend = getattr(torch.backends, "mps", None)
    return backend is not None and backend.is_available()


def resolve_device(device="auto"):
    """Turn a device request into a ``torch.device``.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda", "cuda:N", "mps"} or torch.device, default="auto"
        ``"auto"`` picks CUDA if available, then Apple MPS, then the CPU.

    Returns
    -------
    device : torch.device

    Raises
    ------
    ValueError
        If the string is not a device torch knows, or the device is not available here.
    """
    import torch

    if device is None or device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available(torch):
            return torch.device("mps")
        return torch.device("cpu")
    if isinstance(device, torch.device):
        resolved = device
    elif isinstance(device, str):
        try:
            resolved = torch.device(device)
        except (RuntimeError, ValueError):
            raise ValueError(
                f"Unknown device {device!r}; expected 'auto', 'cpu', 'cuda', 'cuda:N', 'mps' "
                "or a torch.device."
            ) from None
    else:
        raise TypeError(f"device must be a str or torch.device; got {type(device).__name__}.")
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"Device {device!r} was requested but CUDA is not available.")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"Device {device!r} was requested but only {torch.cuda.device_count()} CUDA "
                "device(s) exist."
            )
    elif resolved.type == "mps" and not _mps_available(torch):
        raise ValueError(f"Device {device!r} was requested but MPS is not available.")
    elif resolved.type not in {"cpu", "cuda", "mps"}:
        raise ValueError(
            f"Unsupported device {device!r}; expected 'auto', 'cpu', 'cuda', 'cuda:N' or 'mps'."
        )
    return resolved


def resolve_dtype(dtype, device):
    """Turn a dtype request into a ``torch.dtype`` for ``device``.

    Parameters
    ----------
    dtype : {"auto", "float32", "float16", "bfloat16"} or torch.dtype
        ``"auto"`` is float32 on the CPU and MPS, bfloat16 on a CUDA device that supports it,
        else float16.
    device : torch.device
        The device the model runs on (from :func:`resolve_device`).

    Returns
    -------
    dtype : torch.dtype
    """
    import torch

    if dtype is None or dtype == "auto":
        if device.type == "cuda":
            if torch.cuda.is_bf16_supported():
                return torch.bfloat16
            return torch.float16
        return torch.float32
    if isinstance(dtype, torch.dtype):
        if dtype not in (torch.float32, torch.float16, torch.bfloat16):
            raise ValueError(f"Unsupported dtype {dtype}; expected float32, float16 or bfloat16.")
        return dtype
    if isinstance(dtype, str) and dtype in _DTYPES:
        return getattr(torch, _DTYPES[dtype])
    raise ValueError(
        f"Unknown dtype {dtype!r}; expected 'auto', 'float32', 'float16', 'bfloat16' or a "
        "torch.dtype."
    )
