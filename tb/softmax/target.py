"""Bench target and stream model of the NN-LUT Softmax unit (rtl/nnlut/softmax_unit.sv).

`SoftmaxTarget` implements tb.common.spec.BenchTarget: it generates the three table packages the
RTL reads (exp2_neg and exp for the two exp modes, recip) and names the model factory below.
`SoftmaxStreamModel` is the row stream model (tb.common.rowbench): rows predicted with
models.softmax.SoftmaxModel, referenced by float64 softmax at the exact input values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.nnlut import IntTable
from models.reference import softmax
from models.softmax import SoftmaxConfig, SoftmaxModel
from models.units import prepare_table
from tb.common.checks import Coverage
from tb.common.rowbench import SOFTMAX_ROW_BINS, RowStreamModel, cover_softmax_rows
from tb.common.sources import LZC, NNLUT_CORE, ROW_MAX, ROW_QUEUE, rtl_files

# Row kinds beyond the shared Softmax ones.
ROW_BINS = (*SOFTMAX_ROW_BINS, "row:underflow", "row:saturated", "row:q_clamped")


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
        sources = [files["exp2_neg_pkg"], files["exp_pkg"], files["recip_pkg"],
                   *rtl_files(NNLUT_CORE, LZC, ROW_MAX, ROW_QUEUE, "nnlut/softmax_exp.sv",
                              "nnlut/softmax_recip.sv", "nnlut/softmax_norm.sv", "nnlut/softmax_unit.sv")]
        return sources, {"model_factory": "tb.softmax.target:softmax_stream_model",
                         "softmax": self.config.to_dict(), "exp_table_json": str(files[exp_key]),
                         "recip_table_json": str(files["recip"])}

    def hdl_parameters(self) -> dict[str, int | str]:
        return self.config.hdl_parameters()


class SoftmaxStreamModel(RowStreamModel):
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
    def row_length(self) -> int:
        return self.config.row_length

    @property
    def row_latency(self) -> int:
        """Documented in rtl/nnlut/softmax_unit.sv: RowBeats + 14."""
        return self.config.beats_per_row + 14

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        return self.model.evaluate(rows)

    def reference_rows(self, rows: np.ndarray) -> np.ndarray:
        return softmax(self.in_fmt.to_real(rows))

    def coverage_bins(self) -> tuple[str, ...]:
        return (*ROW_BINS, *(f"exp_segment[{k}]" for k in range(self.config.entries)))

    def cover_rows(self, cov: Coverage, rows: np.ndarray) -> None:
        cover_softmax_rows(cov, rows, self.in_fmt, softmax(self.in_fmt.to_real(rows)))
        tr = self.model.trace(rows)
        cov.add("row:underflow", int((tr.e == 0).any(axis=1).sum()))
        cov.add("row:saturated", int((tr.raw > self.out_fmt.max_code).any(axis=1).sum()))
        cov.add("row:q_clamped", int((tr.q > self.config.exp_frac + 1).any(axis=1).sum()))
        segments = self.model.exp_table.segment(tr.table_in)
        counts = np.bincount(segments.reshape(-1), minlength=self.config.entries)
        for k in range(self.config.entries):
            cov.add(f"exp_segment[{k}]", int(counts[k]))


def softmax_stream_model(settings: dict[str, Any]) -> SoftmaxStreamModel:
    config = SoftmaxConfig.from_dict(settings["softmax"])
    model = SoftmaxModel(config, IntTable.load(Path(settings["exp_table_json"])),
                         IntTable.load(Path(settings["recip_table_json"])))
    return SoftmaxStreamModel(config, model)
