"""Fit NN-LUT tables: train the one-hidden-layer ReLU network, convert it exactly to a
breakpoint/slope/intercept table, then refine the table beyond what the network can say.

NN-LUT (Yu et al., "NN-LUT: Neural Approximation of Non-Linear Operations for Efficient
Transformer Inference", DAC 2022, arXiv 2112.02191): a network
y(x) = sum_i m_i * ReLU(n_i * x + b_i) + c is a continuous piecewise-linear function, and
the hardware evaluates it as a table: k = number of breakpoints <= x, y = s[k] * x + t[k].
Because the table stores an independent slope and intercept per segment, the refined
table may be discontinuous; models.minimax.optimal_table is the yardstick it is measured
against (../shared/reference/algorithms.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from models import reference
from models.minimax import (
    breakpoints_between,
    default_grid,
    first_true,
    fit_line_unchecked,
    optimal_table,
    sample_function,
    segment_lines,
    validate_grid,
    validate_range,
)
from models.pwl import FloatTable, float_vector

Function = Callable[[np.ndarray], np.ndarray]


@dataclass
class ReluNetwork:
    """One hidden layer of ReLU neurons and a linear output, in the paper's notation:
    y(x) = sum_i m[i] * ReLU(n[i] * x + b[i]) + c (NN-LUT, arXiv 2112.02191).

    m are the output weights, n the input weights, b the hidden biases, c the output bias.
    """

    m: np.ndarray
    n: np.ndarray
    b: np.ndarray
    c: float

    def __post_init__(self) -> None:
        self.m = float_vector(self.m, "m", read_only=False)
        self.n = float_vector(self.n, "n", read_only=False)
        self.b = float_vector(self.b, "b", read_only=False)
        if not (self.m.shape == self.n.shape == self.b.shape):
            raise ValueError(
                f"m, n and b need one value per hidden neuron, got sizes {self.m.size}, {self.n.size}, {self.b.size}"
            )
        self.c = float(self.c)
        if not math.isfinite(self.c):
            raise ValueError(f"c must be finite, got {self.c}")

    @property
    def hidden(self) -> int:
        return int(self.m.size)

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        inputs = np.asarray(x, dtype=np.float64)
        activations = np.maximum(inputs[..., np.newaxis] * self.n + self.b, 0.0)
        return activations @ self.m + self.c


def relu_network_to_table(net: ReluNetwork, entries: int | None = None) -> FloatTable:
    """The network's exact table (NN-LUT, arXiv 2112.02191; algorithms.md).

    Breakpoints are d_i = -b_i / n_i, sorted. On segment k (k breakpoints <= x) the active
    neurons are those with n_i > 0 among the first k and those with n_i < 0 among the
    rest; prefix sums of m_i*n_i, m_i*b_i over the first kind and suffix sums over the
    second give every segment's slope and intercept at once. Neurons with n_i = 0 are the
    constant m_i * ReLU(b_i), folded into c. At x = d_i the neuron's pre-activation is 0,
    so which side a breakpoint belongs to does not change the value.

    The result has `entries` segments (default H + 1). Fewer kinks than that are padded
    with empty segments (repeated breakpoints); more are merged only where it is exact
    (empty segments, or neighbours with the same line), else ValueError.
    """
    target = net.hidden + 1 if entries is None else entries
    if int(target) != target or target < 1:
        raise ValueError(f"entries must be a positive integer, got {entries!r}")
    target = int(target)

    kinked = net.n != 0.0
    constant = net.c + float(np.sum(net.m[~kinked] * np.maximum(net.b[~kinked], 0.0)))
    m, n, b = net.m[kinked], net.n[kinked], net.b[kinked]
    breakpoints = -b / n
    order = np.argsort(breakpoints, kind="stable")
    breakpoints, m, n, b = breakpoints[order], m[order], n[order], b[order]

    rising = n > 0.0
    slope_terms = m * n
    intercept_terms = m * b
    zeros = np.zeros(1)
    # Entry k of the rising sums covers the rising neurons among the first k breakpoints
    # (active once x has passed them); entry k of the falling sums covers the falling
    # neurons from breakpoint k on (active while x is still below them).
    rising_slope = np.concatenate([zeros, np.cumsum(np.where(rising, slope_terms, 0.0))])
    rising_intercept = np.concatenate([zeros, np.cumsum(np.where(rising, intercept_terms, 0.0))])
    falling_slope = np.concatenate([np.cumsum(np.where(rising, 0.0, slope_terms)[::-1])[::-1], zeros])
    falling_intercept = np.concatenate([np.cumsum(np.where(rising, 0.0, intercept_terms)[::-1])[::-1], zeros])
    slopes = rising_slope + falling_slope
    intercepts = constant + rising_intercept + falling_intercept

    breakpoints, slopes, intercepts = _resize_exactly(breakpoints, slopes, intercepts, target)
    return FloatTable(breakpoints, slopes, intercepts)


def _resize_exactly(
    breakpoints: np.ndarray, slopes: np.ndarray, intercepts: np.ndarray, entries: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Change the segment count without changing the function anywhere."""
    if slopes.size < entries:
        missing = entries - slopes.size
        # Repeating the last breakpoint adds empty segments just below it; they are never
        # selected, so give them the line of the segment that follows.
        anchor = breakpoints[-1] if breakpoints.size else 0.0
        breakpoints = np.concatenate([breakpoints, np.full(missing, anchor)])
        slopes = np.concatenate([slopes[:-1], np.full(missing, slopes[-1]), slopes[-1:]])
        intercepts = np.concatenate([intercepts[:-1], np.full(missing, intercepts[-1]), intercepts[-1:]])
        return breakpoints, slopes, intercepts
    if slopes.size > entries:
        # Segment j (1 <= j < N-1) is empty when breakpoints j-1 and j coincide; dropping
        # breakpoint j-1 and segment j leaves every input in a segment with its old line.
        removable = np.flatnonzero(np.diff(breakpoints) == 0.0) + 1
        keep = np.ones(slopes.size, dtype=bool)
        keep[removable[: slopes.size - entries]] = False
        breakpoints, slopes, intercepts = breakpoints[keep[1:]], slopes[keep], intercepts[keep]
    if slopes.size > entries:
        # A breakpoint between two identical lines is no kink at all.
        same = (slopes[1:] == slopes[:-1]) & (intercepts[1:] == intercepts[:-1])
        removable = np.flatnonzero(same) + 1
        keep = np.ones(slopes.size, dtype=bool)
        keep[removable[: slopes.size - entries]] = False
        breakpoints, slopes, intercepts = breakpoints[keep[1:]], slopes[keep], intercepts[keep]
    if slopes.size > entries:
        raise ValueError(f"the network has {slopes.size} distinct segments, more than the {entries} entries asked for")
    return breakpoints, slopes, intercepts


