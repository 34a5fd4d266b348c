"""Pieces shared by the I-BERT baseline benches (tb/ibert_gelu, tb/ibert_softmax,
tb/ibert_layernorm): output formats with I-BERT's non-power-of-two scales, HDL parameter
values, the RTL source lists, the regression seeds and a reader for the RTL's parameter
defaults (checked against models/ibert.py).
"""

from __future__ import annotations

import math
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

from models.fixedpoint import FixedFormat
from tb.common.runner import RTL_DIR

# Every I-BERT unit's sources: its own files plus the shared stream control and the
# leading-zero counter of the core.
SHARED_SOURCES = ("stream_pipe_ctrl.sv", "stream_fifo.sv", "nnlut_lzc.sv")


def ibert_sources(*names: str) -> list[Path]:
    return [RTL_DIR / n for n in (*SHARED_SOURCES, *names)]


@dataclass(frozen=True)
class ScaledFormat(FixedFormat):
    """Integer codes with an arbitrary positive scale: I-BERT leaves outputs at scales such as
    S^2 |a| / 4 (GELU) or sqrt(n) / 2^30 (LayerNorm), which are not powers of two. `frac` is
    the nearest power of two, for display only; `lsb` (and so to_real) uses the exact scale."""

    scale: float = 1.0

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.scale) and self.scale > 0):
            raise ValueError(f"scale must be positive and finite, got {self.scale}")

    @staticmethod
    def of(width: int, scale: float, signed: bool = True) -> "ScaledFormat":
        return ScaledFormat(width, int(round(-math.log2(scale))), signed, scale)

    @property
    def lsb(self) -> float:
        return self.scale

    def __str__(self) -> str:
        return f"{'S' if self.signed else 'U'}{self.width} x {self.scale:.6g}"


def hdl_long(value: int) -> str:
    """A `longint unsigned` parameter value for -G / chparam: Verilator reads a bare -G number as
    32 bits (too narrow, and a width warning for a 64-bit parameter), so it goes sized."""
    value = int(value)
    if not 0 <= value < 1 << 63:
        raise ValueError(f"the I-BERT units take non-negative 63-bit constants, got {value}")
    return f"64'd{value}"


def param_int(value: int | str) -> int:
    """The integer an hdl_parameters() value stands for."""
    return int(value.split("'d")[-1]) if isinstance(value, str) else int(value)


def regression_seed(offset: int) -> int:
    """Fixed seeds by default so failures reproduce; NNLUT_SEED=random draws new ones."""
    if os.environ.get("NNLUT_SEED") == "random":
        return random.SystemRandom().randrange(1 << 31)
    return int(os.environ.get("NNLUT_SEED", "20261123")) + offset


_PARAM = re.compile(r"parameter\s+(?:int|longint)\s+unsigned\s+(\w+)\s*=\s*(?:64'd)?(\d+)\s*[,)]")


def rtl_defaults(module_file: str) -> dict[str, int]:
    """The numeric parameter defaults written in an rtl/ file."""
    text = (RTL_DIR / module_file).read_text()
    return {name: int(value) for name, value in _PARAM.findall(text)}
