"""The NN-LUT RMSNorm unit: layernorm_unit with Rms = 1 (rtl/nnlut/layernorm_unit.sv), its bench
module, and the LayerNorm unit's tables and stream model (models.layernorm with rms=True,
referenced by float64 rms_norm)."""

from __future__ import annotations

from tb.common.sources import CHANNEL_REGS, LZC, NNLUT_CORE
from tb.layernorm.target import LAYERNORM_RTL, LayerNormTarget


class RmsNormTarget(LayerNormTarget, top="layernorm_unit", bench="tb.rmsnorm.test_rmsnorm",
                    model="tb.layernorm.target:layernorm_stream_model",
                    sources=(NNLUT_CORE, LZC, CHANNEL_REGS, LAYERNORM_RTL)):
    pass