def train_relu_network(
    f: Function,
    lo: float,
    hi: float,
    hidden: int,
    seed: int,
    steps: int = 1000,
    batch_size: int = 4096,
    learning_rate: float = 3e-3,
    threads: int = 1,
) -> ReluNetwork:
    """Train y = sum_i m_i ReLU(n_i x + b_i) + c on f over [lo, hi] (NN-LUT's network).

    Recipe after the public reimplementations quoted in algorithms.md (not necessarily the
    paper's): Adam, cosine schedule, mean absolute error, batch 4096, uniform inputs.
    Training runs in float64 on inputs and outputs scaled to [-1, 1], so one learning rate
    suits every range; the result is mapped back exactly (ReLU is positively homogeneous).
    The hidden layer starts with its breakpoints evenly spread over the range and the
    output layer solved by least squares, so Adam starts from a good fit rather than noise.
    Deterministic for a given seed.
    """
    lo, hi = validate_range(lo, hi)
    if int(hidden) != hidden or hidden < 1:
        raise ValueError(f"hidden must be a positive integer, got {hidden!r}")
    if steps < 0 or batch_size < 1:
        raise ValueError(f"steps must be >= 0 and batch_size >= 1, got {steps} and {batch_size}")
    hidden = int(hidden)
    centre, half_width = 0.5 * (lo + hi), 0.5 * (hi - lo)

    probe = np.linspace(-1.0, 1.0, 4097)
    probe_values = sample_function(f, centre + half_width * probe)
    output_offset = float(0.5 * (probe_values.max() + probe_values.min()))
    output_scale = float(0.5 * (probe_values.max() - probe_values.min())) or 1.0

    n, b, m, c = _initial_scaled_network(probe, (probe_values - output_offset) / output_scale, hidden)

    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        sampler = torch.Generator().manual_seed(seed)
        weights_in = torch.tensor(n, dtype=torch.float64, requires_grad=True)
        biases = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        weights_out = torch.tensor(m, dtype=torch.float64, requires_grad=True)
        bias_out = torch.tensor(c, dtype=torch.float64, requires_grad=True)
        parameters = [weights_in, biases, weights_out, bias_out]
        optimiser = torch.optim.Adam(parameters, lr=learning_rate)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=max(steps, 1))
        for _ in range(steps):
            inputs = torch.rand(batch_size, dtype=torch.float64, generator=sampler) * 2.0 - 1.0
            targets = torch.from_numpy(
                (sample_function(f, centre + half_width * inputs.numpy()) - output_offset) / output_scale
            )
            outputs = torch.relu(inputs[:, None] * weights_in + biases) @ weights_out + bias_out
            loss = torch.mean(torch.abs(outputs - targets))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        n, b, m, c = (tensor.detach().numpy().copy() for tensor in parameters)
    finally:
        torch.set_num_threads(previous_threads)

    # Undo the scaling: n u + b with u = (x - centre) / half_width, y = scale * v + offset.
    return ReluNetwork(
        m=m * output_scale,
        n=n / half_width,
        b=b - n * centre / half_width,
        c=float(c) * output_scale + output_offset,
    )


