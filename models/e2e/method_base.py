"""What every way of computing the non-linear ops shares: the widths the units are built with,
the format rule, and the Method interface (models.e2e.methods implements it per method;
models.e2e.calibrate drives its calibration)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from models.defaults import (FITS, GELU_INT_BITS, LAYERNORM_GUARD_BITS, LAYERNORM_INT_BITS, SOFTMAX_INT_BITS,
                             table_fit)
from models.e2e.sites import OpKind, SiteModule
from models.reference import LAYERNORM_EPS

METHOD_NAMES = ("nnlut", "ibert", "sole")
METHOD_LABELS = {"nnlut": "NN-LUT", "ibert": "I-BERT", "sole": "SOLE"}
# LayerNorm epsilon of BERT and MiniLM (models.reference); the NN-LUT LayerNorm unit is built for it.
BERT_LN_EPS = LAYERNORM_EPS


@dataclass(frozen=True)
class Widths:
    """The data widths every unit is built with, the NN-LUT table size, and the choices of
    models.defaults that the evaluation can vary (how they were chosen: `--gelu-fit`,
    `--layernorm-guard-bits`, `--layernorm-int-bits` of `python -m flow.e2e`)."""

    width: int = 16
    entries: int = 16
    gelu_fit: str = table_fit("gelu")
    layernorm_guard_bits: int = LAYERNORM_GUARD_BITS
    layernorm_int_bits: int = LAYERNORM_INT_BITS

    def __post_init__(self) -> None:
        if not 8 <= self.width <= 20:
            raise ValueError(f"width must be in [8, 20], got {self.width}")
        if self.entries < 2:
            raise ValueError(f"entries must be >= 2, got {self.entries}")
        if self.gelu_fit not in FITS:
            raise ValueError(f"gelu fit must be one of {', '.join(FITS)}, got {self.gelu_fit!r}")
        if not 0 <= self.layernorm_guard_bits <= 4:
            raise ValueError(f"LayerNorm guard bits must be in [0, 4], got {self.layernorm_guard_bits}")
        if not 1 <= self.layernorm_int_bits <= self.layernorm_width:
            raise ValueError(f"LayerNorm integer bits must be in [1, {self.layernorm_width}], "
                             f"got {self.layernorm_int_bits}")

    # Default formats: the integer bits each op's inputs need in BERT-class models before any
    # calibration (models.defaults; the units' own defaults at W = 16).
    @property
    def gelu_frac(self) -> int:
        return self.width - GELU_INT_BITS

    @property
    def softmax_frac(self) -> int:
        return self.width - SOFTMAX_INT_BITS

    @property
    def layernorm_width(self) -> int:
        """LayerNorm's input is wider than the other units' data (models.defaults)."""
        return self.width + self.layernorm_guard_bits

    @property
    def layernorm_frac(self) -> int:
        return self.layernorm_width - self.layernorm_int_bits


def power_of_two_frac(max_abs: float, width: int) -> int:
    """Largest fractional bit count whose signed `width`-bit format holds +-max_abs."""
    if not np.isfinite(max_abs) or max_abs <= 0.0:
        return width - 2
    # The top code is 2^(width-1) - 1 LSBs; need max_abs <= that.
    frac = width - 1 - int(np.ceil(np.log2(max_abs)))
    while max_abs > ((1 << (width - 1)) - 1) * 2.0 ** -frac:
        frac -= 1
    return frac


class Method(ABC):
    """A family of units. `approximation` gives the uncalibrated per-kind approximation;
    calibration goes through `choose_formats` (all sites, float activations) and then
    `calibrated` (one site, activations of the already-approximated blocks before it)."""

    name: str

    def __init__(self, widths: Widths) -> None:
        self.widths = widths

    @property
    def label(self) -> str:
        return METHOD_LABELS[self.name]

    def kind_width(self, kind: OpKind) -> int:
        """The data width of the kind's unit: one width for every kind unless a method sets
        them apart (the design search's)."""
        return self.widths.layernorm_width if kind is OpKind.LAYERNORM else self.widths.width

    @abstractmethod
    def supports(self, kind: OpKind) -> bool: ...

    @abstractmethod
    def approximation(self, kind: OpKind) -> Any: ...

    def choose_formats(self, records: dict[SiteModule, Any]) -> None:
        """Pick format parameters shared by all sites of a kind. Default: none."""

    @abstractmethod
    def calibrated(self, site: SiteModule, record: Any) -> Any: ...

    def describe_calibration(self) -> list[str]:
        return []
