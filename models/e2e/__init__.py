"""End-to-end evaluation (issue 5): a pretrained Transformer with its non-linear ops swapped
for the bit-accurate unit models.

- corpus.py: the evaluation corpus (stdlib module docstrings) and the calibration corpus.
- encoder.py: loads all-MiniLM-L6-v2 offline and computes sentence embeddings.
- sites.py: the op sites and how the library's modules are hooked.
- approx.py: float-in, float-out wrappers around the integer unit models.
- methods.py: NN-LUT, I-BERT and SOLE as factories of per-site approximations.
- calibrate.py: block-wise calibration and per-site NN-LUT tables.
- metrics.py, evaluate.py: fidelity metrics, the table and the plot (scripts/e2e_eval.py).
"""
