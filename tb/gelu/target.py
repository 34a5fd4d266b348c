"""The NN-LUT GELU unit (rtl/nnlut/gelu_unit.sv) as a bench target: the core plus a wrapper
holding the generated table package (its reset contents). The bench's model is the core's
integer model over the same table JSON (tb.common.elementwise.ElementwiseModel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.units import prepare_table
from tb.common.sources import NNLUT_CORE
from tb.common.spec import UnitTarget


class GeluTarget(UnitTarget, top="gelu_unit", bench="tb.gelu.test_gelu",
                 model="tb.common.elementwise:elementwise_model", sources=(NNLUT_CORE, "nnlut/gelu_unit.sv")):
    def generate(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        prepared = prepare_table(self.config, gen_dir)
        return [prepared.package_path], {"function": self.config.function, "table_json": str(prepared.json_path),
                                         "latency": self.config.latency}
