"""The NN-LUT SiLU unit (rtl/nnlut/nnlut_act_unit.sv with the SiLU table) as a bench target; the
bench's model is the core's integer model over the same table JSON."""

from __future__ import annotations

from tb.common.sources import NNLUT_CORE
from tb.common.spec import UnitTarget
from tb.gelu.target import ActivationTables


class SiluTarget(ActivationTables, UnitTarget, top="nnlut_act_unit", bench="tb.silu.test_silu",
                 model="tb.common.elementwise:elementwise_model",
                 sources=(NNLUT_CORE, "nnlut/nnlut_act_unit.sv")):
    pass
