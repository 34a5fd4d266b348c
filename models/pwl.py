"""The piecewise-linear table as the hardware holds it, in float64: what the fitter produces and
the minimax yardstick (models.minimax.optimal_table) is compared with."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from typing import Any

import numpy as np


def float_vector(values: Any, name: str, read_only: bool) -> np.ndarray:
    """A float64 1-D copy of values, checked finite."""
    array = np.array(values, dtype=np.float64, copy=True)
    if array.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains non-finite values")
    array.flags.writeable = not read_only
    return array


@dataclass(frozen=True, eq=False)
class FloatTable:
    """A piecewise-linear table as the hardware holds it, in float64.

    Segment k covers the inputs with exactly k breakpoints <= x, so breakpoint j - 1 is the
    lower bound of segment j; segment 0 extends to -inf and the last segment to +inf.
    Equal breakpoints are allowed and leave an empty segment between them. Arrays are
    stored as read-only copies (equality is identity: compare the arrays to compare tables).
    """

    breakpoints: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray

    def __post_init__(self) -> None:
        breakpoints = float_vector(self.breakpoints, "breakpoints", read_only=True)
        slopes = float_vector(self.slopes, "slopes", read_only=True)
        intercepts = float_vector(self.intercepts, "intercepts", read_only=True)
        if slopes.size < 1:
            raise ValueError("a table needs at least 1 entry (slopes is empty)")
        if intercepts.shape != slopes.shape:
            raise ValueError(
                f"intercepts must have one value per entry: {slopes.size} slopes, {intercepts.size} intercepts"
            )
        if breakpoints.shape != (slopes.size - 1,):
            raise ValueError(
                f"a table of {slopes.size} entries needs {slopes.size - 1} breakpoints, got {breakpoints.size}"
            )
        descents = np.flatnonzero(np.diff(breakpoints) < 0)
        if descents.size:
            j = int(descents[0])
            raise ValueError(
                f"breakpoints must be non-decreasing: breakpoint {j} = {breakpoints[j]!r} > "
                f"breakpoint {j + 1} = {breakpoints[j + 1]!r}"
            )
        object.__setattr__(self, "breakpoints", breakpoints)
        object.__setattr__(self, "slopes", slopes)
        object.__setattr__(self, "intercepts", intercepts)

    @property
    def entries(self) -> int:
        return int(self.slopes.size)

    def segment(self, x: np.ndarray | float) -> np.ndarray:
        """Segment index of each input: how many breakpoints are <= x (the comparator count)."""
        return np.searchsorted(self.breakpoints, np.asarray(x, dtype=np.float64), side="right")

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        inputs = np.asarray(x, dtype=np.float64)
        k = self.segment(inputs)
        return self.slopes[k] * inputs + self.intercepts[k]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; Python's float repr round-trips float64 exactly."""
        return {
            "entries": self.entries,
            "breakpoints": self.breakpoints.tolist(),
            "slopes": self.slopes.tolist(),
            "intercepts": self.intercepts.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FloatTable:
        missing = [key for key in ("breakpoints", "slopes", "intercepts") if key not in data]
        if missing:
            raise ValueError(f"table dictionary lacks {', '.join(missing)}")
        table = cls(data["breakpoints"], data["slopes"], data["intercepts"])
        if "entries" in data and data["entries"] != table.entries:
            raise ValueError(f"table dictionary says {data['entries']} entries but holds {table.entries}")
        return table
