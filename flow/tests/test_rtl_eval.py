"""rtl_eval on attention rows with -inf masks: the framing it builds and what the Softmax units
return for them, through the model for every Softmax unit and through the RTL for one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flow.rtl_eval import FramedRows
from models.reference import softmax

SOFTMAX_UNITS = ("softmax", "ibert_softmax", "sole_e2softmax")
# Largest |p - softmax| each unit shows on such rows (measured 3.4e-4, 3.0e-4, 0.12), with room.
BOUNDS = {"softmax": 5e-4, "ibert_softmax": 1e-3, "sole_e2softmax": 0.2}


def test_rows_are_cut_after_their_last_finite_element() -> None:
    codes = np.arange(12).reshape(2, 6)
    masked = np.array([[0, 0, 1, 0, 1, 1], [1, 1, 1, 1, 1, 1]], dtype=bool)
    framed = FramedRows.of(codes, masked, lanes=2)
    # Row 0: elements 0..3 in two beats (element 2 left out); row 1: one beat, nothing kept.
    assert framed.first.tolist() == [0, 2] and framed.count.tolist() == [2, 1]
    assert framed.beats[:, :2].tolist() == [[0, 1], [2, 3], [6, 7]]
    assert framed.beats[:, 2].tolist() == [0b11 << 1, (0b10 << 1) | 1, 1]
    out = framed.scatter(np.array([[5, 6], [7, 8], [9, 9]]), codes.shape)
    assert out.tolist() == [[5, 6, 7, 8, 0, 0], [9, 9, 0, 0, 0, 0]]


@pytest.fixture(scope="module")
def masked_rows(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 3.0, (6, 16))
    x[0, 10:] = -np.inf                   # a shorter row
    x[1, [3, 7]] = -np.inf                # keys masked inside
    x[2, :] = -np.inf                     # nothing left
    x[3, 1:] = -np.inf                    # one element
    x[4, 15] = -np.inf                    # a partial last beat
    path = tmp_path_factory.mktemp("masked") / "x.npy"
    np.save(path, x)
    return path, x


def run(unit: str, x_file: Path, out: Path, *extra: str) -> np.ndarray:
    proc = subprocess.run([sys.executable, "-m", "flow.rtl_eval", unit, "--input", str(x_file), "--output",
                           str(out), *extra], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert "-inf value(s) left out of their rows" in proc.stderr
    return np.load(out)


def check(unit: str, x: np.ndarray, p: np.ndarray) -> None:
    masked = np.isneginf(x)
    assert (p[masked] == 0).all() and (p[2] == 0).all()
    assert np.abs(p - softmax(np.where(masked, 0.0, x), ~masked)).max() <= BOUNDS[unit]


@pytest.mark.parametrize("unit", SOFTMAX_UNITS)
def test_model_leaves_masked_keys_out(unit: str, masked_rows: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    path, x = masked_rows
    check(unit, x, run(unit, path, tmp_path / "p.npy", "--model"))


def test_rtl_leaves_masked_keys_out(masked_rows: tuple[Path, np.ndarray], tmp_path: Path) -> None:
    path, x = masked_rows
    rtl = run("softmax", path, tmp_path / "rtl.npy")
    check("softmax", x, rtl)
    assert np.array_equal(rtl, run("softmax", path, tmp_path / "model.npy", "--model"))
