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
    for path in sorted(RTL_DIR.rglob("*.sv")):
        view = synthesis_view(path.read_text())
        assert "ASSERT" not in view and "module" in view, path