def _curvature_knots(inputs: np.ndarray, targets: np.ndarray, count: int) -> np.ndarray:
    """Knots spaced as |f''|^(-1/2), the spacing that equalises a piecewise-linear
    interpolant's error (h^2 |f''| / 8 per interval), with a floor so that nearly straight
    stretches (GELU's tails) still get some knots."""
    curvature = np.abs(np.gradient(np.gradient(targets, inputs), inputs))
    density = np.sqrt(curvature)
    density = density + 0.1 * density.mean() + 1e-12
    cumulative = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(inputs))])
    quantiles = cumulative[-1] * np.arange(1, count + 1) / (count + 1)
    return np.interp(quantiles, cumulative, inputs)


def _initial_scaled_network(
    inputs: np.ndarray, targets: np.ndarray, hidden: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Breakpoints spread over [-1, 1] by curvature, output layer by least squares.

    With all n_i of one sign, the segment where no neuron is active is flat; with rising
    neurons (n_i = +1) on the left and falling ones (n_i = -1) on the right, every segment
    has active neurons but the middle slope is tied to the outer ones. Which split suits f
    depends on f (GELU's flat left tail suits all rising; 1/x suits neither), so try every
    split and keep the best least-squares fit.
    """
    knots = _curvature_knots(inputs, targets, hidden)
    best: tuple[float, np.ndarray, np.ndarray, np.ndarray, float] | None = None
    for rising_count in range(hidden + 1):
        n = np.where(np.arange(hidden) < rising_count, 1.0, -1.0)
        b = -n * knots
        design = np.column_stack([np.maximum(inputs[:, None] * n + b, 0.0), np.ones_like(inputs)])
        # Normal equations: the basis is small and well separated, and LAPACK's least
        # squares drivers cost ~100x more here for their thread start-up.
        solution = np.linalg.solve(design.T @ design, design.T @ targets)
        residual = float(np.max(np.abs(design @ solution - targets)))
        if best is None or residual < best[0]:
            best = (residual, n, b, solution[:-1], float(solution[-1]))
    assert best is not None
    return best[1], best[2], best[3], best[4]


# Refinement stops when a round improves the max error by less than this fraction...
_REFINE_RELATIVE_GAIN = 1e-6
# ...for this many rounds in a row (a worst segment boxed in by equally bad neighbours
# can take a round or two to be relieved from further away).
_REFINE_PATIENCE = 3
_REFINE_MAX_ROUNDS = 200
# Fractions of the global equidistribution move tried in turn, the first that helps kept.
_EQUIDISTRIBUTION_STEPS = (1.0, 0.5, 0.25, 0.125)


def refine_table(
    table: FloatTable,
    f: Function,
    lo: float,
    hi: float,
    grid: np.ndarray | None = None,
) -> FloatTable:
    """Improve a table's max error on [lo, hi] while keeping its number of entries.

    Beyond the paper's continuous fit: the hardware stores an independent slope and
    intercept per segment, so each segment gets its own minimax line, and the breakpoints
    move until neighbouring segments' minimax errors balance (the optimum has all
    segment errors equal). Each round proposes a global move that redistributes the
    breakpoints so every segment gets an equal share of sum(sqrt(error)) (a smooth
    function's minimax error on a short segment grows as its length squared), keeps it
    if it helps, then does a Gauss-Seidel sweep that puts each interior breakpoint where
    the larger of its two neighbours' errors is least. Rounds repeat until the max error
    stops improving. The starting table's breakpoints are clipped into [lo, hi], and
    coinciding or empty segments are re-spread by halving the longest segments.
    """
    lo, hi = validate_range(lo, hi)
    x = default_grid(lo, hi) if grid is None else validate_grid(grid)
    if x.size < table.entries:
        raise ValueError(f"grid of {x.size} points is too coarse for {table.entries} entries")
    y = sample_function(f, x)

    starts = _starts_from_breakpoints(x, np.clip(table.breakpoints, lo, hi), table.entries)
    errors = segment_lines(x, y, starts)[2]
    best_error = float(errors.max())
    stalled_rounds = 0
    for round_number in range(_REFINE_MAX_ROUNDS):
        round_start_error = best_error
        # The error model behind the global move is rough where f's curvature changes
        # within a segment (GELU's inflection points), so shorten the move until it helps.
        for step in _EQUIDISTRIBUTION_STEPS:
            proposal = _equidistributed_starts(x, starts, errors, step)
            proposal_errors = segment_lines(x, y, proposal)[2]
            if proposal_errors.max() < errors.max():
                starts, errors = proposal, proposal_errors
                break
        starts, errors = _balance_sweep(x, y, starts, errors, backwards=round_number % 2 == 1)
        best_error = float(errors.max())
        if best_error < round_start_error * (1.0 - _REFINE_RELATIVE_GAIN):
            stalled_rounds = 0
        else:
            stalled_rounds += 1
            if stalled_rounds >= _REFINE_PATIENCE:
                break

    slopes, intercepts, _ = segment_lines(x, y, starts)
    return FloatTable(breakpoints_between(x, starts), slopes, intercepts)


def _starts_from_breakpoints(x: np.ndarray, breakpoints: np.ndarray, entries: int) -> np.ndarray:
    """Grid index where each segment starts, every segment holding at least one point."""
    count = x.size
    # A grid point is in segment >= j + 1 exactly when it is >= breakpoint j.
    inner = np.searchsorted(x, breakpoints, side="left")
    inner = np.unique(inner[(inner > 0) & (inner < count)])
    starts = np.concatenate([[0], inner]).astype(np.int64)
    while starts.size < entries:
        lengths = np.diff(np.append(starts, count))
        longest = int(np.argmax(lengths))
        starts = np.insert(starts, longest + 1, starts[longest] + lengths[longest] // 2)
    return starts


def _equidistributed_starts(x: np.ndarray, starts: np.ndarray, errors: np.ndarray, step: float) -> np.ndarray:
    """Breakpoints moved `step` of the way towards giving each segment an equal share of
    sum(sqrt(segment error)).

    Models the minimax error of a line on a short segment as C * length^2 with C constant
    over each current segment (C ~ |f''| / 16 for smooth f), so sqrt(error) / length is a
    piecewise-constant density whose integral is split evenly (mesh equidistribution).
    """
    count = x.size
    entries = starts.size
    edges = np.concatenate([[x[0]], breakpoints_between(x, starts), [x[-1]]])
    weights = np.sqrt(errors)
    total = float(weights.sum())
    if total == 0.0:
        return starts
    # Exact (zero-error) segments still need a little weight so the cumulative weight is
    # strictly increasing and can be inverted by interpolation.
    weights = weights + 1e-9 * total
    cumulative = np.concatenate([[0.0], np.cumsum(weights)])
    targets = cumulative[-1] * np.arange(1, entries) / entries
    new_edges = edges[1:-1] + step * (np.interp(targets, cumulative, edges) - edges[1:-1])
    inner = np.searchsorted(x, new_edges, side="left")
    # Keep starts strictly increasing with every segment non-empty: shift by the index so
    # "strictly increasing" becomes "non-decreasing", clip, then take a running maximum.
    offsets = np.arange(1, entries)
    shifted = np.clip(inner - offsets, 0, count - entries)
    inner = np.maximum.accumulate(shifted) + offsets
    return np.concatenate([[0], inner]).astype(np.int64)


def _balance_sweep(
    x: np.ndarray, y: np.ndarray, starts: np.ndarray, errors: np.ndarray, backwards: bool
) -> tuple[np.ndarray, np.ndarray]:
    """One Gauss-Seidel pass: each interior breakpoint moves, between its neighbours, to
    where the larger of its two segments' minimax errors is least."""
    errors = errors.copy()
    bounds = np.append(starts, x.size)
    order = range(starts.size - 1, 0, -1) if backwards else range(1, starts.size)
    for j in order:
        left, right = int(bounds[j - 1]), int(bounds[j + 1])

        def pair_errors(split: int) -> tuple[float, float]:
            return (fit_line_unchecked(x[left:split], y[left:split])[2],
                    fit_line_unchecked(x[split:right], y[split:right])[2])

        def left_dominates(split: int) -> bool:
            left_error, right_error = pair_errors(split)
            return left_error >= right_error

        # The left error grows and the right error shrinks as the split moves right, so
        # the best split is the first where left >= right or the one just before it.
        crossing = first_true(left_dominates, left + 1, right - 1, int(bounds[j]))
        candidates = [split for split in (crossing - 1, crossing) if left + 1 <= split <= right - 1]
        split, (left_error, right_error) = min(
            ((split, pair_errors(split)) for split in candidates), key=lambda scored: max(scored[1])
        )
        if max(left_error, right_error) <= max(errors[j - 1], errors[j]):
            bounds[j] = split
            errors[j - 1], errors[j] = left_error, right_error
    return bounds[:-1].copy(), errors


@dataclass
class FitResult:
    """One fitted table and how it compares with the network it came from and the optimum."""

    name: str
    entries: int
    lo: float
    hi: float
    network: ReluNetwork
    network_table: FloatTable
    table: FloatTable
    network_error: float
    error: float
    optimal_error: float
    fit_seconds: float
    optimal_seconds: float

    @property
    def ratio(self) -> float:
        """Refined error over the optimum (1.0 is the best any table of this size can do)."""
        if self.optimal_error == 0.0:
            return 1.0 if self.error == 0.0 else math.inf
        return self.error / self.optimal_error


def fit_function(
    name: str,
    entries: int = 16,
    lo: float | None = None,
    hi: float | None = None,
    seed: int = 0,
) -> FitResult:
    """Fit an `entries`-entry table to a reference function (models.reference) on [lo, hi].

    The range defaults to the function's spec. Errors are max absolute errors on the
    default grid (2**16 + 1 uniform points). fit_seconds covers training, conversion
    and refinement; optimal_seconds the reference optimum.
    """
    spec = reference.function_spec(name)
    if int(entries) != entries or entries < 2:
        raise ValueError(f"entries must be an integer >= 2, got {entries!r}")
    entries = int(entries)
    lo, hi = validate_range(spec.lo if lo is None else lo, spec.hi if hi is None else hi)
    grid = default_grid(lo, hi)
    values = sample_function(spec.fn, grid)

    started = time.perf_counter()
    network = train_relu_network(spec.fn, lo, hi, hidden=entries - 1, seed=seed)
    network_table = relu_network_to_table(network, entries)
    table = refine_table(network_table, spec.fn, lo, hi, grid)
    fit_seconds = time.perf_counter() - started

    started = time.perf_counter()
    optimal_error, _ = optimal_table(spec.fn, lo, hi, entries, grid)
    optimal_seconds = time.perf_counter() - started

    return FitResult(
        name=name,
        entries=entries,
        lo=lo,
        hi=hi,
        network=network,
        network_table=network_table,
        table=table,
        network_error=float(np.max(np.abs(network_table(grid) - values))),
        error=float(np.max(np.abs(table(grid) - values))),
        optimal_error=optimal_error,
        fit_seconds=fit_seconds,
        optimal_seconds=optimal_seconds,
    )


__all__ = [
    "FitResult",
    "FloatTable",
    "ReluNetwork",
    "fit_function",
    "refine_table",
    "relu_network_to_table",
    "train_relu_network",
]
