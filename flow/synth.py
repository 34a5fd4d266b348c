"""`make synth`: every registered unit's cost (flow/cost.py: OSU 0.18 um area with flip-flops,
OpenSTA Fmax and power, ECP5 place and route) at realistic sizes, and the NN-LUT
microarchitecture options; one record per unit and configuration in
build/synth/results.json.

The sweep:
- "baseline": every unit at its defaults (Softmax rows of 128, LayerNorm rows of 384) at
  LANES 1, 4 and 16 in real cells, and at LANES 1 and 4 on the ECP5 (at 16 lanes the
  programmable units fill half the device and placement takes longer than ECP5_TIMEOUT_S);
- "options": each NN-LUT unit at LANES 1 with each table option (hardwired, no reset), the
  binary search, the narrowest slope/intercept widths within the stated budget
  (models.units.narrowest_widths), and the combination of hardwired table and narrow widths
  (the candidate for the targets, also at LANES 16); ASIC only (--ecp5-options adds the FPGA
  run).
Every point is cached by configuration and source contents (flow/cost.py), so a second run
only synthesizes what changed.

    python -m flow.synth [--jobs 2] [--units gelu softmax ...] [--lanes 1 16] [--no-options]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flow.cost import COST_LABEL, CostError, CostRecord, sweep
from models.paths import BUILD_DIR
from models.softmax import NARROW_INTERNAL, SHORT_ROW_INTERNAL, SHORT_ROW_MAX
from models.units import WIDTH_BUDGET, UnitConfig, narrowest_widths
from tb.common.spec import UnitSpec
from tb.registry import UNITS

RESULTS = BUILD_DIR / "synth" / "results.json"
SWEEP_LANES = (1, 4, 16)
ECP5_LANES = (1, 4)
OPTION_LANES = (1,)
CANDIDATE_LANES = (1, 16)   # the last option (hardwired, narrow): the targets' candidate
# The ops with an I-BERT baseline and targets (issue 9); SiLU and RMSNorm, built from the same
# blocks, are measured at their defaults.
OPTION_OPS = ("gelu", "softmax", "layernorm")
BUDGET_TEXT = (f"narrow: the narrowest slope/intercept widths with every table's max error within "
               f"{WIDTH_BUDGET:.2f}x its error at the default 16/20-bit widths")


@dataclass(frozen=True)
class Point:
    spec: UnitSpec
    config: Any
    group: str       # "baseline" or "options"
    option: str      # "default", or the NN-LUT option's name
    ecp5: bool


def table_configs(config: Any) -> list[Any]:
    """The NN-LUT tables (models.units.UnitConfig) a unit configuration reads."""
    if hasattr(config, "exp_table_config"):
        return [config.exp_table_config(), config.recip_table_config()]
    if hasattr(config, "table_config"):
        return [config.table_config]
    return [config]


def nnlut_options(spec: UnitSpec, config: Any) -> list[tuple[str, dict[str, Any]]]:
    """The NN-LUT microarchitecture options, as configuration changes."""
    slope_width, intercept_width = narrowest_widths(table_configs(config))
    narrow = {"slope_width": slope_width, "intercept_width": intercept_width}
    options = [("hardwired", {"table": "hardwired"}),
               ("no reset", {"table": "no_reset"}),
               ("binary search", {"search": "binary"}),
               (f"narrow s{slope_width}/t{intercept_width}", narrow)]
    candidate = {"table": "hardwired", **narrow}
    name = f"hardwired, narrow s{slope_width}/t{intercept_width}"
    if spec.op == "softmax":
        # Softmax's internal formats (models.softmax.NARROW_INTERNAL); the candidate's tables
        # are narrowed again for the narrower table formats. The serial 1/x core is an option
        # of its own (it costs row rate on short rows, so the candidate keeps the pipelined one;
        # the targets weigh both through their element rate).
        options.append(("narrow internal", dict(NARROW_INTERNAL)))
        options.append(("serial 1/x", {"recip": "serial"}))
        slope_width, intercept_width = narrowest_widths(table_configs(spec.config(**NARROW_INTERNAL)))
        candidate = {"table": "hardwired", "slope_width": slope_width, "intercept_width": intercept_width,
                     **NARROW_INTERNAL}
        name = f"hardwired, narrow s{slope_width}/t{intercept_width}, narrow internal"
    if isinstance(config, UnitConfig) and config.fit == "l2":
        # The targets weigh the max error, which the minimax table keeps lower (GELU at SQ16.10:
        # 2.6e-3 against the least-squares default's 3.5e-3, which has the lower mean error).
        options.append(("minimax", {"fit": "minimax"}))
        slope_width, intercept_width = narrowest_widths(table_configs(config.with_(fit="minimax")))
        candidate = {"table": "hardwired", "fit": "minimax", "slope_width": slope_width,
                     "intercept_width": intercept_width}
        name = f"hardwired, narrow s{slope_width}/t{intercept_width}, minimax"
    if "affine" in config.to_dict():
        # LayerNorm without gamma/beta: the function I-BERT's unit computes.
        options.append(("no affine", {"affine": False}))
        candidate["affine"] = False
        name += ", no affine"
    # The last option combines them: the candidate for the targets (for Softmax also with the
    # serial 1/x core, which the targets weigh by its element rate).
    candidates = [(name, candidate)]
    if spec.op == "softmax":
        candidates.append((name + ", serial 1/x", {**candidate, "recip": "serial"}))
        if config.row_length <= SHORT_ROW_MAX:
            # The serial core with the short-row internal formats: the candidate at 1 lane,
            # where the shared normaliser weighs most.
            slope_width, intercept_width = narrowest_widths(table_configs(spec.config(**SHORT_ROW_INTERNAL)))
            candidates.append((f"hardwired, narrow s{slope_width}/t{intercept_width}, short-row internal, serial 1/x",
                               {"table": "hardwired", "slope_width": slope_width, "intercept_width": intercept_width,
                                **SHORT_ROW_INTERNAL, "recip": "serial"}))
    return [*options, *candidates]


def is_candidate(option: str) -> bool:
    """An option that combines the others: measured at every CANDIDATE_LANES for the targets."""
    return option.startswith("hardwired, narrow")


def sweep_points(units: list[str], lanes: tuple[int, ...] = SWEEP_LANES, options: bool = True,
                 ecp5: bool = True, ecp5_options: bool = False) -> list[Point]:
    points = []
    for name in units:
        spec = UNITS[name]
        for n in lanes:
            points.append(Point(spec, spec.config(lanes=n), "baseline", "default", ecp5 and n in ECP5_LANES))
    if options:
        for name in units:
            spec = UNITS[name]
            if spec.method != "NN-LUT" or spec.op not in OPTION_OPS:
                continue
            options = nnlut_options(spec, spec.config())
            for n in lanes:
                for option, changes in options:
                    if n in OPTION_LANES or (n in CANDIDATE_LANES and is_candidate(option)):
                        points.append(Point(spec, spec.config(lanes=n, **changes), "options", option,
                                            ecp5 and ecp5_options))
    return points


def record_dict(point: Point, record: CostRecord) -> dict[str, Any]:
    return {**record.to_dict(), "group": point.group, "option": point.option,
            "area_per_lane_um2": record.area_per_lane_um2}


def load_results(path: Path = RESULTS) -> list[dict[str, Any]]:
    """The records of the last `make synth`, checked to be whole."""
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text())
        records = data["records"]
        assert isinstance(records, list) and all("unit" in r and "area_um2" in r for r in records)
    except (ValueError, KeyError, AssertionError) as err:
        raise CostError(f"{path} is malformed ({err}); delete it and run `make synth` again") from None
    return records


def main() -> None:
    from flow.cli import fail
    from flow.report import text_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", nargs="+", default=list(UNITS), choices=list(UNITS))
    parser.add_argument("--lanes", nargs="+", type=int, default=list(SWEEP_LANES))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-options", action="store_true", help="only the units at their defaults")
    parser.add_argument("--no-ecp5", action="store_true", help="skip the FPGA place and route")
    parser.add_argument("--ecp5-options", action="store_true", help="place and route the NN-LUT options too")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if any(n < 1 for n in args.lanes):
        fail(f"--lanes must be >= 1, got {args.lanes}")
    start = time.monotonic()
    try:
        points = sweep_points(args.units, tuple(args.lanes), not args.no_options, not args.no_ecp5,
                              args.ecp5_options)
        print(f"{len(points)} configurations ({COST_LABEL})", flush=True)
        records = sweep([(p.spec, p.config) for p in points], jobs=args.jobs, ecp5_for=[p.ecp5 for p in points])
    except (CostError, ValueError) as err:
        fail(str(err))
    results = [record_dict(p, r) for p, r in zip(points, records)]
    seconds = time.monotonic() - start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"label": COST_LABEL, "budget": BUDGET_TEXT, "wall_seconds": seconds,
                                    "tool_seconds": sum(r.seconds for r in records), "records": results},
                                   indent=1))
    rows = [[r["unit"], r["option"], str(r["lanes"]), f"{r['area_um2']:,.0f}", f"{r['seq_area_um2']:,.0f}",
             f"{r['area_per_lane_um2']:,.0f}", str(r["storage_bits"]), f"{r['fmax_mhz']:.0f}",
             "-" if r["ecp5_lut4"] is None else str(r["ecp5_lut4"]),
             "-" if r["ecp5_fmax_mhz"] is None else f"{r['ecp5_fmax_mhz']:.0f}"] for r in results]
    print(text_table(["unit", "option", "lanes", "area um^2", "seq um^2", "per lane", "macro bits", "Fmax MHz",
                      "ECP5 LUT4", "ECP5 MHz"], rows))
    print(f"{COST_LABEL}\nresults: {args.out} ({seconds:.0f} s)")


if __name__ == "__main__":
    main()
