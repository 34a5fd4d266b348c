"""The NN-LUT GELU unit as every flow sees it (tb/registry.py)."""

from __future__ import annotations

from typing import Any

from models.units import UnitConfig, fit_cached
from tb.common.spec import ELEMENTWISE_TESTS, UnitSpec
from tb.gelu.target import GeluTarget


def fitted_tables(config: UnitConfig) -> list[tuple[str, int, float, float]]:
    return [(config.function, config.entries, *config.fit_range)]


def optimal_error(config: Any) -> tuple[float, str]:
    lo, hi = config.fit_range
    opt = fit_cached(config.function, config.entries, lo, hi)["optimal_error"]
    kind = " (this table: least squares)" if config.fit == "l2" else ""
    return opt, f"optimal {config.entries}-entry table (minimax): ±{opt:.2e}{kind}"


SPEC = UnitSpec(
    name="gelu", op="gelu", method="NN-LUT",
    config_type=UnitConfig, fixed_options={"function": "gelu"}, make_target=GeluTarget,
    tests=(*ELEMENTWISE_TESTS, "TableWrite"),
    rate_test="FullRate", accuracy_tests=("ExhaustiveSweep",), plot_test="ExhaustiveSweep",
    # ENTRIES {8, 16, 32}, LANES {1, 4, 16}, input widths {12, 16}, a narrower output and the
    # three table kinds and two searches with four builds (each configuration is a Verilator
    # build of its own).
    regression=(UnitConfig(entries=16, lanes=16, in_width=16),
                # 12 entries: the binary search over a table that is not a power of two long
                # (its candidates can pass the last entry).
                UnitConfig(entries=12, lanes=1, in_width=12, table="hardwired", search="binary"),
                UnitConfig(entries=32, lanes=4, in_width=12, table="no_reset", search="binary"),
                UnitConfig(entries=32, lanes=16, in_width=16, out_width=12)),
    lint_configs=(UnitConfig(),),
    rejections=(({"Entries": 32}, "regenerate the table"),),
    tables=fitted_tables, error_target=optimal_error,
    # The core's product and sum widths keep a spare bit: narrowing either by one is proved
    # equivalent by Yosys (make mutate), so the element-wise units claim no bound.
    bound_widths=(),
    note="16-entry least-squares table, programmable; SQ16.10 in and out",
)
