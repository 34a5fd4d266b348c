"""One Yosys run of the cost flow, in a process of its own (native Yosys from PyPI `pyosys`).

    python -m flow.yosys_worker request.json

The request names the sources, include folders, top, HDL parameters and the mode:

- "asic": elaborate, flatten, infer memories; every memory of at least `macro_min_bits` bits is
  cut out as a macro (its read data become inputs of the logic, its write data, addresses and
  enables outputs, as an SRAM macro's pins would be), smaller ones stay flip-flops; then map
  flops and logic to the liberty (dfflibmap, abc) and write `netlist.v` for static timing.
- "ecp5": `synth_ecp5` (memories go to block or distributed RAM), write `netlist.json` for
  nextpnr.

It writes `stats.json` (cell counts by type, liberty area and its sequential part for "asic",
the cut macros) and `yosys.log`, and exits 1 with the reason on failure. Area figures are parsed
strictly: a mapped cell without a liberty area stops the run instead of dropping out of the sum.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from pathlib import Path
from typing import Any


def run(request: dict[str, Any]) -> dict[str, Any]:
    from pyosys import libyosys as ys

    out = Path(request["out_dir"])
    out.mkdir(parents=True, exist_ok=True)
    design = ys.Design()
    top = request["top"]

    def cmd(text: str) -> None:
        ys.run_pass(text, design)

    includes = " ".join(f"-I{d}" for d in request["includes"])
    # -defer: elaborate only at `hierarchy`, with the unit's parameters; elaborating each module
    # at its defaults first would trip parameter checks that only the defaults fail.
    cmd(f"read_verilog -defer -sv {includes} " + " ".join(request["sources"]))
    params = " ".join(f"-set {k} {v}" for k, v in request["params"].items())
    if params:
        cmd(f"chparam {params} {top}")
    cmd(f"hierarchy -check -top {top}")
    # chparam leaves the top named $paramod\<top>\...; the later stages look it up by name.
    cmd(f"rename -top {top}")
    stats: dict[str, Any] = {"top": top, "mode": request["mode"]}
    start = time.monotonic()
    if request["mode"] == "asic":
        liberty = request["liberty"]
        cmd(f"synth -top {top} -flatten -run :fine")
        stats["macros"] = cut_macros(ys, design, int(request["macro_min_bits"]))
        cmd(f"synth -top {top} -flatten -run fine:")
        cmd("delete t:$scopeinfo")
        cmd(f"dfflibmap -liberty {liberty}")
        constr = out / "abc.constr"
        constr.write_text(request.get("abc_constr", ""))
        extra = f" -constr {constr}" if request.get("abc_constr") else ""
        cmd(f"abc -liberty {liberty} -D {int(request['abc_delay_ps'])}{extra}")
        cmd("opt_clean -purge")
        cmd(f"tee -o {out / 'stat.txt'} stat -liberty {liberty}")
        stats.update(parse_liberty_stat((out / "stat.txt").read_text()))
        cmd(f"write_verilog -noattr -simple-lhs -noexpr {out / 'netlist.v'}")
    elif request["mode"] == "ecp5":
        cmd(f"synth_ecp5 -top {top} -json {out / 'netlist.json'}")
        cmd(f"tee -o {out / 'stat.txt'} stat")
        stats["cells"] = parse_cell_counts((out / "stat.txt").read_text())
    else:
        raise ValueError(f"unknown mode {request['mode']!r}")
    stats["seconds"] = time.monotonic() - start
    (out / "stats.json").write_text(json.dumps(stats, indent=1))
    return stats


def cut_macros(ys: Any, design: Any, min_bits: int) -> list[dict[str, Any]]:
    """Replace every memory of at least min_bits bits by ports of the top module."""
    module = design.top_module()
    cut = []
    for cell in list(module.cells_.values()):
        if cell.type.str() != "$mem_v2":
            continue
        params = {k.str(): v.as_int() for k, v in cell.parameters.items()
                  if k.str() in ("\\WIDTH", "\\SIZE", "\\RD_PORTS", "\\WR_PORTS")}
        bits = params["\\WIDTH"] * params["\\SIZE"]
        if bits < min_bits:
            continue
        name = re.sub(r"[^A-Za-z0-9_]", "_", cell.name.str().lstrip("\\"))
        for port, sig in [(k.str(), v) for k, v in cell.connections_.items()]:
            # The macro runs on the unit's clock; a clock port would be timed as data.
            if sig.size() == 0 or port in ("\\RD_CLK", "\\WR_CLK"):
                continue
            wire = module.addWire(ys.IdString(f"\\macro_{name}_{port.lstrip(chr(92)).lower()}"), sig.size())
            if port == "\\RD_DATA":
                wire.port_input = True
                module.connect(sig, ys.SigSpec(wire))
            else:
                wire.port_output = True
                module.connect(ys.SigSpec(wire), sig)
        module.remove(cell)
        cut.append({"name": name, "width": params["\\WIDTH"], "words": params["\\SIZE"], "bits": bits,
                    "read_ports": params["\\RD_PORTS"], "write_ports": params["\\WR_PORTS"]})
    module.fixup_ports()
    return cut


def parse_cell_counts(text: str) -> dict[str, int]:
    """Cell counts by type from the last module section of a `stat` report."""
    counts: dict[str, int] = {}
    for match in re.finditer(r"^\s+(\d+)\s+(?:[\d.]+\s+)?(\$?[A-Za-z_][\w$]*)\s*$", text, re.M):
        counts[match.group(2)] = int(match.group(1))
    return counts


def parse_liberty_stat(text: str) -> dict[str, Any]:
    unknown = re.findall(r"Area for cell type (\S+) is unknown", text)
    if unknown:
        raise RuntimeError(f"cells without a liberty area would drop out of the sum: {sorted(set(unknown))}")
    chip = re.findall(r"Chip area for (?:module|top module) .*?: ([\d.]+)", text)
    seq = re.findall(r"of which used for sequential elements: ([\d.]+)", text)
    if not chip or not seq:
        raise RuntimeError("stat -liberty printed no chip area and sequential area")
    return {"area_um2": float(chip[-1]), "seq_area_um2": float(seq[-1]), "cells": parse_cell_counts(text)}


def main() -> None:
    request = json.loads(Path(sys.argv[1]).read_text())
    try:
        run(request)
    except Exception as err:  # the parent reads the reason from the error file
        Path(request["out_dir"], "error.txt").write_text(f"{err}\n{traceback.format_exc()}")
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
