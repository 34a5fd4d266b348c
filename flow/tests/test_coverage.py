"""The coverage report's reader and a real coverage run, small."""

from __future__ import annotations

from pathlib import Path

import pytest

from flow.coverage import CodeCoverage, CoverageFileError, Point, measure, merge_bins, read_coverage
from tb.registry import UNITS


def point(line: int, kind: str, comment: str, instance: str, count: int) -> str:
    keys = {"f": "/x/rtl/a.sv", "l": str(line), "n": "3", "t": kind, "page": f"v_{kind}/a", "o": comment,
            "h": instance}
    return "C '" + "".join(f"\x01{k}\x02{v}" for k, v in keys.items()) + f"' {count}"


def test_points_merge_over_instances_and_holes_are_named() -> None:
    text = "\n".join(["# SystemC::Coverage-3",
                      point(5, "line", "if", "top.u0", 0), point(5, "line", "if", "top.u1", 4),
                      point(7, "branch", "else", "top.u0", 0),
                      point(9, "toggle", "sum_q[3]:0->1", "top.u0", 0), point(9, "toggle", "sum_q[2]:0->1", "top.u0", 1)])
    points = read_coverage(text)
    assert points[Point("/x/rtl/a.sv", 5, 3, "line", "if")] == 4
    c = CodeCoverage.of(points)
    assert (c.lines_hit, c.lines, c.toggles_hit, c.toggles) == (1, 2, 1, 2)
    assert c.line_holes == ["a.sv:7 (else)"] and c.toggle_holes == ["a.sv: sum_q"]


def test_a_malformed_coverage_file_is_reported() -> None:
    with pytest.raises(CoverageFileError, match="cov.dat:2: not a coverage point"):
        read_coverage("# header\nC 'broken\n", "cov.dat")


def test_functional_bins_merge_over_tests() -> None:
    assert merge_bins([{"coverage": {"a": 1, "b": 0}}, {"coverage": {"b": 0, "c": 2}}]) == {"a": 1, "b": 0, "c": 2}


def test_a_real_run_reports_code_and_functional_coverage(checkout_build_dir: Path) -> None:
    spec = UNITS["gelu"]
    u = measure(spec, seed=1, tests=["FullRate"], build_root=checkout_build_dir, configs=[spec.config()])
    assert u.failed == 0 and u.code.lines > 0 and 0 < u.code.lines_hit <= u.code.lines
    assert 0 < u.code.toggles_hit < u.code.toggles and u.bins_hit > 0
    # FullRate's random codes never saturate the 16-bit output: a hole the report must show.
    assert any("nnlut_round_sat.sv" in hole for hole in u.code.line_holes)
