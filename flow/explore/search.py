"""Three ways to look for the smallest set of units that keeps the model faithful, each
judged by true evaluations (synthesis plus the calibrated end-to-end run):

- gradient: every discrete choice relaxed (Gumbel-softmax, straight-through), minimising
  fidelity loss / FIDELITY_SCALE + lambda * log(predicted total area at TARGET_LANES) by Adam,
  the fidelity term from the real model (flow.explore.fidelity), the area from the learned
  evaluator; one run per lambda, each ending in one design (the argmax of its logits);
- random: designs drawn uniformly from the valid choices;
- greedy: from the default design, one step at a time along a fixed list of area-saving moves
  (drop Softmax's sum stage, drop the table's reset, binary search, reduced internal formats, halve entries, narrower
  coefficients, narrow the output, then the input, by 2 bits), each move truly evaluated and
  kept when the design still meets the fidelity targets.

Random and greedy get as many true evaluations as the gradient search proposed designs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from flow.explore.evaluator import Evaluator, predicted_area, relaxed_area
from flow.explore.fidelity import FidelityBench
from flow.explore.space import (DEFAULT_DESIGN, DIMENSIONS, FUNCTION_DIMS, KINDS, TARGET_LANES, Choice, Design,
                                allowed_values, valid_choices)

# Issue 5's fidelity targets (models.e2e.evaluate).
TARGET_COS_MEAN = 0.999
TARGET_TOP1 = 0.99
# 1 - cosine is in the order of 1e-4 to 1e-3 for usable designs: in units of the target's gap.
FIDELITY_SCALE = 1.0 - TARGET_COS_MEAN
LAMBDAS = (0.05, 0.2, 0.5, 2.0)
STEPS = 24
LEARNING_RATE = 0.15
TAU = (2.0, 0.3)   # Gumbel temperature, annealed geometrically over the steps


@dataclass(frozen=True)
class Proposal:
    design: Design
    how: str                      # "gradient lambda=...", "random #i", "greedy step i"
    predicted_area_um2: float


def predicted_total_area(evaluator: Evaluator, design: Design, lanes: int = TARGET_LANES) -> float:
    return sum(predicted_area(evaluator, k, design.of(k), lanes) for k in KINDS)


def gradient_search(bench: FidelityBench, evaluator: Evaluator, lam: float, seed: int,
                    steps: int = STEPS, log: Callable[[str], None] = print) -> Proposal:
    """One relaxed search at one lambda (reproducible: the seed fixes the Gumbel noise)."""
    generator = torch.Generator().manual_seed(seed)
    logits = {k: {d: torch.zeros(len(DIMENSIONS[d]), dtype=torch.float64, requires_grad=True) for d in DIMENSIONS}
              for k in KINDS}
    # Start at the default design's corner, slightly: the search moves away only if it pays.
    for k in KINDS:
        for d, values in DIMENSIONS.items():
            with torch.no_grad():
                logits[k][d][values.index(getattr(DEFAULT_DESIGN.of(k), d))] += 1.0
    optimizer = torch.optim.Adam([p for k in KINDS for p in logits[k].values()], lr=LEARNING_RATE)
    # A value no valid choice of the kind has (GELU's "reduced" internal formats) is never drawn.
    mask = {k: {d: torch.tensor([0.0 if v in allowed_values(k, d) else -np.inf for v in DIMENSIONS[d]],
                                dtype=torch.float64) for d in DIMENSIONS} for k in KINDS}
    loss_value = float("nan")
    for step in range(steps):
        tau = TAU[0] * (TAU[1] / TAU[0]) ** (step / max(1, steps - 1))
        optimizer.zero_grad()
        chosen = {}
        area = torch.zeros((), dtype=torch.float64)
        for k in KINDS:
            hard = {}
            for d in FUNCTION_DIMS:
                gumbel = -torch.log(-torch.log(torch.rand(len(DIMENSIONS[d]), generator=generator,
                                                          dtype=torch.float64).clamp(1e-12, 1.0)))
                soft = F.softmax((logits[k][d] + mask[k][d] + gumbel) / tau, dim=0)
                index = int(soft.argmax())
                hard[d] = (index, soft[index] / soft[index].detach())   # 1 forward, soft gradient
            function = tuple(DIMENSIONS[d][hard[d][0]] for d in FUNCTION_DIMS)
            weight = torch.stack([hard[d][1] for d in FUNCTION_DIMS]).prod()
            chosen[k] = (function, weight)
            probs = {d: F.softmax((logits[k][d] + mask[k][d]) / tau, dim=0) for d in DIMENSIONS}
            area = area + relaxed_area(evaluator, k, probs, TARGET_LANES)
        fidelity_loss = bench.relaxed_loss(chosen) / FIDELITY_SCALE
        loss = fidelity_loss + lam * torch.log(area)
        loss.backward()
        optimizer.step()
        loss_value = float(fidelity_loss.detach())
        if step % 6 == 0 or step == steps - 1:
            log(f"    lambda {lam:g} step {step + 1}/{steps}: fidelity loss {loss_value:.3f} "
                f"(x{FIDELITY_SCALE:g}), predicted area {float(area.detach()) / 1e6:.3f} mm^2, tau {tau:.2f}")
    design = Design(**{k: _valid(k, Choice(**{d: DIMENSIONS[d][int((logits[k][d] + mask[k][d]).argmax())]
                                              for d in DIMENSIONS})) for k in KINDS})
    return Proposal(design, f"gradient lambda={lam:g}", predicted_total_area(evaluator, design))


def _valid(kind: str, choice: Choice) -> Choice:
    if choice not in valid_choices(kind):
        raise ValueError(f"the search ended on {kind} {choice.label()}, which the unit refuses")
    return choice


def random_designs(count: int, seed: int) -> list[Design]:
    rng = np.random.default_rng(seed)
    out: list[Design] = []
    while len(out) < count:
        design = Design(**{k: valid_choices(k)[int(rng.integers(len(valid_choices(k))))] for k in KINDS})
        if design not in out:
            out.append(design)
    return out


def greedy_moves(design: Design) -> list[Design]:
    """Single-step changes that save area, in the order greedy tries them: per kind (LayerNorm,
    Softmax, GELU: the largest first) drop the sum stage, drop the reset, binary search, reduced
    internal formats, halve entries, narrow the coefficients by one step, narrow the output width
    by 2 bits, narrow the input width by 2 bits."""
    moves = []
    for k in ("layernorm", "softmax", "gelu"):
        c = design.of(k)
        options = []
        if c.pipeline != "base":
            options.append(c.replace(pipeline="base"))
        if c.table == "programmable":
            options.append(c.replace(table="no_reset"))
        if c.search == "parallel":
            options.append(c.replace(search="binary"))
        if c.internal == "standard":
            options.append(c.replace(internal="reduced"))
        if c.entries > DIMENSIONS["entries"][0]:
            options.append(c.replace(entries=c.entries // 2))
        coeffs = DIMENSIONS["coeffs"].index(c.coeffs)
        if coeffs > 0:
            options.append(c.replace(coeffs=DIMENSIONS["coeffs"][coeffs - 1]))
        if c.out_width > DIMENSIONS["out_width"][0]:
            options.append(c.replace(out_width=c.out_width - 2))
        if c.width > DIMENSIONS["width"][0]:
            options.append(c.replace(width=c.width - 2))
        for o in options:
            if o in valid_choices(k):
                moves.append(Design(**{kk: (o if kk == k else design.of(kk)) for kk in KINDS}))
    return moves


def meets_targets(cos_mean: float, top1: float) -> bool:
    return cos_mean >= TARGET_COS_MEAN and top1 >= TARGET_TOP1
