"""The Softmax integer model against a scalar re-statement of its datapath, its error against
float64 torch.softmax, the width bounds it documents, and its refusals."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from models.nnlut import IntTable
from models.reference import softmax as reference_softmax
from models.softmax import DIRECT_IN_FRAC, SoftmaxConfig, SoftmaxModel

ACCURACY_TARGET = 5e-4


# ----------------------------------------------------------------------------------------
# Scalar re-statement of the datapath (Python integers, one element at a time)
# ----------------------------------------------------------------------------------------

def table_at(table: IntTable, x: int) -> int:
    """The NN-LUT core's contract (README), from the table's fields."""
    p = table.params
    k = sum(1 for b in table.breakpoints[1:].tolist() if x >= b)
    prod_frac = table.slope_frac + p.in_fmt.frac
    acc = int(table.slopes[k]) * x + (int(table.intercepts[k]) << (prod_frac - table.intercept_frac))
    shift = prod_frac - p.out_fmt.frac
    if shift:
        acc = (acc + (1 << (shift - 1))) >> shift
    return min(max(acc, p.out_fmt.min_code), p.out_fmt.max_code)


def scalar_softmax(model: SoftmaxModel, row: list[int]) -> list[int]:
    c = model.config
    assert c.out_frac is not None
    fo = c.exp_out_frac
    top = max(row)
    es, exact = [], []   # e as summed (truncated), and e exactly as a Fraction of 2^-EF units
    for x in row:
        u = top - x
        if c.exp_mode == "range_reduced":
            # log2(e) from the standard library, independently of the model's constant.
            log2e = math.floor(math.log2(math.e) * 2 ** c.log2e_frac + 0.5)
            z = u * log2e
            zf = c.in_frac + c.log2e_frac
            q, f = z >> zf, (z >> (zf - c.exp_in_frac)) % (1 << c.exp_in_frac)
            t = table_at(model.exp_table, f)
            underflow = q > c.exp_frac
            q = min(q, c.exp_frac + 1)
        else:
            d = max(-u, -(1 << (c.in_width - 1)))
            t, q, underflow = table_at(model.exp_table, d), 0, False
        m = 0 if underflow else max(t, 0)
        es.append((m << (c.exp_frac - fo)) >> q)
        exact.append(Fraction(m << (c.exp_frac - fo), 1 << q))
    s = sum(es)
    if s == 0:
        return [0] * len(row)
    pos = s.bit_length() - 1
    mant = (s << c.recip_in_frac) >> pos
    r = max(table_at(model.recip_table, mant), 0)
    sh = pos + c.recip_out_frac - c.out_frac
    # p = e * r / 2^sh rounded half up: floor(value + 1/2).
    return [min(math.floor(e * r / (1 << sh) + Fraction(1, 2)), (1 << c.out_width) - 1) for e in exact]


# ----------------------------------------------------------------------------------------
# Fixtures and stimulus
# ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SoftmaxModel]:
    out = Path(tmp_path_factory.mktemp("softmax_tables"))
    # The direct table covers [-16, 0]: that mode takes SQ16.11 in.
    return {"range_reduced": SoftmaxModel.build(SoftmaxConfig(), out),
            "direct": SoftmaxModel.build(SoftmaxConfig(exp_mode="direct", in_frac=DIRECT_IN_FRAC), out)}


def sample_rows(rng: np.random.Generator, config: SoftmaxConfig, rows: int, n: int) -> dict[str, np.ndarray]:
    """The bench's row kinds: attention-like, all-equal, dominant, extremes."""
    fmt = config.in_fmt
    spread = rng.choice([0.25, 0.5, 1.0, 2.0, 4.0, 6.0], size=(rows, 1))
    attention = fmt.quantize(np.clip(rng.uniform(-8, 8, (rows, 1)) + spread * rng.standard_normal((rows, n)),
                                     fmt.min_value, fmt.max_value))
    equal = np.repeat(rng.integers(fmt.min_code, fmt.max_code + 1, (rows, 1)), n, axis=1)
    dominant = fmt.quantize(rng.uniform(-16, -2, (rows, n)))
    dominant[np.arange(rows), rng.integers(0, n, rows)] = fmt.quantize(rng.uniform(0, 15.9, rows))
    extremes = rng.choice([fmt.min_code, fmt.min_code + 1, fmt.max_code - 1, fmt.max_code], (rows, n))
    return {"attention": attention, "equal": equal, "dominant": dominant, "extremes": extremes}


