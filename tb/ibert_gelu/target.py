"""Bench target and stream model of the I-BERT i-GELU unit (rtl/ibert/ibert_gelu_unit.sv).

`IBertGeluTarget` implements tb.common.spec.BenchTarget: the RTL needs no generated files,
only the constants of models/ibert.py IntGelu at the configured input scale, passed as HDL
parameters. `IBertGeluStreamModel` implements tb.common.uvm_env.StreamModel: predictions from
IntGelu.forward, the reference is float64 torch GELU (models.reference.gelu) at the exact
input values.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from models.defaults import GELU_IN_FRAC
from models.fixedpoint import FixedFormat, ScaledFormat
from models.ibert import IntGelu
from models.reference import gelu as gelu_reference
from tb.common.checks import Coverage
from tb.common.hdl import hdl_long
from tb.common.sources import STREAM_PIPE
from tb.common.spec import UnitTarget

# Documented in rtl/ibert/ibert_gelu_unit.sv: input handshake edge to earliest output handshake edge.
LATENCY = 4
COVERAGE_BINS = ("x:min_code", "x:max_code", "x:zero", "erf:clipped_neg", "erf:poly_neg", "erf:poly_pos",
                 "erf:clipped_pos", "erf:clip_point", "out:negative", "out:zero", "out:positive")


@dataclass(frozen=True)
class IBertGeluConfig:
    # The fields `tag` shows (models.configtag.unique_tag appends the others that changed).
    TAG_FIELDS: ClassVar[tuple[str, ...]] = ('in_width', 'in_frac', 'erf_shift', 'lanes')

    lanes: int = 16
    in_width: int = 16
    in_frac: int = GELU_IN_FRAC   # input scale 2^-in_frac: SQ16.10 as the NN-LUT GELU unit
    erf_shift: int = 0       # the paper's (the released code uses 14)

    @property
    def scale(self) -> float:
        return 2.0 ** -self.in_frac

    @property
    def tag(self) -> str:
        return f"ibert_gelu_i{self.in_width}q{self.in_frac}_e{self.erf_shift}_l{self.lanes}"

    def model(self) -> IntGelu:
        return IntGelu(self.scale, self.in_width, erf_shift=self.erf_shift)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def hdl_parameters(self) -> dict[str, int | str]:
        m = self.model()
        return {"Lanes": self.lanes, "InWidth": self.in_width, "BMag": hdl_long(-m.b_int),
                "CMag": hdl_long(-m.c_int), "OneMag": hdl_long(-m.one_int), "ErfShift": m.erf_shift,
                "OutWidth": m.widths()["out"]}


class IBertGeluTarget(UnitTarget, top="ibert_gelu_unit", bench="tb.ibert_gelu.test_ibert_gelu",
                      model="tb.ibert_gelu.target:gelu_stream_model",
                      sources=(STREAM_PIPE, "ibert/ibert_gelu_lane.sv", "ibert/ibert_gelu_unit.sv")):
    pass


class IBertGeluStreamModel:
    """StreamModel of the unit: element-wise, fixed latency."""

    latency: int | None = LATENCY

    def __init__(self, config: IBertGeluConfig) -> None:
        self.config = config
        self.model = config.model()
        self.lanes = config.lanes
        self._out_fmt = ScaledFormat.of(self.model.widths()["out"], self.model.out_scale)

    @property
    def in_fmt(self) -> FixedFormat:
        return FixedFormat(self.config.in_width, self.config.in_frac)

    @property
    def out_fmt(self) -> FixedFormat:
        return self._out_fmt

    def predict(self, codes: np.ndarray) -> np.ndarray:
        return self.model.forward(np.asarray(codes, dtype=np.int64))

    def reference(self, codes: np.ndarray) -> np.ndarray:
        return gelu_reference(self.in_fmt.to_real(codes))

    def coverage(self, codes: np.ndarray) -> Coverage:
        """Input extremes, the erf polynomial's four regions and its clip point, output sign."""
        cov = Coverage()
        for name in COVERAGE_BINS:
            cov.declare(name)
        q = np.asarray(codes, dtype=np.int64).reshape(-1)
        if q.size == 0:
            return cov
        clip = -self.model.b_int
        out = self.model.forward(q)
        fmt = self.in_fmt
        cov.add("x:min_code", (q == fmt.min_code).sum())
        cov.add("x:max_code", (q == fmt.max_code).sum())
        cov.add("x:zero", (q == 0).sum())
        cov.add("erf:clipped_neg", (q <= -clip).sum())
        cov.add("erf:poly_neg", ((q < 0) & (q > -clip)).sum())
        cov.add("erf:poly_pos", ((q > 0) & (q < clip)).sum())
        cov.add("erf:clipped_pos", (q >= clip).sum())
        cov.add("erf:clip_point", (np.abs(q) == clip).sum())
        cov.add("out:negative", (out < 0).sum())
        cov.add("out:zero", (out == 0).sum())
        cov.add("out:positive", (out > 0).sum())
        return cov


def gelu_stream_model(settings: dict[str, Any]) -> IBertGeluStreamModel:
    return IBertGeluStreamModel(IBertGeluConfig(**settings["config"]))
