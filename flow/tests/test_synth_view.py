"""The cost cache's key: what synthesis reads of a source file, and nothing else."""

from __future__ import annotations

import pytest

from flow.synth_view import SynthViewError, synthesis_view
from tb.common.sources import RTL_DIR

BASE = """module m (input logic a_i, output logic b_o);
  // inverts
  assign b_o = !a_i;
endmodule
"""


def test_comments_whitespace_and_assertions_do_not_change_the_view() -> None:
    edited = '`include "assert.svh"\n' + BASE.replace("// inverts", "/* a longer\n comment */").replace(
        "endmodule", "`ASSERT(Known, !$isunknown(a_i),\n clk_i, !rst_ni)\n"
                     "`ifndef SYNTHESIS\n  initial $display(\"sim only\");\n`endif\nendmodule")
    assert synthesis_view(edited) == synthesis_view(BASE)


def test_logic_changes_and_kept_conditionals_change_the_view() -> None:
    assert synthesis_view(BASE.replace("!a_i", "a_i")) != synthesis_view(BASE)
    guarded = BASE.replace("endmodule", "`ifdef FAST\n assign c = 1;\n`endif\nendmodule")
    assert "`ifdef FAST" in synthesis_view(guarded)


def test_else_branch_of_a_simulation_guard_is_synthesized() -> None:
    text = "`ifndef SYNTHESIS\n sim_only\n`else\n synth_only\n`endif\nendmodule"
    view = synthesis_view(text)
    assert "synth_only" in view and "sim_only" not in view and view.endswith("endmodule")


def test_strings_keep_comment_markers() -> None:
    text = 'initial $fatal(1, "a // b /* c");'
    assert synthesis_view(text) == text


@pytest.mark.parametrize("text, problem", [
    ("`endif", "without a matching"), ("`ifdef X\n", "unterminated `ifdef"),
    ("`ASSERT(A, (b, clk)", "unbalanced"), ("/* open", "unterminated /*"),
])
def test_malformed_text_is_reported(text: str, problem: str) -> None:
    with pytest.raises(SynthViewError, match=problem):
        synthesis_view(text)


def test_every_rtl_file_has_a_view() -> None:
    """Every RTL file has a view, with its assertions gone and every project macro it uses
    expanded (a macro the view did not know would stay in the key as text, and hide a changed
    definition)."""
    from tb.common.sources import INCLUDE_DIRS

    for path in sorted(RTL_DIR.rglob("*.sv")):
        view = synthesis_view(path.read_text(), INCLUDE_DIRS)
        assert "ASSERT" not in view and "module" in view, path
        assert "`" not in view.replace("`ifdef", "").replace("`ifndef", "").replace("`endif", ""), path


HEADER = """// a header
`ifndef H_SVH
`define H_SVH
`define IN_PORTS(__bits) \\
  input  logic in_valid_i, \\
  input  logic [__bits-1:0] in_data_i
`define PAIR(__a, __b) `IN_PORTS(__a``__b)
`endif
"""
WRITTEN_OUT = """module m (
  input  logic              in_valid_i,
  input  logic [Lanes*W-1:0] in_data_i,
  output logic b_o);
endmodule
"""
THROUGH_MACRO = """`include "h.svh"
module m (
  `IN_PORTS(Lanes*W),
  output logic b_o);
endmodule
"""


def test_a_port_group_through_a_header_macro_has_the_view_written_out(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "h.svh").write_text(HEADER)
    assert synthesis_view(THROUGH_MACRO, [tmp_path]) == synthesis_view(WRITTEN_OUT)
    pasted = THROUGH_MACRO.replace("`IN_PORTS(Lanes*W)", "`PAIR(Lanes*, W)")
    assert synthesis_view(pasted, [tmp_path]) == synthesis_view(WRITTEN_OUT)


def test_editing_a_header_macro_changes_the_view_of_its_users(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "h.svh").write_text(HEADER)
    before = synthesis_view(THROUGH_MACRO, [tmp_path])
    (tmp_path / "h.svh").write_text(HEADER.replace("__bits-1:0", "__bits:0"))
    assert synthesis_view(THROUGH_MACRO, [tmp_path]) != before


@pytest.mark.parametrize("use, problem", [
    ("`IN_PORTS(A, B),", "takes 1 argument"), ("`IN_PORTS,", "without its arguments"),
    ("`IN_PORTS((A),", "unbalanced"),
])
def test_a_wrong_macro_use_is_reported(tmp_path, use: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "h.svh").write_text(HEADER)
    with pytest.raises(SynthViewError, match=problem):
        synthesis_view(f'`include "h.svh"\nmodule m ({use}', [tmp_path])


def test_a_header_that_is_not_there_is_reported(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SynthViewError, match='"h.svh" is in none of the include folders'):
        synthesis_view(THROUGH_MACRO, [tmp_path])

