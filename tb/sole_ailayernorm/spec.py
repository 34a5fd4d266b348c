"""SOLE's AILayerNorm unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from tb.common.spec import ROW_FAMILY_TESTS, BenchTarget, StreamInput, UnitSpec
from tb.sole_ailayernorm.target import AILayerNormConfig, AILayerNormTarget, ptf_through_model


def through_model(target: BenchTarget, x: np.ndarray) -> np.ndarray:
    """AILayerNorm's 8-bit inputs need its PTF scale and factors calibrated on the data."""
    return ptf_through_model(x, lanes=target.lanes)


def ptf_input(config: AILayerNormConfig, data: np.ndarray, params: Mapping[str, np.ndarray],
              model_of: Callable[[Any], Any]) -> StreamInput:
    """PTF scale and per-channel factors calibrated on the data itself, the codes quantized with
    them; the factors are written through the parameter port before the rows (gamma 1, beta 0)."""
    from models.sole import ptf_calibrate, ptf_quantize

    scale, alpha = ptf_calibrate(data, config.in_width, config.ptf_max)
    config = dataclasses.replace(config, scale=scale)
    model = model_of(config).with_params(alpha, np.ones(config.dim), np.zeros(config.dim))
    return StreamInput(config, ptf_quantize(data, scale, alpha, config.in_width), model,
                       {"NNLUT_ALPHA_CODES": np.asarray(alpha, np.int64)}, quantized_to_format=False)


SPEC = UnitSpec(
    name="sole_ailayernorm", op="layernorm", method="SOLE",
    config_type=AILayerNormConfig, make_target=AILayerNormTarget, row_option="dim",
    tests=("RandomRows", "ExtremeRows", "ProgrammedParams", *ROW_FAMILY_TESTS),
    rate_test="FullRateRows",
    accuracy_tests=("RandomRows", "FullRateRows"),
    plot_test="RandomRows",
    # Rows of 16 beats against StatInterval = 20: the statistics are the bottleneck, a row's sums
    # wait for them, and rows leave one per StatInterval cycles (the documented rate).
    # eps = 512 at s = 0.02 is 2^36.3 in var's units, more than ex2 reaches (2^36): var needs its
    # top bit and the square root all of its bits, in every row.
    regression=(AILayerNormConfig(dim=384, lanes=4), AILayerNormConfig(dim=64, lanes=4, eps=512.0)),
    lint_configs=(AILayerNormConfig(dim=768, lanes=16, eps=1e-12),
                  AILayerNormConfig(dim=8, lanes=1, ptf_max=2, compress_bits=8, steps_per_cycle=1),
                  AILayerNormConfig(dim=6, lanes=3, ptf_max=0, steps_per_cycle=3, out_frac=12, eps=0.0)),
    rejections=(({"Lanes": 5}, "Lanes (5) must be >= 1 and divide Dim (384)"),
                ({"Dim": 1, "Lanes": 1}, "Dim must be in [2, 65536]"),
                ({"CompressBits": 9}, "CompressBits (9) must be in [1, InWidth = 8]"),
                ({"StepsPerCycle": 0}, "StepsPerCycle must be >= 1"),
                ({"OutFrac": 17}, "output SQ16.17 needs"),
                ({"StatFrac": 13}, "StatFrac must be <= 12")),
    evaluate=through_model, prepare_input=ptf_input,
    # The variance keeps a sign bit that ex2 - mu^2 >= 0 never uses (it carries ex2 + eps only when eps
    # is as large as ex2: the third regression configuration), the normaliser's product a spare bit,
    # and the sum of squares one at D 384 (D 2^20 < 2^29); one bit less survives each, so they are
    # not bounds. The squares, the row sum, the mean and x - mu are.
    bound_widths=("sole_ailayernorm_unit:SqWidth", "sole_ailayernorm_unit:S1Width",
                  "sole_ailayernorm_unit:MuWidth", "sole_ailn_norm:DiffWidth"),
    note="AILayerNorm: INT8 PTF inputs calibrated on the data; low-spread rows collapse",
)
