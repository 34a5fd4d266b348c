"""Calibration on real activations, block by block ("block-wise recasting").

1. Record the float model's inputs at every site on a calibration corpus and choose the
   formats a unit shares across all its sites (GELU's and Softmax's input format) from the
   observed values.
2. For each block in execution order (embeddings, then layer 0, 1, ...): run the model with
   the already-calibrated approximations of all earlier blocks in place, record the inputs
   of this block's sites, and fit each site's approximation to them. Every block is thus
   calibrated on what it will actually see: the outputs of approximated blocks before it.

NN-LUT per-site tables. A unit serves all sites of its kind; each site's table is loaded
through the core's write port (breakpoints, slopes, intercepts). The write port cannot
change elaboration parameters, so every table of a kind has the same CoreParams (widths,
entries, input and output formats) and the same slope and intercept fractional bits (the
quantizer's forced-format option); only contents differ. `NnlutCalibration` asserts this.

How a table is fitted to a distribution. The fitter minimises the max error on a grid, so
the grid decides where the error counts. Candidates per table: the unit's generic table,
and tables refined from it (models.fitter.refine_table) on grids of the input codes the
site actually produced, over the whole observed range and over a range trimmed to leave out
the rarest 1e-4 of the samples at each end (those then fall on the extrapolated end
segments), and a table fitted for the weighted squared error over the observed inputs
(`weighted_l2_table`; its breakpoints crowd where the samples do). Each candidate is quantized through the exact integer datapath and scored by
the mean squared error of the op's output over the recorded activations (the density
weighting); the best is kept, so a site can never end up worse, on its calibration data,
than with the generic table.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models.e2e.approx import NnlutGelu, RowLayerNorm, RowSoftmax, valid_row_groups
from models.e2e.encoder import SentenceEncoder
from models.e2e.method_base import Method, power_of_two_frac
from models.e2e.sites import OpKind, SiteModule
from models.fixedpoint import FixedFormat
from models.l2fit import quantize_weighted, weighted_l2_table
from models.nnlut import IntTable, quantize_table

TRIMS = (0.0, 1e-4)
MAX_GRID = 8192


# ------------------------------------------------------------------------- recording

def record_sites(encoder: SentenceEncoder, sites: Sequence[SiteModule], sentences: Sequence[str],
                 assignment: dict[SiteModule, Any], stop_after: SiteModule | None = None
                 ) -> dict[SiteModule, Any]:
    """Inputs seen by `sites` with `assignment` installed.

    GELU: 1-D float32 array of inputs. Softmax: list of dense (rows, n) float64 blocks of
    the valid scores of each attention row. LayerNorm: (rows, D) float32 array.
    """
    store: dict[SiteModule, list[np.ndarray]] = {s: [] for s in sites}

    def recorder(site: SiteModule, inputs: torch.Tensor, valid: torch.Tensor | None) -> None:
        x = inputs.detach().to(torch.float64).cpu().numpy()
        if site.info.kind is OpKind.SOFTMAX:
            assert valid is not None
            store[site].extend(block for _, _, block in valid_row_groups(x, valid.cpu().numpy()))
        elif site.info.kind is OpKind.LAYERNORM:
            store[site].append(x.reshape(-1, x.shape[-1]).astype(np.float32))
        else:
            store[site].append(x.reshape(-1).astype(np.float32))

    for s in sites:
        s.recorder = recorder
    try:
        with encoder.approximations(assignment):
            if stop_after is None:
                encoder.embed(sentences)
            else:
                encoder.run_until(sentences, stop_after)
    finally:
        for s in sites:
            s.recorder = None
    out: dict[SiteModule, Any] = {}
    for s, chunks in store.items():
        if not chunks:
            raise RuntimeError(f"site {s.info.name} saw no activations during calibration")
        out[s] = chunks if s.info.kind is OpKind.SOFTMAX else np.concatenate(chunks, axis=0)
    return out


def calibrate(encoder: SentenceEncoder, method: Method, sentences: Sequence[str],
              kinds: Sequence[OpKind] = tuple(OpKind),
              float_records: dict[SiteModule, Any] | None = None) -> dict[SiteModule, Any]:
    """Per-site approximations of `method`, calibrated block by block on `sentences`.

    `float_records`: what record_sites(encoder, <these sites>, sentences, {}) returned, when the
    caller already has it (it depends only on the sites and the sentences, not on the method:
    a design search calibrating many candidates of one kind records the float model once)."""
    sites = [s for s in encoder.sites if s.info.kind in kinds and method.supports(s.info.kind)]
    if not sites:
        return {}
    if float_records is None:
        float_records = record_sites(encoder, sites, sentences, {})
    missing = [s.info.name for s in sites if s not in float_records]
    if missing:
        raise ValueError(f"calibrate: float_records has no activations of site(s) {', '.join(missing)}")
    method.choose_formats({s: float_records[s] for s in sites})
    assignment: dict[SiteModule, Any] = {}
    # (layer, what entered it in each batch) of the last block recorded: the blocks after it
    # add approximations at or after that layer only, so the layers before it need not run again.
    replay: tuple[int, list[torch.Tensor]] | None = None
    for block in sorted({s.info.block for s in sites}):
        block_sites = [s for s in sites if s.info.block == block]
        last = max(block_sites, key=lambda s: s.info.order)
        if not assignment:
            # Nothing before this block is approximated yet: its sites see what the float
            # model's did, so the float recording is the block's recording (same batches, same
            # operations, the same values to the bit).
            records = {s: float_records[s] for s in block_sites}
            continue_from = None
        else:
            with ExitStack() as stack:
                if replay is not None:
                    stack.enter_context(encoder.replaying(*replay))
                entering = stack.enter_context(encoder.layer_inputs(block)) if block >= 1 else None
                records = record_sites(encoder, block_sites, sentences, assignment, stop_after=last)
            continue_from = None if entering is None else (block, entering)
        replay = continue_from or replay
        for s in block_sites:
            approx = method.calibrated(s, records[s])
            if approx is not None:
                assignment[s] = approx
    return assignment


# ----------------------------------------------------------------- table candidates

def _weighted_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, counts = np.unique(np.asarray(codes, dtype=np.int64), return_counts=True)
    return uniq, counts.astype(np.float64)


def recast_candidates(base: IntTable, fn: Any, codes: np.ndarray, weights: np.ndarray,
                      start: Any, limits: tuple[float, float],
                      trims: Sequence[float] = TRIMS) -> list[tuple[str, IntTable]]:
    """The generic table, minimax tables refined on the observed codes (whole range and each
    trimmed range), and the weighted least-squares table: all with the generic table's
    CoreParams and fractional bits, so any of them loads through the same write port."""
    from models.fitter import refine_table

    fmt = base.params.in_fmt
    candidates: list[tuple[str, IntTable]] = [("generic", base)]
    cumulative = np.cumsum(weights) / weights.sum()
    for trim in trims:
        first = int(np.searchsorted(cumulative, trim, side="right"))
        last = int(np.searchsorted(cumulative, 1.0 - trim, side="left"))
        grid_codes = codes[first:last + 1]
        grid = fmt.to_real(grid_codes)
        # The function's own domain limits where the table may be fitted (rsqrt on [1, 2) ...).
        grid = grid[(grid >= limits[0]) & (grid <= limits[1])]
        if grid.size > MAX_GRID:
            # Where the error is measured, not how often: an even subsample of the observed
            # codes (ends kept) bounds the fitter's cost with no visible change in the fit.
            grid = grid[np.unique(np.linspace(0, grid.size - 1, MAX_GRID).round().astype(np.int64))]
        if grid.size < 4 * base.params.entries:
            continue
        lo, hi = float(grid[0]), float(grid[-1])
        try:
            refined = refine_table(start, fn, lo, hi, grid)
            table = quantize_table(refined.breakpoints, refined.slopes, refined.intercepts, fn, lo, hi,
                                   base.params, slope_frac=base.slope_frac,
                                   intercept_frac=base.intercept_frac)
        except ValueError:
            continue  # a grid this narrow cannot hold the table's formats: keep the others
        candidates.append((f"minimax, trim {trim:g}", table))
    inside = (fmt.to_real(codes) >= limits[0]) & (fmt.to_real(codes) <= limits[1])
    x = fmt.to_real(codes[inside])
    try:
        target = fn(x)
        weighted = weighted_l2_table(x, weights[inside], target, start)
        candidates.append(("weighted L2", quantize_weighted(weighted, codes[inside], weights[inside],
                                                            target, base)))
    except ValueError:
        pass  # too few distinct observed inputs, or slopes beyond the unit's formats
    return candidates


def same_write_port(tables: Sequence[IntTable]) -> bool:
    """True when every table could be loaded into one core through its write port."""
    first = tables[0]
    return all(t.params == first.params and t.slope_frac == first.slope_frac
               and t.intercept_frac == first.intercept_frac for t in tables)


@dataclass
class SiteFit:
    site: str
    table: str        # which table of the unit (gelu, exp2_neg, recip, rsqrt)
    chosen: str
    generic_mse: float
    chosen_mse: float
    note: str = ""


class NnlutCalibration:
    """Formats shared per kind from float activations, then per-site tables (see module doc)."""

    def __init__(self, method: Any, records: dict[SiteModule, Any]) -> None:
        from models.fitter import FloatTable
        from models.layernorm import LayerNormModel
        from models.softmax import SoftmaxModel
        from models.units import fit_cached, prepare_table

        self.method = method
        self.fits: list[SiteFit] = []
        self.tables: dict[str, dict[str, IntTable]] = {}
        self.formats: list[str] = []
        by_kind = {k: [r for s, r in records.items() if s.info.kind is k] for k in OpKind}

        self.gelu_base: IntTable | None = None
        if by_kind[OpKind.GELU]:
            peak = max(float(np.abs(r).max()) for r in by_kind[OpKind.GELU])
            frac = power_of_two_frac(peak, method.kind_width(OpKind.GELU))
            config = method.gelu_config(frac)
            prepared = prepare_table(config)
            self.gelu_base = prepared.table
            self.gelu_start = FloatTable.from_dict(prepared.fit["table"])
            self.formats.append(f"GELU: inputs reach +-{peak:.3g} over all sites -> {config.in_fmt} in, "
                                f"{config.out_fmt} out (default {method.gelu_config().in_fmt})")

        self.softmax_base: Any = None
        if by_kind[OpKind.SOFTMAX]:
            peak = max(float(np.abs(b).max()) for r in by_kind[OpKind.SOFTMAX] for b in r)
            frac = power_of_two_frac(peak, method.kind_width(OpKind.SOFTMAX))
            config = method.softmax_config(frac)
            self.softmax_base = SoftmaxModel.build(config)
            self.softmax_starts = {
                name: FloatTable.from_dict(fit_cached(cfg.function, cfg.entries, *cfg.fit_range)["table"])
                for name, cfg in (("exp", config.exp_table_config()), ("recip", config.recip_table_config()))}
            self.formats.append(f"Softmax: scores reach +-{peak:.3g} over all sites -> {config.in_fmt} in "
                                f"(default {method.softmax_config().in_fmt})")

        self.layernorm_base: Any = None
        if by_kind[OpKind.LAYERNORM]:
            config = method.layernorm_config()
            self.layernorm_base = LayerNormModel.from_config(config)
            cfg = config.table_config
            self.layernorm_start = FloatTable.from_dict(fit_cached(cfg.function, cfg.entries, *cfg.fit_range)["table"])
            self.formats.append(f"LayerNorm: unit {config.in_fmt} in, {config.out_fmt} out; per-site input and "
                                "output scales (powers of two) chosen from each site's activations")

    # -- GELU --------------------------------------------------------------------------
    def _fit_gelu(self, site: SiteModule, record: np.ndarray) -> Any:
        from models.reference import gelu

        base = self.gelu_base
        assert base is not None
        p = base.params
        codes, weights = _weighted_codes(p.in_fmt.quantize(record))
        target = gelu(p.in_fmt.to_real(codes))

        def mse(table: IntTable) -> float:
            err = p.out_fmt.to_real(table.evaluate(codes)) - target
            return float(np.sum(weights * err * err) / weights.sum())

        candidates = recast_candidates(base, gelu, codes, weights, self.gelu_start, (-np.inf, np.inf),
                                       self.method.trims)
        scored = [(mse(t), name, t) for name, t in candidates]
        best = min(scored, key=lambda c: c[0])
        self.fits.append(SiteFit(site.info.name, "gelu", best[1], scored[0][0], best[0]))
        self.tables.setdefault("gelu", {})[site.info.name] = best[2]
        return NnlutGelu(best[2])

    # -- Softmax -----------------------------------------------------------------------
    def _fit_softmax(self, site: SiteModule, blocks: list[np.ndarray]) -> Any:
        from models.reference import exp2_neg, recip
        from models.reference import softmax as reference_softmax
        from models.softmax import SoftmaxModel

        base = self.softmax_base
        config = base.config
        references = [reference_softmax(b) for b in blocks]

        def mse(model: Any) -> float:
            total, count = 0.0, 0
            for b, ref in zip(blocks, references):
                err = model.softmax_real(b) - ref
                total += float(np.sum(err * err))
                count += err.size
            return total / count

        codes_in = [config.in_fmt.quantize(b) for b in blocks]
        traces = [base.trace(c) for c in codes_in]
        # exp: only elements within 2^-8 of their row's largest term move the output by more
        # than a rounding step, so those are the ones the table is fitted to.
        exp_codes = np.concatenate([t.table_in[t.q <= 8] for t in traces])
        chosen_exp = self._pick(site, "exp2_neg", base.exp_table, exp2_neg, exp_codes,
                                self.softmax_starts["exp"], (0.0, 1.0),
                                lambda t: mse(SoftmaxModel(config, t, base.recip_table)))
        recip_codes = np.concatenate([t.mant for t in traces])
        chosen_recip = self._pick(site, "recip", base.recip_table, recip, recip_codes,
                                  self.softmax_starts["recip"], (1.0, 2.0),
                                  lambda t: mse(SoftmaxModel(config, chosen_exp, t)))
        model = SoftmaxModel(config, chosen_exp, chosen_recip)
        return RowSoftmax(model.softmax_real, f"NN-LUT softmax ({site.info.name})")

    def _pick(self, site: SiteModule, name: str, base: IntTable, fn: Any, codes: np.ndarray,
              start: Any, limits: tuple[float, float], score: Any, note: str = "") -> IntTable:
        uniq, weights = _weighted_codes(codes)
        candidates = recast_candidates(base, fn, uniq, weights, start, limits, self.method.trims)
        scored = [(score(t), label, t) for label, t in candidates]
        best = min(scored, key=lambda c: c[0])
        self.fits.append(SiteFit(site.info.name, name, best[1], scored[0][0], best[0], note))
        self.tables.setdefault(name, {})[site.info.name] = best[2]
        return best[2]

    # -- LayerNorm ---------------------------------------------------------------------
    def _fit_layernorm(self, site: SiteModule, rows: np.ndarray) -> Any:
        from models.layernorm import LayerNormModel
        from models.reference import layer_norm
        from models.reference import rsqrt

        base = self.layernorm_base
        config = base.config
        ln = site.original
        gamma = ln.weight.detach().double().numpy()
        beta = ln.bias.detach().double().numpy()
        x = rows.astype(np.float64)
        reference = layer_norm(x, gamma, beta, float(ln.eps))
        width = config.in_width

        # Per-site scales. The unit's datapath is scale-invariant on its input (only the
        # rounding of epsilon, below one code at BERT's 1e-12, depends on it), so a site's
        # input format is the producer's requantisation. Its output format is folded into
        # gamma and beta, which each site loads anyway: gamma * 2^s, beta * 2^s give codes
        # of the output scaled by 2^s.
        cover_in = power_of_two_frac(float(np.abs(x).max()), width)
        cover_out = power_of_two_frac(float(np.abs(reference).max()), config.out_width)
        gamma_room = power_of_two_frac(float(np.abs(gamma).max()), config.gamma_width) - config.gamma_frac
        beta_room = power_of_two_frac(float(np.abs(beta).max()), config.beta_width) - config.beta_frac
        out_shift = min(cover_out - config.out_frac, gamma_room, beta_room)

        def run(model: Any, in_shift: int, out_shift: int) -> np.ndarray:
            s_in, s_out = 2.0 ** in_shift, 2.0 ** out_shift
            return model.layernorm_real(x * s_in, gamma * s_out, beta * s_out) / s_out

        def mse(model: Any, in_shift: int, out_shift: int) -> float:
            return float(np.mean((run(model, in_shift, out_shift) - reference) ** 2))

        # Covering the largest input is not always best: a bit more resolution can be worth
        # saturating a few outliers, so the calibration data decides among the nearby choices.
        shifts = [(cover_in + d - config.in_frac, out_shift) for d in (0, 1, 2)]
        scored_shifts = [(mse(base, i, o), i, o) for i, o in shifts]
        generic_mse = mse(base, 0, 0)
        _, in_shift, out_shift = min(scored_shifts)
        trace = base.trace(config.in_fmt.quantize(x * 2.0 ** in_shift),
                           config.gamma_fmt.quantize(gamma * 2.0 ** out_shift),
                           config.beta_fmt.quantize(beta * 2.0 ** out_shift))
        note = (f"input {FixedFormat(width, config.in_frac + in_shift)}, "
                f"output {FixedFormat(config.out_width, config.out_frac + out_shift)}")
        table = self._pick(site, "rsqrt", base.table, rsqrt, trace.mant, self.layernorm_start,
                           (1.0, float(config.rsqrt_range)),
                           lambda t: mse(LayerNormModel(config, t), in_shift, out_shift), note)
        self.fits[-1].generic_mse = generic_mse  # against the unit as it was, formats included
        model = LayerNormModel(config, table)
        s_in, s_out = 2.0 ** in_shift, 2.0 ** out_shift

        def rows_fn(v: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
            return model.layernorm_real(v * s_in, g * s_out, b * s_out) / s_out

        return RowLayerNorm(rows_fn, f"NN-LUT layernorm ({site.info.name}, {note})", eps=config.eps)

    # -----------------------------------------------------------------------------------
    def fit_site(self, site: SiteModule, record: Any) -> Any:
        kind = site.info.kind
        if kind is OpKind.GELU:
            return self._fit_gelu(site, record)
        if kind is OpKind.SOFTMAX:
            return self._fit_softmax(site, record)
        return self._fit_layernorm(site, record)

    def check_write_port(self) -> None:
        for name, tables in self.tables.items():
            if not same_write_port(list(tables.values())):
                raise AssertionError(f"{name} tables differ in more than contents: they would not "
                                     "load through one core's write port")

    def save_tables(self, out_dir: Path) -> list[Path]:
        """Every per-site table as the JSON the generator and bench read."""
        self.check_write_port()
        paths = []
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, tables in self.tables.items():
            for site, table in tables.items():
                path = out_dir / f"{name}__{site}.json"
                table.save(path, extra={"site": site, "function": name})
                paths.append(path)
        return paths

    def describe(self) -> list[str]:
        self.check_write_port()
        lines = list(self.formats)
        for name, tables in self.tables.items():
            t = next(iter(tables.values()))
            lines.append(f"{name}: {len(tables)} per-site tables, one write port: {t.params.entries} entries, "
                         f"in {t.params.in_fmt}, out {t.params.out_fmt}, slope {t.params.slope_width} bits "
                         f"(frac {t.slope_frac}), intercept {t.params.intercept_width} bits "
                         f"(frac {t.intercept_frac})")
        for f in self.fits:
            gain = f.generic_mse / f.chosen_mse if f.chosen_mse > 0 else float("inf")
            lines.append(f"  {f.site:<48} {f.table:<8} {f.chosen:<20} op MSE {f.generic_mse:.3g} -> "
                         f"{f.chosen_mse:.3g} ({gain:.2g}x){'  ' + f.note if f.note else ''}")
        return lines
