"""Minimax (Chebyshev) line fits and the minimax-optimal N-segment table.

The optimal table is the project's yardstick for "the best any N-entry table can do"
(../shared/reference/algorithms.md, "The limit for a table of N entries"). The table
hardware of NN-LUT (Yu et al., DAC 2022, arXiv 2112.02191) stores an independent slope
and intercept per segment, so the table need not be continuous; for a given error bound
a greedy sweep that extends every segment as far as its best line allows is then
optimal, and bisecting the bound finds the least error that N segments can reach.

Everything here works on a discrete, strictly increasing point set (the "grid"); the
error of a table is its maximum absolute error on that grid.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.pwl import FloatTable

DEFAULT_GRID_POINTS = 2**16 + 1

# Remez on a discrete set terminates after finitely many exchanges (the levelled error
# grows strictly); the cap only guards against rounding making two references tie.
_MAX_EXCHANGES = 64
# Relative slack when deciding that the levelled reference error already is the maximum:
# a few ulps of rounding in the residuals must not trigger another exchange.
_LEVEL_SLACK = 1e-12
# The bound bisection stops when the bracket is this tight relative to the bound; far
# below the 2 % agreement asked of the algorithms.md figures, and cheap (about 25 steps).
_BOUND_RELATIVE_TOLERANCE = 1e-7

Function = Callable[[np.ndarray], np.ndarray]


def default_grid(lo: float, hi: float, points: int = DEFAULT_GRID_POINTS) -> np.ndarray:
    """The dense evaluation grid used when none is given: uniform, both ends included."""
    lo, hi = validate_range(lo, hi)
    if points < 2:
        raise ValueError(f"a grid needs at least 2 points, got {points}")
    return np.linspace(lo, hi, points)


def validate_range(lo: float, hi: float) -> tuple[float, float]:
    """Check an input range [lo, hi] and return it as floats."""
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(f"range ends must be finite, got lo={lo}, hi={hi}")
    if lo >= hi:
        raise ValueError(f"range needs lo < hi, got lo={lo}, hi={hi}")
    return lo, hi


def validate_grid(grid: np.ndarray) -> np.ndarray:
    """Check an evaluation grid (1-D, finite, strictly increasing) and return it as float64."""
    points = np.asarray(grid, dtype=np.float64)
    if points.ndim != 1 or points.size < 2:
        raise ValueError(f"grid must be a 1-D array of at least 2 points, got shape {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("grid contains non-finite values")
    if np.any(np.diff(points) <= 0):
        raise ValueError("grid must be strictly increasing")
    return points


def sample_function(f: Function, grid: np.ndarray) -> np.ndarray:
    """f on the grid as float64, refusing non-finite values (they would poison every fit)."""
    values = np.asarray(f(grid), dtype=np.float64)
    if values.shape != grid.shape:
        raise ValueError(f"function returned shape {values.shape} for a grid of shape {grid.shape}")
    if not np.all(np.isfinite(values)):
        bad = grid[~np.isfinite(values)][0]
        raise ValueError(f"function is not finite on the grid (first at x={bad!r})")
    return values


def minimax_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Best uniform-norm line through the points (x, y): (slope, intercept, max abs error).

    x must be strictly increasing. One point gives the constant line through it, two
    points the line through both (error 0).
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or ys.ndim != 1:
        raise ValueError(f"x and y must be 1-D, got shapes {xs.shape} and {ys.shape}")
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same length, got {xs.size} and {ys.size}")
    if xs.size == 0:
        raise ValueError("minimax_line needs at least one point")
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ValueError("x and y must be finite")
    if np.any(np.diff(xs) <= 0):
        raise ValueError("x must be strictly increasing")
    return fit_line_unchecked(xs, ys)


def fit_line_unchecked(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """minimax_line without input checks, for hot loops over slices of a validated grid.

    Discrete Remez (Stiefel) exchange for degree 1: a reference of three points on which
    the line's residuals alternate with equal magnitude h; the point of largest residual
    is swapped in so that the signs keep alternating, which strictly increases |h|, until
    no point deviates more than |h| (Chebyshev alternation: then the line is optimal).
    """
    count = x.shape[0]
    if count == 1:
        return 0.0, float(y[0]), 0.0
    last = count - 1
    slope = float((y[last] - y[0]) / (x[last] - x[0]))
    if count == 2:
        return slope, float(y[0] - slope * x[0]), 0.0

    offsets = y - slope * x
    deviation = np.abs(offsets[1:last] - offsets[0])
    middle = int(np.argmax(deviation)) + 1
    if deviation[middle - 1] == 0.0:
        return slope, float(offsets[0]), 0.0
    # The chord's farthest point completes the first reference: for convex or concave
    # data (most segments) that reference is already optimal and one pass confirms it.
    reference = [0, middle, last]

    best = (slope, float(offsets[0]), np.inf)
    for _ in range(_MAX_EXCHANGES):
        first, centre, third = reference
        slope = float((y[third] - y[first]) / (x[third] - x[first]))
        offset_first = float(y[first] - slope * x[first])
        offset_centre = float(y[centre] - slope * x[centre])
        reference_intercept = 0.5 * (offset_first + offset_centre)
        level = 0.5 * (offset_first - offset_centre)

        offsets = y - slope * x
        highest = int(offsets.argmax())
        lowest = int(offsets.argmin())
        top = float(offsets[highest])
        bottom = float(offsets[lowest])
        # For a fixed slope the mid-range intercept is optimal; at convergence it equals
        # the reference intercept, before that it can only be better.
        error = 0.5 * (top - bottom)
        if error < best[2]:
            best = (slope, 0.5 * (top + bottom), error)
        if error <= abs(level) * (1.0 + _LEVEL_SLACK):
            break

        if top - reference_intercept >= reference_intercept - bottom:
            newcomer, newcomer_sign = highest, 1.0
        else:
            newcomer, newcomer_sign = lowest, -1.0
        if newcomer in reference:
            break
        # Residual signs on the reference alternate: (s, -s, s) with s = sign(level). The
        # newcomer replaces the reference point of its own sign next to it, or, outside
        # the reference, pushes out the point at the far end.
        outer_sign = 1.0 if level > 0 else -1.0
        same_as_outer = newcomer_sign == outer_sign
        if newcomer < first:
            reference = [newcomer, centre, third] if same_as_outer else [newcomer, first, centre]
        elif newcomer < centre:
            reference = [newcomer, centre, third] if same_as_outer else [first, newcomer, third]
        elif newcomer < third:
            reference = [first, centre, newcomer] if same_as_outer else [first, newcomer, third]
        else:
            reference = [first, centre, newcomer] if same_as_outer else [centre, third, newcomer]
    return best


def segment_lines(x: np.ndarray, y: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimax line of every segment; segment k is grid indices [starts[k], starts[k+1]).

    starts[0] must be 0 and starts strictly increasing. Returns (slopes, intercepts, errors).
    """
    bounds = np.append(np.asarray(starts, dtype=np.int64), x.shape[0])
    fits = [fit_line_unchecked(x[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    slopes, intercepts, errors = (np.array(column, dtype=np.float64) for column in zip(*fits))
    return slopes, intercepts, errors


def breakpoints_between(x: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Table breakpoints for segments that start at the given grid indices.

    Any value in (x[s-1], x[s]] puts exactly the same grid points in each segment; the
    midpoint splits the unsampled gap evenly between the two neighbouring lines.
    """
    inner = np.asarray(starts, dtype=np.int64)[1:]
    return 0.5 * (x[inner - 1] + x[inner])


def first_true(predicate: Callable[[int], bool], low: int, high: int, guess: int) -> int:
    """Smallest i in [low, high] with predicate(i), for a predicate that is false then true.

    Returns high + 1 if it is never true. Gallops outwards from guess before bisecting, so
    a good guess (the previous answer, a neighbour's length) costs O(log distance) calls.
    """
    guess = min(max(guess, low), high)
    step = 1
    if predicate(guess):
        known_true = guess
        probe = guess - step
        while probe >= low and predicate(probe):
            known_true = probe
            step *= 2
            probe = guess - step
        known_false = max(probe, low - 1)
    else:
        known_false = guess
        probe = guess + step
        while probe <= high and not predicate(probe):
            known_false = probe
            step *= 2
            probe = guess + step
        known_true = min(probe, high + 1)
    while known_true - known_false > 1:
        middle = (known_true + known_false) // 2
        if predicate(middle):
            known_true = middle
        else:
            known_false = middle
    return known_true


def greedy_starts(x: np.ndarray, y: np.ndarray, bound: float, max_segments: int) -> np.ndarray | None:
    """Segment starts of the greedy cover with error <= bound, or None if it needs more
    than max_segments segments.

    Each segment is extended as far as its minimax line stays within the bound; because
    a segment's minimax error can only grow when points are added, this greedy cover
    uses the fewest segments possible for the bound (algorithms.md).
    """
    count = x.shape[0]
    starts = [0]
    start = 0
    expected_length = max(count // max_segments, 2)
    while True:
        def exceeds(end: int) -> bool:
            return fit_line_unchecked(x[start:end], y[start:end])[2] > bound

        # Any two points fit exactly, so the first end worth testing is start + 3.
        end = first_true(exceeds, start + 3, count, start + expected_length) - 1
        if end >= count:
            return np.array(starts, dtype=np.int64)
        if len(starts) == max_segments:
            return None
        expected_length = end - start
        start = end
        starts.append(start)


def split_to_count(starts: np.ndarray, count: int, segments: int) -> np.ndarray:
    """Pad a cover to exactly `segments` segments by halving the longest ones.

    Splitting a segment never raises its minimax error, so padding keeps the bound.
    """
    padded = np.asarray(starts, dtype=np.int64)
    while padded.size < segments:
        lengths = np.diff(np.append(padded, count))
        longest = int(np.argmax(lengths))
        if lengths[longest] < 2:
            raise ValueError(f"cannot make {segments} non-empty segments from {count} grid points")
        padded = np.insert(padded, longest + 1, padded[longest] + lengths[longest] // 2)
    return padded


def optimal_table(
    f: Function,
    lo: float,
    hi: float,
    entries: int,
    grid: np.ndarray | None = None,
) -> tuple[float, FloatTable]:
    """Minimax-optimal discontinuous `entries`-segment table of f on [lo, hi].

    Returns (max abs error on the grid, table). The grid (default: 2**16 + 1 uniform
    points) is where the error is measured; the breakpoints sit midway between grid
    points. Bisects the error bound until the greedy cover needs exactly `entries`
    segments (algorithms.md, "The limit for a table of N entries").
    """
    lo, hi = validate_range(lo, hi)
    if int(entries) != entries or entries < 2:
        raise ValueError(f"entries must be an integer >= 2, got {entries!r}")
    entries = int(entries)
    x = default_grid(lo, hi) if grid is None else validate_grid(grid)
    if x[0] < lo or x[-1] > hi:
        raise ValueError(f"grid [{x[0]}, {x[-1]}] reaches outside the range [{lo}, {hi}]")
    if x.size < entries:
        raise ValueError(f"grid of {x.size} points is too coarse for {entries} entries")
    y = sample_function(f, x)

    # Equal-length segments are feasible for their own worst error: a starting bracket.
    uniform = split_to_count(np.array([0]), x.size, entries)
    feasible_bound = float(segment_lines(x, y, uniform)[2].max())
    feasible_starts = uniform
    infeasible_bound = 0.0
    if feasible_bound > 0.0:
        zero_cover = greedy_starts(x, y, 0.0, entries)
        if zero_cover is not None:
            feasible_bound, feasible_starts = 0.0, zero_cover
    while feasible_bound - infeasible_bound > _BOUND_RELATIVE_TOLERANCE * feasible_bound:
        bound = 0.5 * (feasible_bound + infeasible_bound)
        cover = greedy_starts(x, y, bound, entries)
        if cover is None:
            infeasible_bound = bound
        else:
            feasible_bound, feasible_starts = bound, cover

    starts = split_to_count(feasible_starts, x.size, entries)
    slopes, intercepts, errors = segment_lines(x, y, starts)
    table = FloatTable(breakpoints_between(x, starts), slopes, intercepts)
    return float(errors.max()), table


__all__ = [
    "DEFAULT_GRID_POINTS",
    "breakpoints_between",
    "default_grid",
    "first_true",
    "fit_line_unchecked",
    "greedy_starts",
    "minimax_line",
    "optimal_table",
    "sample_function",
    "segment_lines",
    "split_to_count",
    "validate_grid",
    "validate_range",
]
