"""Bench target and stream model of the I-BERT LayerNorm unit (rtl/ibert_layernorm_unit.sv).

`IBertLayerNormTarget` implements tb.common.runner.BenchTarget (no generated files; the
parameters are the model's). `IBertLayerNormStreamModel` implements
tb.common.uvm_env.StreamModel: rows of `dim` features are consecutive beats, predicted with
models/ibert.py IntLayerNorm (gamma = 1, beta = 0, as the unit implements); the reference is
float64 torch layer_norm at the exact input values with eps = 0 (I-BERT has no epsilon), and 0
for constant rows, the eps -> 0 limit (torch would divide 0 by 0).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.ibert import IntLayerNorm
from models.intops import isqrt_newton
from tb.common.checks import Coverage
from tb.ibert_common import ScaledFormat, ibert_sources

NEWTON_UPDATES = 6  # bins newton:updates[0..6]; the model's docstring bounds updates below 2^32 by 6


def reference_layer_norm(x: np.ndarray) -> np.ndarray:
    import torch

    x = np.asarray(x, dtype=np.float64)
    ref = torch.nn.functional.layer_norm(torch.as_tensor(x), (x.shape[-1],), eps=0.0).numpy()
    constant = (x == x[..., :1]).all(axis=-1)
    ref[constant] = 0.0
    return ref


@dataclass(frozen=True)
class IBertLayerNormConfig:
    dim: int = 384
    lanes: int = 4
    in_bits: int = 16
    in_frac: int = 8          # SQ16.8 as the NN-LUT layernorm_unit (the scale cancels)
    max_bit: int = 32
    min_shift: int = 0
    div_bits_per_cycle: int = 4
    newton_budget: int = 7

    @property
    def beats_per_row(self) -> int:
        return self.dim // self.lanes

    @property
    def tag(self) -> str:
        return (f"ibert_layernorm_d{self.dim}_i{self.in_bits}q{self.in_frac}_m{self.max_bit}s{self.min_shift}"
                f"_d{self.div_bits_per_cycle}_l{self.lanes}")

    def model(self) -> IntLayerNorm:
        return IntLayerNorm(self.in_bits, self.max_bit, self.min_shift)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def row_latency(self) -> int:
        """Documented in rtl/ibert_layernorm_unit.sv: Beats + MeanSteps + RootCycles + 8, with
        MeanSteps = ceil(in_bits / div) (the mean's quotient has in_bits bits) and RootCycles =
        (NewtonBudget + 1) (ceil(32 / div) + 2) + 2 (ibert_isqrt: 32-bit quotients)."""
        div = self.div_bits_per_cycle
        mean_steps = math.ceil(self.in_bits / div)
        root_cycles = (self.newton_budget + 1) * (math.ceil(max(32, self.max_bit) / div) + 2) + 2
        return self.beats_per_row + mean_steps + root_cycles + 8


@dataclass(frozen=True)
class IBertLayerNormTarget:
    config: IBertLayerNormConfig = IBertLayerNormConfig()

    @property
    def tag(self) -> str:
        return self.config.tag

    @property
    def toplevel(self) -> str:
        return "ibert_layernorm_unit"

    @property
    def test_module(self) -> str:
        return "tb.ibert_layernorm.test_ibert_layernorm"

    @property
    def lanes(self) -> int:
        return self.config.lanes

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        return ibert_sources("ibert_divider.sv", "ibert_row_buffer.sv", "ibert_ln_var.sv",
                             "ibert_isqrt.sv", "ibert_layernorm_unit.sv"), {
            "model_factory": "tb.ibert_layernorm.target:layernorm_stream_model",
            "ibert_layernorm": self.config.to_dict()}

    def hdl_parameters(self) -> dict[str, int]:
        c = self.config
        return {"Dim": c.dim, "Lanes": c.lanes, "InWidth": c.in_bits, "MaxBit": c.max_bit, "MinShift": c.min_shift,
                "OutWidth": 32, "DivBitsPerCycle": c.div_bits_per_cycle, "NewtonBudget": c.newton_budget}


class IBertLayerNormStreamModel:
    """StreamModel of the unit: rows are consecutive groups of dim features."""

    latency: int | None = None  # beats wait for their whole row: see row_latency

    def __init__(self, config: IBertLayerNormConfig) -> None:
        self.config = config
        self.model = config.model()
        self.lanes = config.lanes
        # out = (y * floor(2^31 / std)) >> 1: 32-bit signed codes at scale sqrt(D) / 2^30.
        self._out_fmt = ScaledFormat.of(32, IntLayerNorm.base_scale(config.dim))

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.config.in_bits, self.config.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        return self._out_fmt

    def rows(self, codes: np.ndarray) -> np.ndarray:
        flat = np.asarray(codes, dtype=np.int64).reshape(-1)
        if flat.size % self.config.dim:
            raise ValueError(f"{flat.size} elements are not a whole number of rows of {self.config.dim}")
        return flat.reshape(-1, self.config.dim)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return codes.astype(np.int64)
        return self.model.forward(self.rows(codes)).reshape(codes.shape)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return np.zeros(codes.shape)
        return reference_layer_norm(self.in_fmt.to_real(self.rows(codes))).reshape(codes.shape)

    def coverage(self, codes: np.ndarray) -> Coverage:
        """Row kinds, the dynamic shift, mean rounding ties, and Newton update counts."""
        cov = Coverage()
        names = ["row:constant", "row:near_constant", "row:outlier", "row:fullscale", "shift:0", "shift:1",
                 "shift:>=2", "mean:tie", "mean:negative", "mean:positive",
                 *(f"newton:updates[{k}]" for k in range(NEWTON_UPDATES + 1))]
        for name in names:
            cov.declare(name)
        if np.asarray(codes).size == 0:
            return cov
        x = self.rows(codes)
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
        updates = np.array([isqrt_newton(np.array([v]))[1] for v in var])
        for k in range(NEWTON_UPDATES + 1):
            cov.add(f"newton:updates[{k}]", (updates == k).sum())
        return cov


def layernorm_stream_model(settings: dict[str, Any]) -> IBertLayerNormStreamModel:
    return IBertLayerNormStreamModel(IBertLayerNormConfig(**settings["ibert_layernorm"]))
