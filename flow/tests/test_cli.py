"""The flow's command-line options: taken from the registry, refused by name where they do not
apply, defaults from the unit."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from flow.cli import add_unit_options, check_options_apply, unit_config
from flow.sim import failure_reasons
from tb.registry import UNITS, unit


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_unit_options(parser)
    return parser.parse_args(list(argv))


def test_given_options_reach_the_unit_and_the_rest_are_its_defaults() -> None:
    config = unit_config(unit("softmax"), parse("--row-length", "64", "--lanes", "8"))
    assert (config.row_length, config.lanes, config.entries) == (64, 8, 16)
    assert unit_config(unit("ibert_gelu"), parse()).lanes == 16   # its own default, not another unit's


def test_a_string_option_with_a_per_unit_default_is_a_string() -> None:
    """--fit (None by default: the function decides) takes a name, not a number."""
    assert unit_config(unit("gelu"), parse("--fit", "minimax")).fit == "minimax"
    assert unit_config(unit("gelu"), parse()).fit == "l2"
    with pytest.raises(ValueError, match="fit must be one of minimax, l2"):
        unit_config(unit("gelu"), parse("--fit", "3"))


def test_an_option_a_unit_lacks_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"--dim does not apply to softmax; its options: --row-length"):
        unit_config(unit("softmax"), parse("--dim", "384"))
    with pytest.raises(ValueError, match=r"--entries does not apply to ibert_gelu"):
        unit_config(unit("ibert_gelu"), parse("--entries", "8"))


def test_commands_over_several_units_give_each_its_own_options() -> None:
    args = parse("--dim", "768")
    specs = [unit("gelu"), unit("layernorm")]
    check_options_apply(specs, args)
    assert unit_config(unit("layernorm"), args, applicable_only=True).dim == 768
    with pytest.raises(ValueError, match="apply to none of the units gelu"):
        check_options_apply([unit("gelu")], args)


def test_registry_names_are_unique_and_seeds_distinct() -> None:
    seeds = [spec.regression_seed(0) for spec in UNITS.values()]
    assert len(set(seeds)) == len(seeds)
    with pytest.raises(ValueError, match="unknown unit 'nope'"):
        unit("nope")


def test_the_console_names_why_a_bench_test_failed(tmp_path: Path) -> None:
    xml = tmp_path / "results.xml"
    xml.write_text('<testsuites><testsuite name="all">'
                   '<testcase name="RandomRows" time="1"><failure type="AssertionError" '
                   'message="coverage holes: [\'e[4]\']&#10;assert not [\'e[4]\']">trace</failure></testcase>'
                   '<testcase name="ExtremeRows" time="1"/></testsuite></testsuites>')
    assert failure_reasons(xml) == {"RandomRows": "AssertionError: coverage holes: ['e[4]']"}
    assert failure_reasons(tmp_path / "missing.xml") == {}
    (tmp_path / "torn.xml").write_text("<testsuites><testcase")
    assert failure_reasons(tmp_path / "torn.xml") == {}
