"""Op sites of a BERT encoder: where each GELU, attention Softmax and LayerNorm runs, and
the swap-in machinery that lets an approximation take over any of them.

How the library's model is hooked without editing it:

- GELU: each layer's `intermediate.intermediate_act_fn` module is replaced by a `GeluSite`.
- LayerNorm: every `nn.LayerNorm` (embeddings plus two per layer) is replaced by a
  `LayerNormSite` that keeps the original's weight, bias and eps.
- Softmax: BERT calls `softmax` inside a module-level attention function, so there is no
  module to replace. `transformers` dispatches attention through its public
  `AttentionInterface` registry: a function registered under our own name computes the
  scores exactly as the library's eager path does, and hands the Softmax to a `SoftmaxSite`
  child added to each self-attention module, together with the key positions the mask
  leaves valid.

A site with no approximation runs the float op, so one instrumented model serves the float
reference and every approximated configuration. A site can also record its inputs (for
calibration) and can stop the forward pass once a block is done (so calibrating block b
costs a forward pass up to block b, not through the whole model).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

import torch
from torch import nn

ATTENTION_NAME = "nnlut_e2e_swapin"
EMBEDDINGS_BLOCK = -1


class OpKind(str, Enum):
    GELU = "gelu"
    SOFTMAX = "softmax"
    LAYERNORM = "layernorm"


class GeluApprox(Protocol):
    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...


class SoftmaxApprox(Protocol):
    def __call__(self, scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Probabilities over the last axis; `valid` (bool, same shape) marks the positions
        that take part. Invalid positions must come out exactly 0."""
        ...


class LayerNormApprox(Protocol):
    def __call__(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                 eps: float) -> torch.Tensor: ...


Recorder = Callable[["SiteModule", torch.Tensor, torch.Tensor | None], None]


class StopForward(Exception):
    """Raised by a site to end a forward pass early (calibration of earlier blocks)."""


@dataclass(frozen=True)
class SiteInfo:
    name: str      # the library's module path of the replaced module (or the attention module)
    kind: OpKind
    block: int     # EMBEDDINGS_BLOCK or the encoder layer index
    order: int     # execution order over the whole model


class SiteModule(nn.Module):
    def __init__(self, info: SiteInfo) -> None:
        super().__init__()
        self.info = info
        self.approx: Any = None
        self.recorder: Recorder | None = None
        self.stop_after = False

    def _finish(self, inputs: torch.Tensor, aux: torch.Tensor | None) -> None:
        if self.recorder is not None:
            self.recorder(self, inputs, aux)

    def _maybe_stop(self) -> None:
        if self.stop_after:
            raise StopForward(self.info.name)

    def extra_repr(self) -> str:
        approx = "float" if self.approx is None else type(self.approx).__name__
        return f"{self.info.kind.value} block={self.info.block} approx={approx}"


class GeluSite(SiteModule):
    def __init__(self, info: SiteInfo, original: nn.Module) -> None:
        super().__init__(info)
        self.original = original

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._finish(x, None)
        y = self.original(x) if self.approx is None else self.approx(x)
        self._maybe_stop()
        return y


class LayerNormSite(SiteModule):
    def __init__(self, info: SiteInfo, original: nn.LayerNorm) -> None:
        super().__init__(info)
        if len(original.normalized_shape) != 1:
            raise ValueError(f"{info.name}: only LayerNorm over the last axis is supported, got "
                             f"normalized_shape {original.normalized_shape}")
        self.original = original

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._finish(x, None)
        if self.approx is None:
            y = self.original(x)
        else:
            y = self.approx(x, self.original.weight.detach(), self.original.bias.detach(),
                            float(self.original.eps))
        self._maybe_stop()
        return y


