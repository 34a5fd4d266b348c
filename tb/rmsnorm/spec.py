"""The NN-LUT RMSNorm unit (Llama-class models) as every flow sees it (tb/registry.py): the
LayerNorm unit's blocks with Rms = 1 (no mean subtraction)."""

from __future__ import annotations

from models.layernorm import ACCURACY_TARGET, LayerNormConfig
from tb.common.spec import ROW_FAMILY_TESTS, UnitSpec
from tb.layernorm.spec import programmed_input
from tb.rmsnorm.target import RmsNormTarget

SPEC = UnitSpec(
    name="rmsnorm", op="rmsnorm", method="NN-LUT",
    config_type=LayerNormConfig, fixed_options={"rms": True}, make_target=RmsNormTarget, row_option="dim",
    tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", "TinyRows", "ProgrammedParams",
           *ROW_FAMILY_TESTS, "TableWrite", "TableAtBound", "ParamsWriteMidRow"),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", "TinyRows"),
    plot_test="OutlierRows",
    regression=(LayerNormConfig(rms=True),                                   # D 384, 4 lanes
                LayerNormConfig(rms=True, dim=16, lanes=1, table="hardwired")),  # D a power of 2
    rejections=(({"Lanes": 5}, "must be >= 1 and divide Dim"),),
    tables=lambda c: [("rsqrt", c.entries, 1.0, float(c.rsqrt_range))],
    error_target=lambda c: (ACCURACY_TARGET, f"target ±{ACCURACY_TARGET:g}"),
    prepare_input=programmed_input, input_params=("gamma", "beta"),
    # As the LayerNorm's: x^2 and the row's sum of squares.
    bound_widths=("layernorm_stats:SqWidth", "layernorm_unit:VarWidth"),
    note="RMSNorm mode of the LayerNorm unit: exact S2, 1/sqrt table on [1, 2)",
)
