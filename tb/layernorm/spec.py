"""The NN-LUT LayerNorm unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from models.layernorm import ACCURACY_TARGET, LayerNormConfig
from tb.common.spec import ROW_FAMILY_TESTS, StreamInput, UnitSpec
from tb.layernorm.target import LayerNormTarget


def programmed_input(config: LayerNormConfig, data: np.ndarray, params: Mapping[str, np.ndarray],
                     model_of: Callable[[Any], Any]) -> StreamInput:
    """Rows quantized to the input format (SQ18.9 by default); gamma and beta (default 1 and 0) quantized to their formats and
    written through the parameter port before the rows."""
    gamma = config.gamma_fmt.quantize(params.get("gamma", np.ones(config.dim)))
    beta = config.beta_fmt.quantize(params.get("beta", np.zeros(config.dim)))
    model = model_of(config).with_params(gamma, beta)
    return StreamInput(config, config.in_fmt.quantize(data), model,
                       {"NNLUT_GAMMA_CODES": gamma, "NNLUT_BETA_CODES": beta})

SPEC = UnitSpec(
    name="layernorm", op="layernorm", method="NN-LUT",
    config_type=LayerNormConfig, make_target=LayerNormTarget, row_option="dim",
    tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows", "ProgrammedParams", *ROW_FAMILY_TESTS,
           "TableWrite", "TableAtBound", "ParamsWriteMidRow"),
    rate_test="FullRateRows",
    # Tests whose rows use gamma = 1, beta = 0 (ProgrammedParams' random gamma and beta are
    # checked bit-exact only; its float reference saturates differently).
    accuracy_tests=("RandomRows", "ConstantRows", "OutlierRows", "FullScaleRows"),
    plot_test="OutlierRows",
    regression=(LayerNormConfig(),                                          # D 384, 4 lanes, [1, 2) table
                # BERT-base width, EpsTerm 1; table without reset, binary search
                LayerNormConfig(dim=768, lanes=16, table="no_reset", search="binary"),
                # [1, 4) table, large eps, hardwired, no affine
                LayerNormConfig(dim=8, lanes=1, rsqrt_range=4, eps=1e-5, table="hardwired", affine=False)),
    lint_configs=(LayerNormConfig(dim=384, lanes=3), LayerNormConfig(dim=1024, lanes=8, eps=1e-5)),
    rejections=(({"Lanes": 5}, "must be >= 1 and divide Dim"),
                ({"Dim": 1, "Lanes": 1}, "Dim must be >= 2"),
                ({"Banks": 1}, "Banks must be >= 2"),
                ({"Dim": 16384, "Lanes": 4}, "variance term (max 62)"),
                ({"Entries": 32}, "regenerate the table"),
                ({"RsqrtRange": 4}, "regenerate the table"),
                ({"RsqrtRange": 3}, "RsqrtRange must be 2 or 4"),
                ({"EpsTerm": "64'd1152921504606846976"}, "does not fit"),
                ({"YGuard": 8}, "exceeds the table's OutFrac + RGuard"),
                ({"GammaFrac": 15}, "cannot hold 1.0")),
    tables=lambda c: [("rsqrt", c.entries, 1.0, float(c.rsqrt_range))],
    error_target=lambda c: (ACCURACY_TARGET, f"target ±{ACCURACY_TARGET:g}"),
    prepare_input=programmed_input, input_params=("gamma", "beta"),
    # x^2 <= 2^(2 InWidth - 2) (at the most negative code) and the sums of the row.
    bound_widths=("layernorm_stats:SqWidth", "layernorm_unit:VarWidth", "layernorm_unit:NumWidth"),
    note="exact statistics, 1/sqrt table on [1, 2); gamma/beta port",
)
