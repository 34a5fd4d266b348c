"""The NN-LUT GELU unit (rtl/nnlut/gelu_unit.sv) as a bench target: the core plus a wrapper
holding the generated table package (its reset contents). The bench's model is the core's
integer model over the same table JSON (tb.common.elementwise.ElementwiseModel)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.units import UnitConfig, prepare_table
from tb.common.sources import NNLUT_CORE, rtl_files


@dataclass(frozen=True)
class GeluTarget:
    config: UnitConfig

    @property
    def tag(self) -> str:
        return self.config.tag

    @property
    def toplevel(self) -> str:
        return "gelu_unit"

    @property
    def test_module(self) -> str:
        return "tb.gelu.test_gelu"

    @property
    def lanes(self) -> int:
        return self.config.lanes

    def prepare(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        prepared = prepare_table(self.config, gen_dir)
        return [prepared.package_path, *rtl_files(NNLUT_CORE, "nnlut/gelu_unit.sv")], {
            "model_factory": "tb.common.elementwise:elementwise_model",
            "function": self.config.function, "table_json": str(prepared.json_path)}

    def hdl_parameters(self) -> dict[str, int | str]:
        return {"Lanes": self.config.lanes}
