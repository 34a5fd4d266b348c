"""Every kind of RTL assertion fires when its rule is broken, and stays quiet on legal traffic.

The harness (tb/assertions) puts `ASSERT_STREAM on ports a cocotb test drives directly, next to a
stream_fifo and a stream_pipe_ctrl. Each test in tb/assertions/test_assertions.py breaks one
rule; an assertion failure stops Verilator, so the test must fail and the log must name the
assertion. The pipeline's FillsBubbles invariant cannot be broken from its ports, so it is
shown firing on a copy of stream_pipe_ctrl with the bubble-filling term removed (the mutant
that once passed every unit's tests).

The X checks (`ASSERT_KNOWN, NameValidKnown, NameDataKnown) need a four-state simulator:
Verilator has no X, so they cannot fire here, and uninitialised state is covered instead by
`--x-initial unique` (random initial values) in every bench build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flow.runner import ensure_verilator_on_path, verilator_runner
from models.paths import REPO_ROOT
from tb.common.sources import include_args, rtl_files

HARNESS = REPO_ROOT / "tb" / "assertions" / "assertion_harness.sv"
PIPE = rtl_files("common/stream_pipe_ctrl.sv")[0]
BUBBLE_FILL = "ready[i] = !valid_q[i] || ready[i+1];"

# test in tb/assertions/test_assertions.py -> the assertion it must fire ("" = none).
EXPECTED = {
    "clean_traffic": "",
    "valid_dropped": "ProbeValidHeld",
    "data_changed": "ProbeDataStable",
    "fifo_overflow": "NoPushWhenFull",
    "fifo_underflow": "PopOnlyWhatIsThere",
    "pipeline_bubble": "",
}


def run(build_dir: Path, pipe: Path, testcase: str) -> tuple[int, str]:
    from cocotb_tools.runner import get_results

    ensure_verilator_on_path()
    runner = verilator_runner()
    runner.build(sources=[*rtl_files("common/stream_fifo.sv"), pipe, HARNESS], hdl_toplevel="assertion_harness",
                 build_dir=build_dir, build_args=["--assert", *include_args()], log_file=build_dir / "build.log")
    log = build_dir / f"{testcase}.log"
    log.unlink(missing_ok=True)
    try:
        xml = runner.test(test_module="tb.assertions.test_assertions", hdl_toplevel="assertion_harness",
                          build_dir=build_dir, test_dir=build_dir, testcase=testcase,
                          results_xml=str(build_dir / f"{testcase}.xml"), log_file=log)
    except RuntimeError:
        # A failed assertion stops Verilator ($stop): the simulator exits non-zero.
        return 1, log.read_text()
    _, failed = get_results(xml)
    return failed, log.read_text()


def check(failed: int, log: str, expected: str, testcase: str) -> None:
    fired = [line for line in log.splitlines() if "[ASSERT FAILED]" in line]
    if expected:
        assert failed == 1, f"{testcase}: the broken rule did not stop the test"
        assert any(expected in line for line in fired), f"{testcase}: expected {expected} to fire, saw {fired}"
    else:
        assert failed == 0 and not fired, f"{testcase}: legal traffic, yet {fired or 'the test failed'}"


@pytest.mark.parametrize("testcase", sorted(EXPECTED))
def test_assertion_fires_on_its_broken_rule(testcase: str, worker_build_dir: Path) -> None:
    build = worker_build_dir / "assertion_harness"
    build.mkdir(exist_ok=True)
    check(*run(build, PIPE, testcase), EXPECTED[testcase], testcase)


def test_fills_bubbles_catches_a_pipeline_that_does_not(checkout_build_dir: Path) -> None:
    text = PIPE.read_text()
    assert BUBBLE_FILL in text, "stream_pipe_ctrl changed: update BUBBLE_FILL"
    broken = checkout_build_dir / PIPE.name
    broken.write_text(text.replace(BUBBLE_FILL, "ready[i] = ready[i+1];"))
    build = checkout_build_dir / "build"
    build.mkdir()
    check(*run(build, broken, "pipeline_bubble"), "FillsBubbles", "pipeline_bubble")
