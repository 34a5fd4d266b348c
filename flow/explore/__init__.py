"""Design search over the NN-LUT units with a learned, differentiable cost evaluator (DANCE,
Choi et al., arXiv 2009.06237), scored end to end on all-MiniLM-L6-v2 (`make explore`).

- space: the choices each unit kind offers and how a choice becomes a unit configuration;
- samples: space-filling cost samples through the project's cost flow, cached, snapshotted;
- evaluator: a small torch network from configuration to log area and log Fmax, against a
  linear regression on the same features;
- fidelity: per-candidate calibrated approximations and the relaxed (Gumbel) MiniLM forward;
- truth_cache: the end-to-end results (calibrated fidelity, the search's loss at a design)
  cached by sources and corpora, snapshotted next to the cost samples;
- search: gradient search, random search and greedy search under one evaluation budget;
- command: `python -m flow.explore` (report, front, verification).
"""
