"""The element-wise bench family: the stream model of a table unit and the tests every
element-wise unit (NN-LUT GELU, I-BERT GELU) runs, each unit supplying its edge codes.

- ExhaustiveSweep: every input code, random gaps and backpressure; every code must be seen.
- FullRate: no gaps, no backpressure: the latency exactly the model's documented latency and
  Lanes elements per cycle; the figures go to results["rate"].
- Backpressure: heavy gaps and backpressure on the unit's edge codes and random codes.

A unit's test module subclasses these with its own base (for its edge codes, coverage and
bounds) and registers them with `@pyuvm.test()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.fixedpoint import FixedFormat
from models.nnlut import CORE_LATENCY, IntTable
from models.reference import function_spec
from tb.common.checks import Coverage, segment_and_saturation_coverage
from tb.common.uvm_env import StreamTest, lanes_of, record_rate

# Random elements per lane in the full-rate and backpressure tests.
RANDOM_BEATS = 512


@dataclass
class ElementwiseModel:
    """A table unit: the integer model of the NN-LUT core and the float64 reference function."""

    function: str
    table: IntTable
    lanes: int
    latency: int | None = CORE_LATENCY

    @property
    def in_fmt(self) -> FixedFormat:
        return self.table.params.in_fmt

    @property
    def out_fmt(self) -> FixedFormat:
        return self.table.params.out_fmt

    def predict(self, codes: np.ndarray) -> np.ndarray:
        return self.table.evaluate(codes)

    def reference(self, codes: np.ndarray) -> np.ndarray:
        return function_spec(self.function).fn(self.in_fmt.to_real(codes))

    def coverage(self, codes: np.ndarray) -> Coverage:
        t = self.table
        return segment_and_saturation_coverage(t.segment(codes), t.evaluate_unsaturated(codes),
                                               t.params.entries, self.out_fmt)


def elementwise_model(settings: dict[str, Any]) -> ElementwiseModel:
    return ElementwiseModel(settings["function"], IntTable.load(Path(settings["table_json"])),
                            int(settings["lanes"]), int(settings.get("latency", CORE_LATENCY)))


def format_edges(fmt: FixedFormat) -> np.ndarray:
    """The format's extremes and the codes around zero."""
    return np.array([fmt.min_code, fmt.min_code + 1, -1, 0, 1, fmt.max_code - 1, fmt.max_code])


class ElementwiseTest(StreamTest):
    """Base: random and edge codes of the unit's input format."""

    def edge_codes(self) -> np.ndarray:
        """The codes where the unit's datapath changes behaviour; units add their own."""
        return format_edges(self.bench.model.in_fmt)

    def random_codes(self, beats: int = RANDOM_BEATS) -> np.ndarray:
        model = self.bench.model
        codes = self.np_rng.integers(model.in_fmt.min_code, model.in_fmt.max_code + 1, beats * model.lanes)
        return lanes_of(codes, model.lanes)


class ExhaustiveSweep(ElementwiseTest):
    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        return [("all codes", lanes_of(model.in_fmt.all_codes(), model.lanes, pad_code=0))]

    def check_phase(self) -> None:
        super().check_phase()
        inputs = self.env.scoreboard.results["inputs"].reshape(-1)
        assert np.array_equal(np.unique(inputs), self.bench.model.in_fmt.all_codes()), \
            "the sweep did not reach every input code"


class FullRate(ElementwiseTest):
    idle_probability = 0.0
    stall_probability = 0.0

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        return [("random, full rate", self.random_codes())]

    def check_phase(self) -> None:
        super().check_phase()
        timing = self.env.scoreboard.results["timing"]
        expected, lanes = self.bench.model.latency, self.bench.config.lanes
        assert timing["latency_min"] == timing["latency_max"] == expected, \
            f"latency without backpressure must be exactly {expected} cycles, measured {timing}"
        assert timing["elements_per_cycle"] == lanes, \
            f"full rate must sustain {lanes} elements/cycle, measured {timing}"
        record_rate(self, timing["elements_per_cycle"], timing["latency_min"], per_row=False)


class Backpressure(ElementwiseTest):
    idle_probability = 0.5
    stall_probability = 0.6

    def blocks(self) -> list[tuple[str, np.ndarray]]:
        model = self.bench.model
        edges = np.clip(self.edge_codes(), model.in_fmt.min_code, model.in_fmt.max_code)
        return [("edges", lanes_of(edges, model.lanes)), ("random", self.random_codes(2 * RANDOM_BEATS))]


__all__ = ["ElementwiseModel", "elementwise_model", "format_edges", "ElementwiseTest", "ExhaustiveSweep",
           "FullRate", "Backpressure"]
