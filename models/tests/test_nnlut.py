"""The integer model against a scalar re-statement of the datapath contract, the quantizer's
accuracy and its refusals, and the generated SV package."""

from __future__ import annotations

import numpy as np
import pytest

from models.fixedpoint import FixedFormat
from models.nnlut import CoreParams, IntTable, quantize_table
from models.reference import gelu
from models.svgen import render_package


def contract(table: IntTable, x: int) -> int:
    """The datapath of rtl/nnlut_core.sv, one element, in Python integers."""
    p = table.params
    k = sum(1 for j in range(1, p.entries) if x >= int(table.breakpoints[j]))
    prod_frac = table.slope_frac + p.in_fmt.frac
    acc = int(table.slopes[k]) * x + int(table.intercepts[k]) * 2 ** (prod_frac - table.intercept_frac)
    shift = prod_frac - p.out_fmt.frac
    r = (acc + 2 ** (shift - 1)) // 2 ** shift if shift else acc
    return max(p.out_fmt.min_code, min(p.out_fmt.max_code, r))


def random_table(rng: np.random.Generator, entries: int = 8) -> IntTable:
    params = CoreParams(FixedFormat(12, 6), FixedFormat(10, 4), 11, 14, entries)
    bps = np.sort(rng.integers(-2048, 2048, entries))
    return IntTable(params, slope_frac=9, intercept_frac=7, breakpoints=bps,
                    slopes=rng.integers(-1024, 1024, entries), intercepts=rng.integers(-8192, 8192, entries))


def test_model_matches_contract_including_ties_and_saturation() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        table = random_table(rng)
        x = table.params.in_fmt.all_codes()[::7]
        expected = np.array([contract(table, int(v)) for v in x])
        got = table.evaluate(x)
        assert np.array_equal(got, expected)
    raw = table.evaluate_unsaturated(table.params.in_fmt.all_codes())
    assert (raw > table.params.out_fmt.max_code).any() or (raw < table.params.out_fmt.min_code).any()


def test_rounding_is_half_up_on_exact_ties() -> None:
    params = CoreParams(FixedFormat(8, 0), FixedFormat(8, 0), 8, 8, 2)
    # slope 0.5 (frac 1), no intercept: x = 3 gives 1.5 -> 2, x = -3 gives -1.5 -> -1
    table = IntTable(params, 1, 0, np.array([-128, 127]), np.array([1, 1]), np.array([0, 0]))
    assert table.evaluate(np.array([3, -3, 1, -1])).tolist() == [2, -1, 1, 0]


def test_quantized_gelu_close_to_float_table() -> None:
    params = CoreParams(FixedFormat(16, 12), FixedFormat(16, 12), 16, 20, 4)
    bps = np.array([-1.0, 0.0, 1.0])
    x = np.linspace(-8, 8, 4001)
    slopes, intercepts = [], []
    edges = [-8.0, -1.0, 0.0, 1.0, 8.0]
    for lo, hi in zip(edges[:-1], edges[1:]):  # chords: a crude but valid float table
        s = (gelu(np.array(hi)) - gelu(np.array(lo))) / (hi - lo)
        slopes.append(float(s))
        intercepts.append(float(gelu(np.array(lo)) - s * lo))
    table = quantize_table(bps, np.array(slopes), np.array(intercepts), gelu, -8.0, 8.0, params)
    codes = params.in_fmt.all_codes()
    err_q = np.abs(params.out_fmt.to_real(table.evaluate(codes)) - gelu(params.in_fmt.to_real(codes))).max()
    seg = np.searchsorted(bps, x, side="right")
    err_f = np.abs(np.array(slopes)[seg] * x + np.array(intercepts)[seg] - gelu(x)).max()
    assert err_q <= err_f + params.out_fmt.lsb  # re-optimised codes never lose more than an LSB


@pytest.mark.parametrize("kwargs,message", [
    (dict(entries=1), "ENTRIES must be >= 2"),
])
def test_params_reject(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CoreParams(FixedFormat(16, 12), FixedFormat(16, 12), 16, 20, **kwargs)


def test_quantizer_rejects_impossible_requests() -> None:
    params = CoreParams(FixedFormat(16, 12), FixedFormat(16, 12), 16, 20, 4)
    ok = (np.array([-1.0, 0.0, 1.0]), np.zeros(4), np.zeros(4))
    with pytest.raises(ValueError, match="too few integer bits for the range"):
        quantize_table(*ok, gelu, -10.0, 10.0, params)
    narrow_out = CoreParams(FixedFormat(16, 12), FixedFormat(16, 14), 16, 20, 4)
    with pytest.raises(ValueError, match="output format .* too few integer bits"):
        quantize_table(*ok, gelu, -8.0, 8.0, narrow_out)
    with pytest.raises(ValueError, match="not monotonic"):
        quantize_table(np.array([0.0, -1.0, 1.0]), np.zeros(4), np.zeros(4), gelu, -8.0, 8.0, params)
    with pytest.raises(ValueError, match="does not have 4 entries"):
        quantize_table(np.array([0.0]), np.zeros(2), np.zeros(2), gelu, -8.0, 8.0, params)


def test_table_file_errors_are_reported(tmp_path) -> None:
    table = random_table(np.random.default_rng(1))
    path = tmp_path / "t.json"
    table.save(path)
    assert np.array_equal(IntTable.load(path).slopes, table.slopes)
    path.write_text('{"table": {"entries": 8}}')
    with pytest.raises(ValueError, match="missing field"):
        IntTable.load(path)
    path.write_text('{"table": ')
    with pytest.raises(ValueError, match="not valid JSON"):
        IntTable.load(path)
    d = table.to_dict()
    d["breakpoints"] = d["breakpoints"][::-1]
    with pytest.raises(ValueError, match="non-decreasing"):
        IntTable.from_dict(d)
    d = table.to_dict()
    d["slopes"][0] = 1 << 20
    with pytest.raises(ValueError, match="outside"):
        IntTable.from_dict(d)


def test_sv_package_holds_every_field() -> None:
    table = random_table(np.random.default_rng(3))
    text = render_package("demo_pkg", table, "test")
    assert "package demo_pkg;" in text and "endpackage" in text
    p = table.params
    literal = text.split("Slopes = {")[1].split("}")[0]
    codes = [int(tok.split("'h")[1], 16) for tok in literal.replace("\n", " ").split(",")]
    mask = (1 << p.slope_width) - 1
    assert codes == [int(s) & mask for s in table.slopes[::-1]]


def test_quantize_saturates_and_rejects_nan() -> None:
    fmt = FixedFormat(8, 4)
    assert fmt.quantize(np.array([100.0, -100.0, 0.03125, 0.09375])).tolist() == [127, -128, 0, 2]
    with pytest.raises(ValueError, match="NaN"):
        fmt.quantize(np.array([np.nan]))
