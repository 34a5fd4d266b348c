"""Bench target and stream model of the I-BERT Softmax unit (rtl/ibert_softmax_unit.sv).

`IBertSoftmaxTarget` implements tb.common.runner.BenchTarget: no generated files, only the
constants of models/ibert.py IntSoftmax at the configured input scale, passed as HDL
parameters. `IBertSoftmaxStreamModel` implements tb.common.uvm_env.StreamModel: the stream of
(beats, lanes) codes is cut into rows of `row_length` elements and predicted with
IntSoftmax.forward; the reference is float64 torch.softmax at the exact input values.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.ibert import IntSoftmax
from tb.common.checks import Coverage
from tb.ibert_common import hdl_long, ibert_sources

ROW_KINDS = ("all_equal", "dominant", "spread", "has_min_code", "has_max_code", "clamped", "underflow",
             "top_code")
DOMINANT_P = 0.99


def reference_softmax(x: np.ndarray) -> np.ndarray:
    import torch

    return torch.softmax(torch.as_tensor(np.asarray(x, dtype=np.float64)), dim=-1).numpy()


@dataclass(frozen=True)
class IBertSoftmaxConfig:
    row_length: int = 128
    lanes: int = 4
    in_bits: int = 16
    in_frac: int = 11        # SQ16.11 as the NN-LUT softmax_unit
    out_bits: int = 16       # UQ16.16 as the NN-LUT softmax_unit (the paper's INT8 would be 8)
    div_bits_per_cycle: int = 2

    @property
    def scale(self) -> float:
        return 2.0 ** -self.in_frac

    @property
    def beats_per_row(self) -> int:
        return self.row_length // self.lanes

    @property
    def tag(self) -> str:
        return (f"ibert_softmax_n{self.row_length}_i{self.in_bits}q{self.in_frac}_o{self.out_bits}"
                f"_d{self.div_bits_per_cycle}_l{self.lanes}")

    def model(self) -> IntSoftmax:
        return IntSoftmax(self.scale, self.in_bits, self.out_bits)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def row_latency(self) -> int:
        """Documented in rtl/ibert_softmax_unit.sv: RowBeats + DivSteps + 10, DivSteps =
        ceil(FactorWidth / DivBitsPerCycle). FactorWidth: every row contains the maximum's exp,
        the model's top code T, so sum >= T > 2^floor(log2 T) and the factor floor(2^max_bit /
        sum) has at most max_bit - floor(log2 T) bits."""
        m = self.model()
        top = int(m.exp(np.zeros(1, dtype=np.int64))[0])
        factor_width = m.max_bit - (top.bit_length() - 1)
        return self.beats_per_row + math.ceil(factor_width / self.div_bits_per_cycle) + 10


@dataclass(frozen=True)
class IBertSoftmaxTarget:
    config: IBertSoftmaxConfig = IBertSoftmaxConfig()

    @property
    def tag(self) -> str:
        return self.config.tag

    @property
    def toplevel(self) -> str:
        return "ibert_softmax_unit"

    @property
    def test_module(self) -> str:
        return "tb.ibert_softmax.test_ibert_softmax"

    @property
    def lanes(self) -> int:
        return self.config.lanes

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        return ibert_sources("ibert_divider.sv", "ibert_exp_lane.sv", "ibert_softmax_unit.sv"), {
            "model_factory": "tb.ibert_softmax.target:softmax_stream_model",
            "ibert_softmax": self.config.to_dict()}

    def hdl_parameters(self) -> dict[str, int | str]:
        c, m = self.config, self.config.model()
        return {"RowLength": c.row_length, "Lanes": c.lanes, "InWidth": c.in_bits, "X0Mag": hdl_long(-m.x0_int),
                "MaxQ": m.max_q, "BInt": hdl_long(m.b_int), "CInt": hdl_long(m.c_int), "Mult": hdl_long(m.mult),
                "ReqShift": m.mult_shift - m.exp_shift, "ExpBits": m.exp_bits, "MaxBit": m.max_bit,
                "OutBits": m.out_bits, "DivBitsPerCycle": c.div_bits_per_cycle}


class IBertSoftmaxStreamModel:
    """StreamModel of the unit: rows are consecutive groups of row_length elements."""

    latency: int | None = None  # beats wait for their whole row: see row_latency

    def __init__(self, config: IBertSoftmaxConfig) -> None:
        self.config = config
        self.model = config.model()
        self.lanes = config.lanes

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.config.in_bits, self.config.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        return FixedFormat(self.config.out_bits, self.config.out_bits, signed=False)

    def rows(self, codes: np.ndarray) -> np.ndarray:
        flat = np.asarray(codes, dtype=np.int64).reshape(-1)
        n = self.config.row_length
        if flat.size % n:
            raise ValueError(f"{flat.size} elements are not a whole number of rows of {n}")
        return flat.reshape(-1, n)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return codes.astype(np.int64)
        return self.model.forward(self.rows(codes)).reshape(codes.shape)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        if codes.size == 0:
            return np.zeros(codes.shape)
        return reference_softmax(self.in_fmt.to_real(self.rows(codes))).reshape(codes.shape)

    def coverage(self, codes: np.ndarray) -> Coverage:
        """Row kinds, the i-exp's clamp and underflow, the largest output code, and every
        power-of-two exponent z of the i-exp's range reduction."""
        cov = Coverage()
        for kind in ROW_KINDS:
            cov.declare(f"row:{kind}")
        for z in range(self.model.max_q + 1):
            cov.declare(f"exp:z[{z}]")
        if np.asarray(codes).size == 0:
            return cov
        rows = self.rows(codes)
        fmt, m = self.in_fmt, self.model
        tr = m.trace(rows)
        equal = (rows == rows[:, :1]).all(axis=1)
        top = reference_softmax(fmt.to_real(rows)).max(axis=1)
        raw_d = rows - rows.max(axis=1, keepdims=True)
        cov.add("row:all_equal", equal.sum())
        cov.add("row:dominant", (top >= DOMINANT_P).sum())
        cov.add("row:spread", ((top < 0.5) & ~equal).sum())
        cov.add("row:has_min_code", (rows == fmt.min_code).any(axis=1).sum())
        cov.add("row:has_max_code", (rows == fmt.max_code).any(axis=1).sum())
        cov.add("row:clamped", (raw_d < m.max_q * m.x0_int).any(axis=1).sum())
        cov.add("row:underflow", (tr["e16"] == 0).any(axis=1).sum())
        cov.add("row:top_code", (tr["out"] == self.out_fmt.max_code).any(axis=1).sum())
        counts = np.bincount(tr["z"].reshape(-1), minlength=m.max_q + 1)
        for z in range(m.max_q + 1):
            cov.add(f"exp:z[{z}]", int(counts[z]))
        return cov


def softmax_stream_model(settings: dict[str, Any]) -> IBertSoftmaxStreamModel:
    return IBertSoftmaxStreamModel(IBertSoftmaxConfig(**settings["ibert_softmax"]))
