"""Float64 golden references (torch) for the functions and ops the units approximate.

Every expected real value in the project comes from here. The integer models and the
RTL are compared against these, never against each other alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch


def _as_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.asarray(x, dtype=np.float64))


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, as in BERT: x * Phi(x)."""
    return torch.nn.functional.gelu(_as_tensor(x), approximate="none").numpy()


def silu(x: np.ndarray) -> np.ndarray:
    """SiLU (swish), as in Llama-class feed-forward blocks: x * sigmoid(x)."""
    return torch.nn.functional.silu(_as_tensor(x)).numpy()


def exp(x: np.ndarray) -> np.ndarray:
    return torch.exp(_as_tensor(x)).numpy()


def recip(x: np.ndarray) -> np.ndarray:
    return torch.reciprocal(_as_tensor(x)).numpy()


def rsqrt(x: np.ndarray) -> np.ndarray:
    return torch.rsqrt(_as_tensor(x)).numpy()


def exp2_neg(x: np.ndarray) -> np.ndarray:
    """2^-x: the one-octave table of the range-reduced exp (x in [0, 1))."""
    return torch.exp2(-_as_tensor(x)).numpy()


# LayerNorm's epsilon in BERT and all-MiniLM-L6-v2 (their configs' layer_norm_eps). Every
# LayerNorm reference uses it unless the unit under test implements another epsilon itself, in
# which case it is compared at its own (LayerNormConfig.eps, AILayerNormConfig.eps).
LAYERNORM_EPS = 1e-12


def softmax(x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis (rows of logits). With a mask, elements where it is False
    are left out of their row (as -inf logits are) and get probability 0; a row with no element
    kept is all 0 (where torch gives NaN)."""
    if mask is None:
        return torch.softmax(_as_tensor(x), dim=-1).numpy()
    keep = np.asarray(mask, dtype=bool)
    t = _as_tensor(x).masked_fill(torch.from_numpy(~keep), float("-inf"))
    return np.nan_to_num(torch.softmax(t, dim=-1).numpy(), nan=0.0)


def layer_norm(x: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
               eps: float = LAYERNORM_EPS) -> np.ndarray:
    """LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta, with the
    biased variance (as torch and the models use); gamma 1 and beta 0 unless given."""
    t = _as_tensor(x)
    weight = None if gamma is None else _as_tensor(gamma)
    bias = None if beta is None else _as_tensor(beta)
    return torch.nn.functional.layer_norm(t, (t.shape[-1],), weight=weight, bias=bias, eps=eps).numpy()


def rms_norm(x: np.ndarray, gamma: np.ndarray | None = None, beta: np.ndarray | None = None,
             eps: float = LAYERNORM_EPS) -> np.ndarray:
    """RMSNorm over the last axis (Llama-class models): x / sqrt(mean(x^2) + eps) * gamma,
    plus beta where given (the NN-LUT unit keeps its beta port)."""
    t = _as_tensor(x)
    weight = None if gamma is None else _as_tensor(gamma)
    y = torch.nn.functional.rms_norm(t, (t.shape[-1],), weight=weight, eps=eps)
    return (y if beta is None else y + _as_tensor(beta)).numpy()


@dataclass(frozen=True)
class FunctionSpec:
    """A function the table unit approximates and the input range its table covers."""

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    lo: float
    hi: float


# Ranges as used by the units; the optimal 16-entry errors on these ranges are quoted in
# ../shared/reference/algorithms.md (GELU 2.11e-3 on [-8, 8], exp 9.96e-4, 1/x 1.68e-4, 1/sqrt
# 2.51e-4). GELU's range is its unit's default input format's (models.defaults): on [-32, 32]
# the end segments reach the asymptotes (0 and x) instead of extrapolating lines fitted up to
# +-8 (0.028 off at x = 32); the optimal error is the same 2.11e-3, set by the curved middle.
FUNCTIONS: dict[str, FunctionSpec] = {
    "gelu": FunctionSpec("gelu", gelu, -32.0, 32.0),
    "silu": FunctionSpec("silu", silu, -8.0, 8.0),
    "exp": FunctionSpec("exp", exp, -16.0, 0.0),
    "recip": FunctionSpec("recip", recip, 1.0, 2.0),
    "rsqrt": FunctionSpec("rsqrt", rsqrt, 1.0, 4.0),
    "exp2_neg": FunctionSpec("exp2_neg", exp2_neg, 0.0, 1.0),
}


def function_spec(name: str) -> FunctionSpec:
    try:
        return FUNCTIONS[name]
    except KeyError:
        known = ", ".join(sorted(FUNCTIONS))
        raise ValueError(f"unknown function {name!r}; known functions: {known}") from None


def reference(name: str, x: np.ndarray) -> np.ndarray:
    """Float64 reference value of function `name` at the points x."""
    return function_spec(name).fn(x)


__all__ = ["FUNCTIONS", "FunctionSpec", "function_spec", "reference", "gelu", "silu", "exp",
           "recip", "rsqrt", "exp2_neg", "softmax", "layer_norm", "rms_norm", "LAYERNORM_EPS"]
