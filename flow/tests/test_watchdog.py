"""The benches' watchdogs: a unit that stops taking beats, or stops giving them, fails its test
within the budget derived from its work (tb/common/uvm_env.watchdog_cycles), naming the stalled
interface, instead of running to the simulation's time limit. The hangs are ones no RTL
assertion sees: a queue that never issues, an output that never becomes valid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flow.runner import run_bench, stream_model
from models.paths import REPO_ROOT
from tb.common.uvm_env import watchdog_cycles
from tb.registry import UNITS

RTL = REPO_ROOT / "rtl"


@pytest.mark.parametrize("test,file,original,replacement,stalled", [
    # Rows are never issued: the x queue fills, then the input stalls.
    ("FullRateRows", "common/softmax_rows.sv", "assign issue_o = x_row_valid && e_space;",
     "assign issue_o = 1'b0;", "input"),
    # No row's reciprocal ever arrives: a row goes in and nothing comes out.
    ("RowLatency", "nnlut/softmax_unit.sv", ".norm_valid_i (r_valid),", ".norm_valid_i (1'b0),", "output"),
])
def test_a_hung_unit_fails_within_its_budget(checkout_build_dir: Path, test: str, file: str, original: str, replacement: str,
                                            stalled: str) -> None:
    spec = UNITS["softmax"]
    target = spec.target(spec.config())
    path = RTL / file
    text = path.read_text()
    assert text.count(original) == 1, f"{original!r} not once in {file}"
    copy = checkout_build_dir / "src" / path.name
    copy.parent.mkdir(parents=True)
    copy.write_text(text.replace(original, replacement))
    run = run_bench(target, testcase=test, seed=1, build_root=checkout_build_dir / "build", replace_sources={path: copy})
    assert run.tests == 1 and run.failed == 1, "the hung unit passed its test"
    log = (run.build_dir / "sim.log").read_text()
    model = stream_model(target, checkout_build_dir / "model")
    if stalled == "input":
        found = re.search(r"input stream: beat \d+ .* offered for (\d+) cycles", log)
        assert found, f"no input watchdog message in {run.build_dir / 'sim.log'}"
        assert int(found.group(1)) == watchdog_cycles(model, 0.0, 0) + 1
    else:
        found = re.search(r"output stream: (\d+) beat\(s\) still owed (\d+) cycles", log)
        assert found, f"no output watchdog message in {run.build_dir / 'sim.log'}"
        assert int(found.group(2)) == watchdog_cycles(model, 0.0, int(found.group(1)))
