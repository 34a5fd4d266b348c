"""Approximation objects that stand in for one op at a site: float tensors in, float
tensors out, the bit-accurate integer model of a unit in between.

Every approximation quantizes the op's float input to the unit's input format, runs the
unit's integer model on the codes and dequantizes the output; nothing else of the model
changes. The tensor plumbing (flattening to rows, keeping only the valid key positions of
each attention row) lives here so that the unit models only ever see what the hardware
would: whole rows of codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch

from models.nnlut import IntTable

RowsFn = Callable[[np.ndarray], np.ndarray]
NormRowsFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _to_numpy(x: torch.Tensor) -> np.ndarray:
    return x.detach().to(torch.float64).cpu().numpy()


def _like(values: np.ndarray, template: torch.Tensor) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(values)).to(dtype=template.dtype, device=template.device)


@dataclass(frozen=True)
class NnlutGelu:
    """GELU on the NN-LUT core: quantize to the table's input format, IntTable.evaluate,
    dequantize from its output format."""

    table: IntTable

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        p = self.table.params
        codes = p.in_fmt.quantize(_to_numpy(x))
        return _like(p.out_fmt.to_real(self.table.evaluate(codes)), x)


@dataclass(frozen=True)
class ElementwiseGelu:
    """GELU through any real-valued elementwise model (the baselines' float wrappers)."""

    fn: RowsFn
    label: str

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return _like(np.asarray(self.fn(_to_numpy(x)), dtype=np.float64).reshape(x.shape), x)


def valid_row_groups(scores: np.ndarray, valid: np.ndarray
                     ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(row indices, their valid mask, dense (rows, n) block of valid entries) for each
    group of rows with the same number n >= 1 of valid positions.

    Scores and valid are flattened to rows over the last axis. Each dense block is exactly
    what a row unit of length n would be fed.
    """
    n_cols = scores.shape[-1]
    x = scores.reshape(-1, n_cols)
    keep = valid.reshape(-1, n_cols)
    counts = keep.sum(axis=1)
    for n in np.unique(counts):
        if n == 0:
            continue
        rows = np.flatnonzero(counts == n)
        mask = keep[rows]
        # Boolean indexing walks row-major, so each row's n valid entries stay together.
        yield rows, mask, x[rows][mask].reshape(rows.size, int(n))


def apply_over_valid(scores: np.ndarray, valid: np.ndarray, rows_fn: RowsFn) -> np.ndarray:
    """rows_fn applied to the valid positions of each row only; invalid positions are 0.
    Rows with no valid position (impossible with a key-padding mask) come out all zero. These are
    the Softmax units' framing semantics (rtl/common/softmax_rows.sv): a masked key is left out of
    its row (its lane's keep low) and gets probability exactly 0, and the kept keys get what the
    row of kept keys alone gets (models/tests/test_softmax.py checks the two agree)."""
    n_cols = scores.shape[-1]
    out = np.zeros((int(np.prod(scores.shape[:-1], dtype=np.int64)), n_cols))
    for rows, mask, dense in valid_row_groups(scores, valid):
        result = np.asarray(rows_fn(dense), dtype=np.float64)
        if result.shape != dense.shape:
            raise ValueError(f"softmax model returned shape {result.shape} for rows {dense.shape}")
        block = np.zeros((rows.size, n_cols))
        block[mask] = result.reshape(-1)
        out[rows] = block
    return out.reshape(scores.shape)


@dataclass(frozen=True)
class RowSoftmax:
    """Softmax over the valid key positions of each attention row through a row model
    (rows, n) -> (rows, n) that quantizes, runs the integer datapath and dequantizes."""

    rows_fn: RowsFn
    label: str

    def __call__(self, scores: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        probs = apply_over_valid(_to_numpy(scores), valid.detach().cpu().numpy(), self.rows_fn)
        return _like(probs, scores)


@dataclass(frozen=True)
class RowLayerNorm:
    """LayerNorm over the last axis through a row model (x (rows, D), gamma (D,), beta (D,))
    -> (rows, D) that quantizes, runs the integer datapath and dequantizes."""

    rows_fn: NormRowsFn
    label: str
    eps: float | None = None  # the epsilon the unit is built for; None: the unit has none

    def __call__(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                 eps: float) -> torch.Tensor:
        if self.eps is not None and not np.isclose(self.eps, eps, rtol=1e-6, atol=0.0):
            raise ValueError(f"{self.label}: the unit is built for eps={self.eps:g}, the model's "
                             f"LayerNorm uses eps={eps:g}")
        rows = _to_numpy(x).reshape(-1, x.shape[-1])
        y = np.asarray(self.rows_fn(rows, _to_numpy(weight), _to_numpy(bias)), dtype=np.float64)
        return _like(y.reshape(x.shape), x)
