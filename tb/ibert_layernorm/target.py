"""Bench target and stream model of the I-BERT LayerNorm unit (rtl/ibert/ibert_layernorm_unit.sv).

`IBertLayerNormTarget` implements tb.common.spec.BenchTarget (no generated files; the
parameters are the model's). `IBertLayerNormStreamModel` is the row stream model
(tb.common.rowbench): rows predicted with models/ibert.py IntLayerNorm (gamma = 1, beta = 0, as
the unit implements), referenced by float64 layer_norm at the exact input values and the
models' epsilon (models.reference.LAYERNORM_EPS; I-BERT's datapath has none).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.fixedpoint import FixedFormat, ScaledFormat
from models.ibert import IntLayerNorm
from models.intops import isqrt_newton
from models.layernorm import LayerNormConfig
from models.reference import layer_norm
from tb.common.checks import Coverage
from tb.common.rowbench import RowStreamModel
from tb.common.sources import LZC, ROW_SUM, SEQ_DIVIDER, STREAM_PIPE
from tb.common.spec import UnitTarget

# Bins newton:updates[0..5]: no variance below 2^32 takes more than 5 updates
# (newton_updates_worst(32) = 5: every value swept, about 5 minutes).
NEWTON_UPDATES = 5


def newton_updates_worst(bits: int, chunk_bits: int = 24) -> int:
    """The most updates models.intops.isqrt_newton takes for any 1 <= n < 2^bits: every n,
    2^chunk_bits at a time. It bounds the Newton budget of ibert_isqrt and the update bins."""
    if not 1 <= bits <= 40 or chunk_bits < 1:
        raise ValueError(f"newton_updates_worst: bits must be in [1, 40] and chunk_bits >= 1, got {bits} and "
                         f"{chunk_bits}")
    chunk = 1 << min(chunk_bits, bits)
    return max(isqrt_newton(np.arange(max(start, 1), start + chunk, dtype=np.int64))[1]
               for start in range(0, 1 << bits, chunk))


@dataclass(frozen=True)
class LayerNormGrid:
    """Row length, lanes and the SQ18.9 input as the NN-LUT layernorm_unit's defaults, so the two
    units are compared on one grid (I-BERT's scale cancels; the width does not)."""

    dim: int = LayerNormConfig.dim
    lanes: int = LayerNormConfig.lanes
    in_width: int = LayerNormConfig.in_width
    in_frac: int = LayerNormConfig.in_frac


@dataclass(frozen=True)
class IBertLayerNormConfig(LayerNormGrid):
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = (
        'dim', 'in_width', 'in_frac', 'max_bit', 'min_shift', 'div_bits_per_cycle', 'lanes')

    max_bit: int = 32
    min_shift: int = 0
    div_bits_per_cycle: int = 4
    newton_budget: int = 7

    @property
    def beats_per_row(self) -> int:
        return self.dim // self.lanes

    @property
    def tag(self) -> str:
        return (f"ibert_layernorm_d{self.dim}_i{self.in_width}q{self.in_frac}_m{self.max_bit}s{self.min_shift}"
                f"_d{self.div_bits_per_cycle}_l{self.lanes}")

    def model(self) -> IntLayerNorm:
        return IntLayerNorm(self.in_width, self.max_bit, self.min_shift)

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.in_width, self.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        """out = (y * floor(2^31 / std)) >> 1: 32-bit signed codes at scale sqrt(D) / 2^30."""
        return ScaledFormat.of(32, IntLayerNorm.base_scale(self.dim))

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def hdl_parameters(self) -> dict[str, int | str]:
        return {"Dim": self.dim, "Lanes": self.lanes, "InWidth": self.in_width, "MaxBit": self.max_bit,
                "MinShift": self.min_shift, "OutWidth": 32, "DivBitsPerCycle": self.div_bits_per_cycle,
                "NewtonBudget": self.newton_budget}

    @property
    def mean_steps(self) -> int:
        """The mean divider's cycles: ceil(in_width / div) (the quotient has in_width bits)."""
        return math.ceil(self.in_width / self.div_bits_per_cycle)

    @property
    def root_cycles(self) -> int:
        """ibert_isqrt's fixed time per row: (NewtonBudget + 1) (ceil(32 / div) + 2) + 2."""
        return (self.newton_budget + 1) * (math.ceil(max(32, self.max_bit) / self.div_bits_per_cycle) + 2) + 2

    @property
    def row_latency(self) -> int:
        """Documented in rtl/ibert/ibert_layernorm_unit.sv: Beats + MeanSteps + RootCycles + 8."""
        return self.beats_per_row + self.mean_steps + self.root_cycles + 8

    @property
    def row_interval(self) -> int:
        """Documented there too: rows of fewer beats than RootCycles (or MeanSteps + 1) leave one
        per RootCycles (or MeanSteps + 1) cycles."""
        return max(self.root_cycles, self.mean_steps + 1)


class IBertLayerNormTarget(UnitTarget, top="ibert_layernorm_unit",
                           bench="tb.ibert_layernorm.test_ibert_layernorm",
                           model="tb.ibert_layernorm.target:layernorm_stream_model",
                           sources=(STREAM_PIPE, LZC, SEQ_DIVIDER, ROW_SUM, "common/stream_fifo.sv", "common/row_counter.sv",
                                    "ibert/ibert_ln_var.sv", "ibert/ibert_isqrt.sv", "ibert/ibert_layernorm_unit.sv")):
    pass


class IBertLayerNormStreamModel(RowStreamModel):
    row_attr = "dim"

    def __init__(self, config: IBertLayerNormConfig) -> None:
        super().__init__(config)
        self.model = config.model()

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.model.forward(rows)

    def reference_rows(self, rows: np.ndarray) -> np.ndarray:
        return layer_norm(self.in_fmt.to_real(rows))

    def coverage_bins(self) -> tuple[str, ...]:
        """Row kinds, the dynamic shift, mean rounding ties, and Newton update counts."""
        return ("row:constant", "row:near_constant", "row:outlier", "row:fullscale", "shift:0", "shift:1",
                "shift:>=2", "mean:tie", "mean:negative", "mean:positive",
                *(f"newton:updates[{k}]" for k in range(NEWTON_UPDATES + 1)), "beat:sum_sq_top_bit")

    def cover_rows(self, cov: Coverage, x: np.ndarray) -> None:
        d = x.shape[1]
        t = self.model.trace(x)
        var, shift, mean = t["var"][:, 0], t["shift"][:, 0], t["mean"][:, 0]
        fmt = self.in_fmt
        dev = np.abs(x - x.mean(axis=1, keepdims=True))
        cov.add("row:constant", (var == 0).sum())
        cov.add("row:near_constant", ((var > 0) & (dev.max(axis=1) <= 2)).sum())
        # One element carries most of the row's deviation.
        sq = dev ** 2
        cov.add("row:outlier", ((var > 0) & (sq.max(axis=1) >= 0.5 * sq.sum(axis=1))).sum())
        cov.add("row:fullscale", ((x == fmt.min_code) | (x == fmt.max_code)).any(axis=1).sum())
        cov.add("shift:0", (shift == 0).sum())
        cov.add("shift:1", (shift == 1).sum())
        cov.add("shift:>=2", (shift >= 2).sum())
        twice_rem = 2 * (x.sum(axis=1) - (x.sum(axis=1) // d) * d)
        cov.add("mean:tie", (twice_rem == d).sum())
        cov.add("mean:negative", (mean < 0).sum())
        cov.add("mean:positive", (mean > 0).sum())
        # A beat's sum of y^2 with the top bit of ibert_ln_var's BeatWidth set.
        lanes = self.lanes
        beat_sq = (t["y"].astype(np.int64) ** 2)[:, :d - d % lanes].reshape(len(x), -1, lanes).sum(axis=2)
        beat_width = 2 * fmt.width + ((lanes - 1).bit_length() if lanes > 1 else 0)
        cov.add("beat:sum_sq_top_bit", (beat_sq >= 2 ** (beat_width - 1)).any(axis=1).sum())
        updates = np.array([isqrt_newton(np.array([v]))[1] for v in var])
        for k in range(NEWTON_UPDATES + 1):
            cov.add(f"newton:updates[{k}]", (updates == k).sum())


def layernorm_stream_model(settings: dict[str, Any]) -> IBertLayerNormStreamModel:
    return IBertLayerNormStreamModel(IBertLayerNormConfig(**settings["config"]))