# ----------------------------------------------------------------------------------------
# Bit accuracy
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["range_reduced", "direct"])
@pytest.mark.parametrize("n", [1, 2, 3, 16, 128])
def test_model_matches_scalar_datapath(models: dict[str, SoftmaxModel], mode: str, n: int) -> None:
    model = models[mode]
    rng = np.random.default_rng(n)
    rows = max(2, 64 // n)
    for kind, codes in sample_rows(rng, model.config, rows, n).items():
        expected = np.array([scalar_softmax(model, r) for r in codes.tolist()])
        assert np.array_equal(model.evaluate(codes), expected), f"{mode}, N={n}, {kind} rows"


def test_row_length_is_taken_from_the_array(models: dict[str, SoftmaxModel]) -> None:
    model = models["range_reduced"]  # configured for 128-element rows
    rng = np.random.default_rng(3)
    for n in (5, 1000):
        codes = sample_rows(rng, model.config, 3, n)["attention"]
        out = model.evaluate(codes)
        assert out.shape == codes.shape
        assert np.array_equal(out, [scalar_softmax(model, r) for r in codes.tolist()])


def test_softmax_real_quantizes_then_evaluates(models: dict[str, SoftmaxModel]) -> None:
    model = models["range_reduced"]
    c = model.config
    x = np.array([[0.3, -1.7, 2.0, 40.0], [0.0, 0.0, 0.0, 0.0]])
    codes = np.rint(np.clip(x, c.in_fmt.min_value, c.in_fmt.max_value) * 2 ** c.in_frac).astype(np.int64)
    expected = np.array([scalar_softmax(model, r) for r in codes.tolist()]) * 2.0 ** -c.out_frac
    assert np.array_equal(model.softmax_real(x), expected)
    with pytest.raises(ValueError, match="NaN"):
        model.softmax_real(np.array([[0.0, np.nan]]))


# ----------------------------------------------------------------------------------------
# Errors against float64 torch.softmax at the exact input values
# ----------------------------------------------------------------------------------------

def row_errors(model: SoftmaxModel, n: int, rows: int = 64) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(1000 + n)
    c = model.config
    out = {}
    for kind, codes in sample_rows(rng, c, rows, n).items():
        err = np.abs(c.out_fmt.to_real(model.evaluate(codes)) - reference_softmax(c.in_fmt.to_real(codes)))
        out[kind] = (float(err.max()), float(err.mean()))
    return out


@pytest.mark.parametrize("n", [1, 2, 128, 512])
def test_range_reduced_meets_the_accuracy_target(models: dict[str, SoftmaxModel], n: int) -> None:
    errors = row_errors(models["range_reduced"], n)
    print(f"range_reduced N={n}: " + ", ".join(f"{k} max {m:.2e} mean {a:.2e}" for k, (m, a) in errors.items()))
    worst = max(m for m, _ in errors.values())
    assert worst <= ACCURACY_TARGET, errors


def test_direct_exp_misses_the_target(models: dict[str, SoftmaxModel]) -> None:
    """The paper's direct table has ~1e-3 absolute error on exp, which the sum multiplies by N:
    the reason the range-reduced exp is the default (numbers in the report)."""
    errors = row_errors(models["direct"], 128)
    print("direct N=128: " + ", ".join(f"{k} max {m:.2e} mean {a:.2e}" for k, (m, a) in errors.items()))
    assert errors["attention"][0] > 10 * ACCURACY_TARGET, errors


def test_exp_and_recip_stages_against_float(models: dict[str, SoftmaxModel]) -> None:
    """Every u = M - x: e within the exp2_neg table's relative error of 2^EF exp(-u); every
    mantissa: R within the recip table's relative error (3.5e-4 at m near 2) of 1/m."""
    model = models["range_reduced"]
    c = model.config
    u = np.arange(0, 1 << c.in_width, dtype=np.int64)
    e = model.exp_values(u)[3]
    exact = np.exp(-u * 2.0 ** -c.in_frac) * 2.0 ** c.exp_frac
    # The table's relative error plus the truncation of e to an integer code (< 1).
    assert np.all(np.abs(e - exact) <= 2e-4 * exact + 1.0)
    mant = np.arange(1 << c.recip_in_frac, 2 << c.recip_in_frac, dtype=np.int64)
    r = model.recip_table.evaluate(mant) * 2.0 ** -c.recip_out_frac
    exact_r = 2.0 ** c.recip_in_frac / mant
    assert np.max(np.abs(r - exact_r) / exact_r) <= 3.5e-4


# ----------------------------------------------------------------------------------------
# Width bounds documented in models/softmax.py and rtl/softmax_unit.sv
# ----------------------------------------------------------------------------------------

def test_exp_values_and_sums_fit_their_widths(models: dict[str, SoftmaxModel]) -> None:
    for model in models.values():
        c = model.config
        u = np.arange(0, 1 << c.in_width, dtype=np.int64)
        e = model.exp_values(u)[3]
        assert e.min() >= 0 and e.max() < 1 << c.exp_width
        # The largest sum: every element at the largest e (all-equal rows reach it when the
        # maximum e is the table's value at 0).
        for n in (1, 3, 128, 512, 4096):
            assert n * int(e.max()) < 1 << c.sum_width(n)
    assert SoftmaxConfig().sum_width(512) == 34
    assert SoftmaxConfig().sum_width(4096) == 37


# ----------------------------------------------------------------------------------------
# Refusals
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes,message", [
    ({"row_length": 0}, "row_length must be >= 1"),
    ({"lanes": 0}, "lanes must be >= 1"),
    ({"row_length": 130, "lanes": 4}, "must be a multiple of lanes"),
    ({"entries": 1}, "entries must be >= 2"),
    ({"exp_mode": "taylor"}, "exp_mode must be one of"),
    ({"out_width": 16, "out_frac": 17}, "out_frac must be in [1, out_width"),
    ({"in_frac": 16}, "in_frac must be in [0, in_width - 1"),
    ({"exp_frac": 12}, "exp_frac (12) must be >="),
    ({"out_width": 20}, "recip_out_frac (16) must be >= out_frac (20)"),
    ({"in_frac": 0, "log2e_frac": 8}, "in_frac + log2e_frac"),
    ({"exp_mode": "direct", "in_frac": 10}, "exp_mode 'direct' uses the exp table"),
    ({"row_length": 1 << 24, "lanes": 1}, "more than 48"),
])
def test_bad_configs_raise(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=None) as err:
        SoftmaxConfig(**changes)  # type: ignore[arg-type]
    assert message in str(err.value), str(err.value)


