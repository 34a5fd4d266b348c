"""The NN-LUT SiLU unit (x * sigmoid(x), Llama-class feed-forward blocks) as every flow sees it
(tb/registry.py): GELU's unit and benches on the fitted SiLU table."""

from __future__ import annotations

from models.units import UnitConfig
from tb.common.spec import ELEMENTWISE_TESTS, UnitSpec
from tb.gelu.spec import fitted_tables, optimal_error
from tb.silu.target import SiluTarget

SPEC = UnitSpec(
    name="silu", op="silu", method="NN-LUT",
    config_type=UnitConfig, fixed_options={"function": "silu"}, make_target=SiluTarget,
    tests=(*ELEMENTWISE_TESTS, "TableWrite"),
    rate_test="FullRate", accuracy_tests=("ExhaustiveSweep",), plot_test="ExhaustiveSweep",
    regression=(UnitConfig(function="silu", lanes=16),
                UnitConfig(function="silu", entries=8, lanes=1, in_width=12, table="hardwired")),
    lint_configs=(UnitConfig(function="silu"),),
    rejections=(({"Entries": 32}, "regenerate the table"),),
    tables=fitted_tables, error_target=optimal_error,
    # The core's product and sum widths keep a spare bit: narrowing either by one is proved
    # equivalent by Yosys (make mutate), so the element-wise units claim no bound.
    bound_widths=(),
    note="fitted 16-entry table, programmable; SQ16.12 in and out",
)
