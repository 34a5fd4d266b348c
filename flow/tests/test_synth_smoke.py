"""Keeps the cost flow from rotting: small GELU units through Yosys, OpenSTA and nextpnr, and
the strict parsers that refuse a report they cannot read whole."""

from __future__ import annotations

import pytest

from flow.cost import CostError, cost, static_timing
from flow.yosys_worker import parse_liberty_stat
from tb.gelu.spec import SPEC as GELU


def test_small_gelu_units_cost(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Under /tmp on purpose: the flow must not depend on where the clone lives. Measured afresh
    # (not from the cache), so a broken flow cannot hide behind an old record.
    small = cost(GELU, GELU.config(entries=4, lanes=1, in_width=8, out_width=8), ecp5=True, root=tmp_path,
                 use_cache=False)
    larger = cost(GELU, GELU.config(entries=8, lanes=2, in_width=8, out_width=8), ecp5=False, root=tmp_path,
                  use_cache=False)
    assert 0 < small.seq_area_um2 < small.area_um2 < larger.area_um2
    # A programmable 4-entry table of 8-bit breakpoints and 16/20-bit fields is 176 flops.
    assert small.flops >= 4 * (8 + 16 + 20) and larger.flops > small.flops
    assert 20 < small.fmax_mhz < 1000 and small.critical_path_ns > 0 and small.power_mw > 0
    assert small.ecp5_lut4 and small.ecp5_lut4 > 0 and small.ecp5_fmax_mhz and small.ecp5_fmax_mhz > 0, small.ecp5_note
    hardwired = cost(GELU, GELU.config(entries=4, lanes=1, in_width=8, out_width=8, table="hardwired"), ecp5=False,
                     root=tmp_path, use_cache=False)
    assert hardwired.flops < small.flops - 100, "a hardwired table must not keep its registers"


def test_cells_without_area_are_refused() -> None:
    text = ("Warning: Area for cell type $_XOR_ is unknown!\n"
            "   Chip area for module '\\top': 100.0\n   of which used for sequential elements: 10.0 (10%)\n")
    with pytest.raises(RuntimeError, match="would drop out of the sum"):
        parse_liberty_stat(text)
    with pytest.raises(RuntimeError, match="no chip area"):
        parse_liberty_stat("nothing here")


def test_timing_without_a_path_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "netlist.v").write_text("module top(input clk_i, input rst_ni, input [1:0] in_data_i, "
                                        "output [1:0] out_data_o);\n  assign out_data_o = in_data_i;\nendmodule\n")
    with pytest.raises(CostError):
        static_timing(tmp_path, "top", 0.5, ["in_data_i"])


def test_a_tool_stopped_from_outside_is_not_a_result(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A killed place and route (a stopped run) must not be cached as a design that failed to
    place; a tool's own failure is still a CostError, recorded as such."""
    import sys

    from flow.cost import ToolInterrupted, _run

    with pytest.raises(ToolInterrupted, match="signal 15"):
        _run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"], tmp_path / "a.log")
    with pytest.raises(CostError, match="exit 3"):
        _run([sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "b.log")