def test_model_rejects_bad_inputs_and_mismatched_tables(models: dict[str, SoftmaxModel]) -> None:
    model = models["range_reduced"]
    with pytest.raises(ValueError, match=r"\(rows, N\)"):
        model.evaluate(np.zeros(8, dtype=np.int64))
    with pytest.raises(ValueError, match="outside"):
        model.evaluate(np.array([[0, 1 << 15]]))
    with pytest.raises(ValueError, match="integer codes"):
        model.evaluate(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="exp table formats"):
        SoftmaxModel(SoftmaxConfig(exp_in_frac=15), model.exp_table, model.recip_table)
    with pytest.raises(ValueError, match="recip table formats"):
        SoftmaxModel(model.config, model.exp_table, model.exp_table)


@pytest.mark.parametrize("mode", ["range_reduced", "direct"])
def test_masked_elements_are_left_out_of_their_row(models: dict[str, SoftmaxModel], mode: str) -> None:
    """An element with mask False is not in its row: the kept ones get the scalar datapath's
    outputs for the row of kept elements alone, the left-out ones 0; a row with nothing kept is
    all 0."""
    model = models[mode]
    rng = np.random.default_rng(17)
    codes = sample_rows(rng, model.config, 6, 24)["attention"]
    # Left-out codes above the kept maximum must not count.
    codes[:, ::5] = model.config.in_fmt.max_code
    mask = rng.random(codes.shape) >= 0.4
    mask[:, ::5] = False
    mask[0] = False
    out = model.evaluate(codes, mask)
    assert (out[~mask] == 0).all() and (out[0] == 0).all()
    for r in range(1, len(codes)):
        assert out[r][mask[r]].tolist() == scalar_softmax(model, codes[r][mask[r]].tolist())
    with pytest.raises(ValueError, match="mask must be a bool array"):
        model.evaluate(codes, mask[:, :3])


def test_end_to_end_masking_is_the_units_framing(models: dict[str, SoftmaxModel]) -> None:
    """The end-to-end evaluation feeds a Softmax model the valid keys of each attention row
    (models/e2e/approx.py); that is the unit's framing: masked keys left out, probability 0."""
    from models.e2e.approx import apply_over_valid

    model = models["range_reduced"]
    rng = np.random.default_rng(23)
    x = rng.normal(0.0, 3.0, (2, 3, 20))
    valid = rng.random(x.shape) >= 0.3
    valid[0, 0] = False
    fmt = model.config.in_fmt
    e2e = apply_over_valid(x, valid, model.softmax_real)
    unit = model.config.out_fmt.to_real(
        model.evaluate(fmt.quantize(x).reshape(-1, 20), valid.reshape(-1, 20))).reshape(x.shape)
    assert np.array_equal(e2e, unit)
