"""Bad input is answered before any work starts, with a message that names the problem."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.units import UnitConfig


def rtl_eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flow.rtl_eval", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def x_file(tmp_path: Path) -> Path:
    path = tmp_path / "x.npy"
    np.save(path, np.linspace(-4, 4, 16))
    return path


@pytest.mark.parametrize("output,message", [
    ("y", "give a file name ending in .npy"),
    ("", "give a file name ending in .npy"),         # the folder itself
    ("/proc/nowhere/y.npy", "cannot write there"),
])
def test_bad_output_paths_are_refused_first(tmp_path: Path, x_file: Path, output: str, message: str) -> None:
    out = output if output.startswith("/") else str(tmp_path / output) if output else str(tmp_path)
    proc = rtl_eval("gelu", "--input", str(x_file), "--output", out)  # RTL path: refused before the build
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_text_file_is_not_called_pickled_data(tmp_path: Path) -> None:
    text = tmp_path / "x.txt"
    text.write_text("1 2 3\n")
    proc = rtl_eval("gelu", "--input", str(text), "--output", str(tmp_path / "y.npy"), "--model")
    assert proc.returncode != 0 and "not a .npy file" in proc.stderr and "pickled" not in proc.stderr


def test_saturated_outputs_get_a_note(tmp_path: Path) -> None:
    rows = np.zeros((1, 2048))
    rows[0, 5] = 100.0   # y = sqrt(D - 1) = 45 > 32, the SQ16.10 output's end
    np.save(tmp_path / "rows.npy", rows)
    proc = rtl_eval("layernorm", "--input", str(tmp_path / "rows.npy"), "--output", str(tmp_path / "y.npy"),
                    "--model")
    assert proc.returncode == 0 and "outputs sit at an end of the output format" in proc.stderr, proc.stderr


@pytest.mark.parametrize("changes,message", [
    ({"in_frac": -3}, "IN_FRAC must be in [0, IN_WIDTH - 1 = 15], got -3"),
    ({"in_frac": 20}, "IN_FRAC must be in [0, IN_WIDTH - 1 = 15], got 20"),
    ({"out_width": 1}, "OUT_WIDTH must be >= 2"),
    ({"table": "rom"}, "table must be one of"),
    ({"search": "linear"}, "search must be one of"),
])
def test_impossible_formats_are_named(changes: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        UnitConfig(**changes)