class SoftmaxSite(SiteModule):
    def forward(self, scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        self._finish(scores, valid)
        if self.approx is None:
            y = torch.softmax(scores.masked_fill(~valid, float("-inf")), dim=-1)
        else:
            y = self.approx(scores, valid)
        self._maybe_stop()
        return y


def valid_keys(mask: torch.Tensor | None, shape: torch.Size) -> torch.Tensor:
    """Bool mask (broadcast to the scores' shape) of the key positions that take part.

    Accepts every mask form transformers hands an attention function: None (no padding),
    bool (True = attend) or additive float (0 = attend, a large negative value = masked).
    """
    if mask is None:
        return torch.ones(shape, dtype=torch.bool)
    if mask.dtype == torch.bool:
        keep = mask
    else:
        # Additive masks use the dtype's minimum (or -inf); anything below half of it is masked.
        keep = mask > torch.finfo(mask.dtype).min / 2
    return keep.expand(shape)


def _swapin_attention(module: nn.Module, query: torch.Tensor, key: torch.Tensor,
                      value: torch.Tensor, attention_mask: torch.Tensor | None,
                      scaling: float | None = None, dropout: float = 0.0,
                      **_: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The eager attention computation with the Softmax delegated to the module's site."""
    site = getattr(module, "e2e_softmax", None)
    if not isinstance(site, SoftmaxSite):
        raise RuntimeError(f"attention module {type(module).__name__} has no Softmax site; "
                           "build the model through models.e2e.encoder.load_encoder")
    if scaling is None:
        scaling = query.size(-1) ** -0.5
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling
    valid = valid_keys(attention_mask, scores.shape)
    probs = site(scores, valid)
    probs = nn.functional.dropout(probs, p=dropout, training=module.training)
    out = torch.matmul(probs, value).transpose(1, 2).contiguous()
    return out, probs


def _register_attention() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface

    AttentionInterface.register(ATTENTION_NAME, _swapin_attention)
    # The mask builder for our name: the eager (additive float) form, which valid_keys reads.
    AttentionMaskInterface.register(ATTENTION_NAME, ALL_MASK_ATTENTION_FUNCTIONS["eager"])


# The architecture's fixed counts for all-MiniLM-L6-v2: 6 layers, one GELU and one attention
# Softmax each, two LayerNorms each plus the embeddings' one.
def expected_counts(layers: int) -> dict[OpKind, int]:
    return {OpKind.GELU: layers, OpKind.SOFTMAX: layers, OpKind.LAYERNORM: 2 * layers + 1}


def _set_child(root: nn.Module, path: str, child: nn.Module) -> None:
    parent_path, _, attr = path.rpartition(".")
    parent = root.get_submodule(parent_path) if parent_path else root
    setattr(parent, attr, child)


def _block_of(path: str) -> int:
    parts = path.split(".")
    if "layer" in parts:
        return int(parts[parts.index("layer") + 1])
    return EMBEDDINGS_BLOCK


def install_sites(model: nn.Module) -> list[SiteModule]:
    """Replace every GELU, LayerNorm and attention Softmax of a BERT model by a site.

    Returns the sites in execution order. Raises if the model does not have exactly the
    sites its configuration implies (a library change that moved an op must not silently
    leave it in float).
    """
    from transformers.activations import GELUActivation

    _register_attention()
    layers = int(model.config.num_hidden_layers)
    if getattr(model.config, "hidden_act", None) != "gelu":
        raise ValueError(f"expected an erf-GELU model, config.hidden_act is {model.config.hidden_act!r}")
    found: list[tuple[str, OpKind]] = []
    for path, module in list(model.named_modules()):
        if isinstance(module, SiteModule):
            raise RuntimeError("sites are already installed on this model")
        if isinstance(module, nn.LayerNorm):
            found.append((path, OpKind.LAYERNORM))
        elif isinstance(module, GELUActivation) or (isinstance(module, nn.GELU) and module.approximate == "none"):
            found.append((path, OpKind.GELU))
        elif type(module).__name__ == "BertSelfAttention":
            found.append((path, OpKind.SOFTMAX))
    # Execution order inside a layer: attention (Softmax), its output LayerNorm, the
    # intermediate GELU, the output LayerNorm. named_modules lists the attention's
    # LayerNorm after the attention and the GELU before the output LayerNorm, which is
    # exactly that order; the embeddings come first.
    sites: list[SiteModule] = []
    for order, (path, kind) in enumerate(found):
        info = SiteInfo(path, kind, _block_of(path), order)
        module = model.get_submodule(path)
        if kind is OpKind.SOFTMAX:
            site: SiteModule = SoftmaxSite(info)
            module.e2e_softmax = site
        elif kind is OpKind.LAYERNORM:
            site = LayerNormSite(info, module)
            _set_child(model, path, site)
        else:
            site = GeluSite(info, module)
            _set_child(model, path, site)
        sites.append(site)
    counts = {kind: sum(s.info.kind is kind for s in sites) for kind in OpKind}
    expected = expected_counts(layers)
    if counts != expected:
        raise RuntimeError("unexpected op sites: found " +
                           ", ".join(f"{k.value} {counts[k]}" for k in OpKind) + "; expected " +
                           ", ".join(f"{k.value} {expected[k]}" for k in OpKind))
    model.set_attn_implementation(ATTENTION_NAME)
    if model.config._attn_implementation != ATTENTION_NAME:
        raise RuntimeError(f"transformers refused the attention implementation {ATTENTION_NAME!r}")
    return sites
