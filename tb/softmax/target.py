"""Bench target and stream model of the Softmax unit (rtl/softmax_unit.sv).

`SoftmaxTarget` implements tb.common.runner.BenchTarget: it generates the three table
packages the RTL reads (exp2_neg and exp for the two exp modes, recip), and names the model
factory below. `SoftmaxStreamModel` implements tb.common.uvm_env.StreamModel: the stream of
(beats, lanes) codes is cut into rows of `row_length` elements and predicted with
models.softmax.SoftmaxModel; the reference is float64 torch.softmax of the exact input values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.nnlut import IntTable
from models.softmax import SoftmaxConfig, SoftmaxModel, reference_softmax
from models.units import prepare_table
from tb.common.checks import Coverage
from tb.common.runner import RTL_DIR, core_sources

# Row kinds the coverage collector bins (each test asks for the ones it is about).
ROW_KINDS = ("all_equal", "dominant", "spread", "has_min_code", "has_max_code", "underflow",
             "saturated", "q_clamped")
# A row is "dominant" when its top element holds this much of the probability.
DOMINANT_P = 0.99


def softmax_sources(packages: list[Path]) -> list[Path]:
    return [*packages, *core_sources(), *sorted(RTL_DIR.glob("softmax_*.sv"))]


def prepare_packages(config: SoftmaxConfig, gen_dir: Path) -> dict[str, Path]:
    """Fit (cached) and write every table the RTL names; returns the JSON of each.

    Both exp tables are generated whatever the mode because softmax_exp.sv refers to both
    packages (only the selected one is elaborated)."""
    tables = {"exp2_neg": config.range_reduced_table_config(),
              "exp": config.direct_table_config(),
              "recip": config.recip_table_config()}
    out: dict[str, Path] = {}
    for name, unit in tables.items():
        prepared = prepare_table(unit, gen_dir)
        out[name] = prepared.json_path
        out[f"{name}_pkg"] = prepared.package_path
    return out


@dataclass(frozen=True)
class SoftmaxTarget:
    config: SoftmaxConfig

    @property
    def tag(self) -> str:
        return self.config.tag

    @property
    def toplevel(self) -> str:
        return "softmax_unit"

    @property
    def test_module(self) -> str:
        return "tb.softmax.test_softmax"

    @property
    def lanes(self) -> int:
        return self.config.lanes

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        files = prepare_packages(self.config, gen_dir)
        exp_key = "exp" if self.config.exp_mode == "direct" else "exp2_neg"
        sources = softmax_sources([files["exp2_neg_pkg"], files["exp_pkg"], files["recip_pkg"]])
        return sources, {"model_factory": "tb.softmax.target:softmax_stream_model",
                         "softmax": self.config.to_dict(), "exp_table_json": str(files[exp_key]),
                         "recip_table_json": str(files["recip"])}

    def hdl_parameters(self) -> dict[str, int]:
        return self.config.hdl_parameters()


class SoftmaxStreamModel:
    """StreamModel of the unit: rows are consecutive groups of row_length elements."""

    latency: int | None = None  # beat latency depends on the row position and on input gaps

    def __init__(self, config: SoftmaxConfig, model: SoftmaxModel) -> None:
        self.config = config
        self.model = model
        self.lanes = config.lanes

    @property
    def in_fmt(self) -> FixedFormat:
        return self.config.in_fmt

    @property
    def out_fmt(self) -> FixedFormat:
        return self.config.out_fmt

    @property
    def row_latency(self) -> int:
        """Documented in rtl/softmax_unit.sv: last input handshake to first output handshake."""
        return self.config.beats_per_row + 14

    def rows(self, codes: np.ndarray) -> np.ndarray:
        flat = np.asarray(codes, dtype=np.int64).reshape(-1)
        n = self.config.row_length
        if flat.size % n:
            raise ValueError(f"{flat.size} elements are not a whole number of rows of {n}")
        return flat.reshape(-1, n)

    def predict(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        return self.model.evaluate(self.rows(codes)).reshape(codes.shape)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        codes = np.asarray(codes)
        return reference_softmax(self.in_fmt.to_real(self.rows(codes))).reshape(codes.shape)

    def coverage(self, codes: np.ndarray) -> Coverage:
        cov = Coverage()
        for kind in ROW_KINDS:
            cov.declare(f"row:{kind}")
        rows = self.rows(codes)
        if rows.size == 0:
            return cov
        fmt = self.in_fmt
        tr = self.model.trace(rows)
        equal = (rows == rows[:, :1]).all(axis=1)
        top = reference_softmax(fmt.to_real(rows)).max(axis=1)
        cov.add("row:all_equal", int(equal.sum()))
        cov.add("row:dominant", int((top >= DOMINANT_P).sum()))
        cov.add("row:spread", int(((top < 0.5) & ~equal).sum()))
        cov.add("row:has_min_code", int((rows == fmt.min_code).any(axis=1).sum()))
        cov.add("row:has_max_code", int((rows == fmt.max_code).any(axis=1).sum()))
        cov.add("row:underflow", int((tr.e == 0).any(axis=1).sum()))
        cov.add("row:saturated", int((tr.raw > self.out_fmt.max_code).any(axis=1).sum()))
        cov.add("row:q_clamped", int((tr.q > self.config.exp_frac + 1).any(axis=1).sum()))
        segments = self.model.exp_table.segment(tr.table_in)
        counts = np.bincount(segments.reshape(-1), minlength=self.config.entries)
        for k in range(self.config.entries):
            cov.add(f"exp_segment[{k}]", int(counts[k]))
        return cov


def softmax_stream_model(settings: dict[str, Any]) -> SoftmaxStreamModel:
    config = SoftmaxConfig.from_dict(settings["softmax"])
    model = SoftmaxModel(config, IntTable.load(Path(settings["exp_table_json"])),
                         IntTable.load(Path(settings["recip_table_json"])))
    return SoftmaxStreamModel(config, model)
