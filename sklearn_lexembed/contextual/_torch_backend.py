"""The torch inference backend: padded batches of token ids to pooled rows or hidden states."""

from __future__ import annotations

from contextlib import contextmanager

from .._core.threads import torch_threads
from ._mask_pooling import mask_pool

__all__ = ["TorchEncoder"]


class TorchEncoder:
    """Runs a loaded transformers model on the batches of ``padded_batches``.

    Parameters
    ----------
    loaded : LoadedModel
        The tokenizer and model (``_loading.load_model``).
    layer : int
        Hidden layer to return: -1 the last, 0 the embeddings.
    n_threads : int
        Torch CPU threads while :meth:`running`.
    """

    def __init__(self, loaded, layer, n_threads):
        self.loaded = loaded
        self.layer = layer
        self.n_threads = n_threads

    @contextmanager
    def running(self):
        """Torch on ``n_threads`` threads, without autograd, for the duration of a call."""
        import torch

        with torch_threads(self.n_threads), torch.inference_mode():
            yield

    def _hidden(self, ids, mask):
        import torch

        loaded = self.loaded
        ids_t = torch.from_numpy(ids).to(loaded.device)
        mask_t = torch.from_numpy(mask).to(loaded.device)
        need_hidden = self.layer != -1
        output = loaded.model(
            input_ids=ids_t, attention_mask=mask_t, output_hidden_states=need_hidden
        )
        hidden = output.hidden_states[self.layer] if need_hidden else output.last_hidden_state
        return hidden, mask_t

    def pool(self, ids, mask, method):
        """Pooled rows, float32 ndarray of shape (n_sequences, n_dims)."""
        hidden, mask_t = self._hidden(ids, mask)
        return mask_pool(hidden, mask_t, method).cpu().numpy()

    def hidden(self, ids, mask):
        """Hidden states of ``layer``, float32 ndarray of shape (n_sequences, n_tokens, n_dims)."""
        hidden, _ = self._hidden(ids, mask)
        return hidden.float().cpu().numpy()
