"""RTL source lists. Every unit names the files it is built from, in dependency order; nothing
is globbed, so a unit's build, lint and synthesis read exactly its own files.

Layout of rtl/: `common/` shared primitives (stream FIFO, pipeline control, leading-zero count,
row maximum, position and sum, row queue, sequential divider and square root, assertion macros),
`nnlut/` the NN-LUT core and the units built on it, `ibert/` and `sole/` the baselines.
"""

from __future__ import annotations

from pathlib import Path

from models.paths import REPO_ROOT

RTL_DIR = REPO_ROOT / "rtl"
# `include "assert.svh" (and the other headers) resolve here for every tool (Verilator -I, Yosys
# read_verilog -I, the cost cache's synthesis view).
INCLUDE_DIRS = (RTL_DIR / "common", RTL_DIR / "nnlut", RTL_DIR / "ibert", RTL_DIR / "sole")

# Shared primitives, each with what it instantiates first.
STREAM_PIPE = ("common/stream_pipe_ctrl.sv",)
LZC = ("common/lzc.sv",)
BEAT_STAGE = ("common/beat_stage.sv",)
CHANNEL_REGS = ("common/channel_regs.sv",)
ROW_SUM = ("common/row_sum.sv",)
ROW_QUEUE = ("common/stream_fifo.sv", "common/row_counter.sv", "common/row_queue.sv")
ROW_MAX = ("common/row_counter.sv", "common/row_max.sv")
# The maximum and the two queues every Softmax unit shares.
SOFTMAX_ROWS = (*ROW_MAX, *ROW_QUEUE, "common/softmax_rows.sv")
SEQ_DIVIDER = ("common/seq_ctrl.sv", "common/seq_divider.sv")
SEQ_ISQRT = ("common/seq_ctrl.sv", "common/seq_isqrt.sv")
NNLUT_CORE = (*STREAM_PIPE, "nnlut/nnlut_round_sat.sv", "nnlut/nnlut_segment_select.sv",
              "nnlut/nnlut_table.sv", "nnlut/nnlut_lane.sv", "nnlut/nnlut_core.sv")


def rtl_files(*groups: tuple[str, ...] | str) -> list[Path]:
    """The files of the given groups (or single names), first occurrence first, each checked
    to exist so that a wrong list fails here and not inside a simulator build."""
    names: list[str] = []
    for group in groups:
        for name in ((group,) if isinstance(group, str) else group):
            if name not in names:
                names.append(name)
    paths = [RTL_DIR / n for n in names]
    missing = [str(p.relative_to(REPO_ROOT)) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"RTL source list names missing file(s): {', '.join(missing)}")
    return paths


def include_args(prefix: str = "-I") -> list[str]:
    return [f"{prefix}{d}" for d in INCLUDE_DIRS]


__all__ = ["RTL_DIR", "INCLUDE_DIRS", "STREAM_PIPE", "LZC", "BEAT_STAGE", "CHANNEL_REGS", "ROW_SUM", "ROW_QUEUE", "ROW_MAX", "SOFTMAX_ROWS", "SEQ_DIVIDER",
           "SEQ_ISQRT", "NNLUT_CORE", "rtl_files", "include_args"]
