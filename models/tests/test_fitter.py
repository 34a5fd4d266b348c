"""Tests of the NN-LUT table fitter and the minimax-optimal yardstick (no simulator needed)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from scipy.optimize import linprog

from models.fitter import (
    FitResult,
    FloatTable,
    ReluNetwork,
    fit_function,
    refine_table,
    relu_network_to_table,
    train_relu_network,
)
from models.minimax import default_grid, minimax_line, optimal_table
from models.reference import function_spec

# algorithms.md, "The limit for a table of N entries": optimal 16-entry max errors.
OPTIMAL_16 = {"gelu": 2.11e-3, "exp": 9.96e-4, "recip": 1.68e-4, "rsqrt": 2.51e-4}


# --- network to table -------------------------------------------------------------------


def _probe_inputs(net: ReluNetwork) -> np.ndarray:
    """Dense inputs plus every breakpoint and its immediate neighbours."""
    active = net.n != 0
    kinks = -net.b[active] / net.n[active]
    low, high = (kinks.min() - 1.0, kinks.max() + 1.0) if kinks.size else (-1.0, 1.0)
    near = [kinks, np.nextafter(kinks, -np.inf), np.nextafter(kinks, np.inf), kinks - 1e-9, kinks + 1e-9]
    return np.concatenate([np.linspace(low, high, 4001), *near])


def _assert_table_matches(net: ReluNetwork, table: FloatTable, x: np.ndarray) -> None:
    # Both sides round a sum of terms; the rounding scales with the terms' magnitudes.
    magnitude = np.abs(net.m) @ (np.abs(np.outer(net.n, x)) + np.abs(net.b)[:, None]) + abs(net.c)
    np.testing.assert_array_less(np.abs(table(x) - net(x)), 1e-12 * (1.0 + magnitude))


def _random_network(rng: np.random.Generator) -> ReluNetwork:
    hidden = int(rng.integers(1, 40))
    n = rng.normal(size=hidden) * rng.choice([1.0, 10.0, 0.1], size=hidden)
    n[rng.random(hidden) < 0.15] = 0.0
    kinks = rng.uniform(-5.0, 5.0, size=hidden)
    # Repeat some breakpoints; power-of-two input weights keep -b/n exactly equal.
    repeats = rng.random(hidden) < 0.3
    kinks[repeats] = kinks[0]
    n[repeats] = rng.choice([-4.0, -1.0, 0.5, 2.0], size=int(repeats.sum()))
    b = np.where(n != 0, -n * kinks, rng.normal(size=hidden))
    return ReluNetwork(m=rng.normal(size=hidden), n=n, b=b, c=float(rng.normal()))


def test_network_to_table_is_exact_on_random_networks() -> None:
    rng = np.random.default_rng(2112_02191)
    for _ in range(200):
        net = _random_network(rng)
        table = relu_network_to_table(net)
        assert table.entries == net.hidden + 1
        _assert_table_matches(net, table, _probe_inputs(net))


def test_network_to_table_pads_and_merges_exactly() -> None:
    # Two neurons share breakpoint 1.0, one has no kink (n = 0), one has no weight (m = 0).
    net = ReluNetwork(
        m=np.array([1.0, -2.0, 0.5, 3.0, 0.0]),
        n=np.array([1.0, -2.0, 0.0, 4.0, 1.0]),
        b=np.array([-1.0, 2.0, 0.7, -4.0, 3.0]),
        c=0.25,
    )
    x = _probe_inputs(net)
    for entries in (2, 3, 6, 9):
        table = relu_network_to_table(net, entries)
        assert table.entries == entries
        _assert_table_matches(net, table, x)
    with pytest.raises(ValueError, match="more than the 1 entries"):
        relu_network_to_table(net, 1)


def test_network_to_table_is_exact_on_a_trained_network() -> None:
    spec = function_spec("rsqrt")
    net = train_relu_network(spec.fn, spec.lo, spec.hi, hidden=15, seed=1, steps=200)
    table = relu_network_to_table(net, 16)
    inputs = np.concatenate([default_grid(spec.lo - 1.0, spec.hi + 1.0, 20001), _probe_inputs(net)])
    _assert_table_matches(net, table, inputs)


def test_training_is_deterministic() -> None:
    spec = function_spec("exp")
    first, second = (train_relu_network(spec.fn, spec.lo, spec.hi, hidden=7, seed=5, steps=100) for _ in range(2))
    for name in ("m", "n", "b"):
        np.testing.assert_array_equal(getattr(first, name), getattr(second, name))
    assert first.c == second.c


# --- minimax line -----------------------------------------------------------------------


def _linprog_error(x: np.ndarray, y: np.ndarray) -> float:
    """min e subject to |y_i - (s x_i + t)| <= e, variables (s, t, e)."""
    ones = np.ones_like(x)
    upper = np.column_stack([-x, -ones, -ones])
    lower = np.column_stack([x, ones, -ones])
    result = linprog(
        c=[0.0, 0.0, 1.0],
        A_ub=np.vstack([upper, lower]),
        b_ub=np.concatenate([-y, y]),
        bounds=[(None, None)] * 3,
        method="highs",
    )
    assert result.success
    return float(result.x[2])


def test_minimax_line_matches_linear_programming() -> None:
    rng = np.random.default_rng(7)
    for case in range(300):
        x = np.unique(rng.uniform(-5.0, 5.0, size=int(rng.integers(3, 300))))
        shape = case % 4
        if shape == 0:
            y = rng.normal(size=x.size)
        elif shape == 1:  # oscillating, many inflection points
            y = np.sin(rng.uniform(0.5, 6.0) * x) + 0.01 * rng.normal(size=x.size)
        elif shape == 2:  # one inflection point, like GELU
            y = x**3 - rng.uniform(0.0, 10.0) * x
        else:  # heavy ties
            y = np.round(rng.normal(size=x.size))
        slope, intercept, error = minimax_line(x, y)
        expected = _linprog_error(x, y)
        assert error == pytest.approx(expected, rel=1e-9)
        assert np.max(np.abs(y - (slope * x + intercept))) == pytest.approx(error, rel=1e-12)


def test_minimax_line_small_and_degenerate_sets() -> None:
    assert minimax_line(np.array([2.0]), np.array([3.0])) == (0.0, 3.0, 0.0)
    slope, intercept, error = minimax_line(np.array([1.0, 3.0]), np.array([2.0, 6.0]))
    assert (slope, intercept, error) == pytest.approx((2.0, 0.0, 0.0))
    x = np.linspace(0.0, 1.0, 50)
    assert minimax_line(x, 3.0 * x - 1.0)[2] <= 1e-15
    with pytest.raises(ValueError, match="strictly increasing"):
        minimax_line(np.array([0.0, 2.0, 1.0]), np.zeros(3))
    with pytest.raises(ValueError, match="same length"):
        minimax_line(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="at least one point"):
        minimax_line(np.array([]), np.array([]))


# --- the optimum and the fits -----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(OPTIMAL_16))
def test_optimal_table_reproduces_algorithms_md(name: str) -> None:
    spec = function_spec(name)
    error, table = optimal_table(spec.fn, spec.lo, spec.hi, 16)
    assert table.entries == 16
    assert error == pytest.approx(OPTIMAL_16[name], rel=0.02)
    grid = default_grid(spec.lo, spec.hi)
    assert np.max(np.abs(table(grid) - spec.fn(grid))) == pytest.approx(error, rel=1e-12)


@pytest.fixture(scope="module")
def fits() -> tuple[dict[str, FitResult], float]:
    started = time.perf_counter()
    results = {name: fit_function(name, 16) for name in sorted(OPTIMAL_16)}
    return results, time.perf_counter() - started


@pytest.mark.parametrize("name", sorted(OPTIMAL_16))
def test_fit_is_near_the_optimum(fits: tuple[dict[str, FitResult], float], name: str) -> None:
    result = fits[0][name]
    spec = function_spec(name)
    assert (result.lo, result.hi, result.entries) == (spec.lo, spec.hi, 16)
    assert result.table.entries == result.network_table.entries == 16
    assert result.ratio < 1.2
    assert result.error <= result.network_error
    grid = default_grid(spec.lo, spec.hi)
    assert np.max(np.abs(result.table(grid) - spec.fn(grid))) == pytest.approx(result.error)


def test_refine_recovers_from_degenerate_breakpoints() -> None:
    spec = function_spec("exp")
    # All breakpoints outside the range or piled on one point.
    for breakpoints in (np.full(15, 3.0), np.full(15, -4.0)):
        start = FloatTable(breakpoints, np.zeros(16), np.zeros(16))
        table = refine_table(start, spec.fn, spec.lo, spec.hi)
        grid = default_grid(spec.lo, spec.hi)
        assert np.max(np.abs(table(grid) - spec.fn(grid))) < 1.2 * OPTIMAL_16["exp"]


# --- the table type and input checks ----------------------------------------------------


def test_float_table_segments_and_json_round_trip() -> None:
    table = FloatTable(np.array([0.0, 1.0, 1.0]), np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 0.5, 9.0, -1.0]))
    np.testing.assert_array_equal(table.segment(np.array([-1.0, 0.0, 0.5, 1.0, 2.0])), [0, 1, 1, 3, 3])
    np.testing.assert_array_equal(table(np.array([-1.0, 0.5, 2.0])), [-1.0, 1.5, 7.0])
    restored = FloatTable.from_dict(json.loads(json.dumps(table.to_dict())))
    for field in ("breakpoints", "slopes", "intercepts"):
        np.testing.assert_array_equal(getattr(restored, field), getattr(table, field))


def test_float_table_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        FloatTable(np.array([0.0, 2.0, 1.0]), np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="needs 3 breakpoints"):
        FloatTable(np.array([0.0, 1.0]), np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="one value per entry"):
        FloatTable(np.array([0.0]), np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="at least 1 entry"):
        FloatTable(np.array([]), np.array([]), np.array([]))
    with pytest.raises(ValueError, match="non-finite"):
        FloatTable(np.array([np.nan]), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="lacks slopes"):
        FloatTable.from_dict({"breakpoints": [], "intercepts": [0.0]})


def test_fitting_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="entries must be an integer >= 2"):
        fit_function("gelu", entries=1)
    with pytest.raises(ValueError, match="lo < hi"):
        fit_function("gelu", lo=1.0, hi=1.0)
    with pytest.raises(ValueError, match="finite"):
        fit_function("gelu", lo=-np.inf, hi=0.0)
    with pytest.raises(ValueError, match="not finite on the grid"):
        fit_function("recip", lo=0.0, hi=1.0)
    with pytest.raises(ValueError, match="unknown function"):
        fit_function("tanh")
    with pytest.raises(ValueError, match="entries must be an integer >= 2"):
        optimal_table(np.exp, 0.0, 1.0, 1)
    with pytest.raises(ValueError, match="lo < hi"):
        optimal_table(np.exp, 2.0, 1.0, 4)
    with pytest.raises(ValueError, match="same length|hidden neuron"):
        ReluNetwork(m=np.zeros(2), n=np.zeros(3), b=np.zeros(3), c=0.0)
