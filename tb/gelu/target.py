"""The NN-LUT GELU unit (rtl/nnlut/nnlut_act_unit.sv with the GELU table) as a bench target: the core plus a wrapper
holding the generated table package (its reset contents); ActivationTables is shared with the
other activation units (SiLU). The bench's model is the core's
integer model over the same table JSON (tb.common.elementwise.ElementwiseModel)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.units import prepare_table
from tb.common.sources import NNLUT_CORE
from tb.common.spec import UnitTarget


class ActivationTables:
    """generate() of an element-wise activation unit (GELU, SiLU): the fitted table of the
    configuration's function, and what the element-wise stream model reads."""

    config: Any
    package_name = "act_table_pkg"

    def generate(self, gen_dir: Path) -> tuple[list[Path], dict[str, Any]]:
        prepared = prepare_table(self.config, gen_dir, package_name=self.package_name)
        return [prepared.package_path], {"function": self.config.function, "table_json": str(prepared.json_path),
                                         "latency": self.config.latency}


class GeluTarget(ActivationTables, UnitTarget, top="nnlut_act_unit", bench="tb.gelu.test_gelu",
                 model="tb.common.elementwise:elementwise_model", sources=(NNLUT_CORE, "nnlut/nnlut_act_unit.sv")):
    pass
