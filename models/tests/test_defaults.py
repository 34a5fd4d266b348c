"""The default formats (models.defaults) reach every place that builds a unit, and the GELU
unit's least-squares table (models.l2fit through models.units) does what it is chosen for."""

from __future__ import annotations

import numpy as np
import pytest

from models.defaults import (GELU_INT_BITS, LAYERNORM_GUARD_BITS, LAYERNORM_INT_BITS, SOFTMAX_INT_BITS,
                             table_fit)
from models.e2e.method_base import Widths
from models.e2e.methods import NnlutMethod
from models.layernorm import LayerNormConfig
from models.reference import gelu
from models.softmax import SoftmaxConfig
from models.units import UnitConfig, prepare_table


def test_unit_defaults_hold_the_model_ranges() -> None:
    """GELU [-32, 32), Softmax [-64, 64), LayerNorm [-256, 256) on 18 bits: what MiniLM feeds
    them (+-24.6, +-63.4, 224) fits without clipping."""
    g, s, ln = UnitConfig(), SoftmaxConfig(), LayerNormConfig()
    assert (g.in_fmt.width, g.in_fmt.frac, g.out_fmt.frac) == (16, 16 - GELU_INT_BITS, 16 - GELU_INT_BITS)
    assert (s.in_fmt.width, s.in_fmt.frac) == (16, 16 - SOFTMAX_INT_BITS)
    assert (ln.in_fmt.width, ln.in_fmt.frac) == (16 + LAYERNORM_GUARD_BITS, 16 + LAYERNORM_GUARD_BITS - LAYERNORM_INT_BITS)
    for fmt, peak in ((g.in_fmt, 24.6), (s.in_fmt, 63.4), (ln.in_fmt, 224.0)):
        assert fmt.min_value <= -peak and fmt.max_value >= peak, f"{fmt} clips {peak}"
    # SiLU keeps [-8, 8) and the minimax table.
    silu = UnitConfig(function="silu")
    assert (silu.in_fmt.frac, silu.fit) == (12, "minimax")


def test_end_to_end_formats_are_the_units_defaults() -> None:
    """One source: the uncalibrated end-to-end evaluation builds exactly the units' defaults."""
    method = NnlutMethod(Widths(16, 16))
    assert method.gelu_config() == UnitConfig(entries=16, lanes=method.gelu_config().lanes)
    assert method.softmax_config().in_fmt == SoftmaxConfig().in_fmt
    config = method.layernorm_config()
    assert (config.in_fmt, config.out_fmt) == (LayerNormConfig().in_fmt, LayerNormConfig().out_fmt)


def test_least_squares_table_trades_max_error_for_mean_error() -> None:
    """The GELU default (fit l2) against the minimax table at the same formats, over every input
    code: lower RMS error (what a model accumulates), a max error still within 1.5x."""
    codes = np.arange(-(1 << 15), 1 << 15)
    errors = {}
    for fit in ("l2", "minimax"):
        config = UnitConfig(fit=fit)
        table = prepare_table(config).table
        err = config.out_fmt.to_real(table.evaluate(codes)) - gelu(config.in_fmt.to_real(codes))
        errors[fit] = (float(np.abs(err).max()), float(np.sqrt(np.mean(err * err))))
    (l2_max, l2_rms), (mm_max, mm_rms) = errors["l2"], errors["minimax"]
    assert l2_rms < 0.5 * mm_rms, errors
    assert mm_max < l2_max < 1.5 * mm_max, errors
    # The end segments reach the asymptotes: no growth towards the ends of the range.
    assert mm_max < 3e-3, errors


def test_evaluation_options_are_checked() -> None:
    assert Widths(16, 16, "minimax", 0, 8).layernorm_frac == 8
    with pytest.raises(ValueError, match="gelu fit must be one of"):
        Widths(gelu_fit="lsq")
    with pytest.raises(ValueError, match="LayerNorm guard bits"):
        Widths(layernorm_guard_bits=5)
    with pytest.raises(ValueError, match="LayerNorm integer bits"):
        Widths(layernorm_int_bits=0)


def test_fit_option_is_checked_and_round_trips() -> None:
    assert table_fit("gelu") == "l2" and UnitConfig().fit == "l2"
    with pytest.raises(ValueError, match="fit must be one of minimax, l2"):
        UnitConfig(fit="lsq")
    for config in (UnitConfig(), UnitConfig(fit="minimax"), UnitConfig(function="silu")):
        assert UnitConfig.from_dict(config.to_dict()) == config
    # Tables of the two fits never share a name (build folders, packages).
    assert UnitConfig().table_tag != UnitConfig(fit="minimax").table_tag


def test_a_remembered_quantization_is_the_fresh_one_and_cannot_be_changed_through_a_copy() -> None:
    from models import units

    config = UnitConfig(function="gelu", entries=8, in_width=12, out_width=12, lanes=1)
    first, _ = units.quantized_table(config)
    first.slopes[:] = 0                     # a caller's copy; the remembered table must not follow
    again, _ = units.quantized_table(UnitConfig(function="gelu", entries=8, in_width=12, out_width=12, lanes=4))
    fresh, _ = units._quantize(config, units.fit_cached("gelu", 8, *config.fit_range))
    for name in ("breakpoints", "slopes", "intercepts"):
        assert np.array_equal(getattr(again, name), getattr(fresh, name))
    assert (again.slope_frac, again.intercept_frac) == (fresh.slope_frac, fresh.intercept_frac)
    assert np.any(again.slopes != 0)
