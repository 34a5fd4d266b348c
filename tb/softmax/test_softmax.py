"""NN-LUT Softmax unit bench (module `tb.softmax.test_softmax`, top `softmax_unit`).

Every output is checked bit-exact against models.softmax.SoftmaxModel by the shared scoreboard,
which also keeps the error against float64 softmax at the exact input values:
- RandomRows: attention-like logits (random offset and spread per row), random gaps and
  backpressure; every exp table segment covered.
- EqualRows: all-equal rows (p = 1/N exactly), including the extreme codes.
- DominantRows: one dominant logit (p near 1, the other exps underflow) and near-ties.
- ExtremeRows: rows of the most negative and most positive codes (|x - M| up to 32).
- FullRateRows, RowLatency, BackpressureRows, ResetMidRow: the row-bench family
  (tb/common/rowbench.py) on attention-like, extreme and equal rows.
- TableWrite: writes both tables through the write port with every field of every entry moved,
  checks rows against the model with those tables, then restores the fitted ones (a hardwired
  build must ignore the writes).
- TablesAtBound: both tables at their largest output with rows of equal elements: the exp, sum
  and product widths at their bounds.
A build with tables without reset gets the fitted tables written after every reset.
With the range-reduced exp, every test but TableWrite also asserts the accuracy target (max |p - p_ref| <=
5e-4, plus one output LSB below 16 output bits).
"""

from __future__ import annotations

import cocotb
import numpy as np
import pyuvm
from cocotb.triggers import ClockCycles

from models.nnlut import IntTable
from models.softmax import ACCURACY_TARGET, SoftmaxConfig, SoftmaxModel
from models.stimulus import softmax_rows
from tb.common import rowbench
from tb.common.rowbench import RowTest
from tb.common.tables import perturbed_table, table_all_negative, table_at_largest_output, write_table
from tb.common.stream import WritePortMonitor
from tb.common.uvm_env import STREAM_FILE_MISSING, StreamFileTest, register_tests, unpack_beats
from tb.softmax.target import SoftmaxStreamModel


class SoftmaxTest(RowTest[SoftmaxStreamModel, SoftmaxConfig]):
    """Base: row generators, mode-aware coverage requirements and the accuracy target."""

    row_kinds = ("attention",)
    check_accuracy = True

    @property
    def unit_model(self) -> SoftmaxModel:
        return self.model.model

    def with_tables(self, exp_table: IntTable | None = None, recip_table: IntTable | None = None) -> SoftmaxStreamModel:
        """The stream model with these tables (the fitted one where None)."""
        unit = self.unit_model
        return SoftmaxStreamModel(self.config, SoftmaxModel(self.config, exp_table if exp_table is not None else unit.exp_table,
                                                            recip_table if recip_table is not None else unit.recip_table))

    def perturbed(self) -> SoftmaxStreamModel:
        """Both fitted tables with every field of every entry moved (tb/common/tables.py)."""
        return self.with_tables(perturbed_table(self.unit_model.exp_table, self.np_rng),
                                perturbed_table(self.unit_model.recip_table, self.np_rng))

    async def write_tables(self, exp_table: IntTable, recip_table: IntTable) -> None:
        await write_table(self.bench.dut, exp_table, tbl_sel_i=0)
        await write_table(self.bench.dut, recip_table, tbl_sel_i=1)

    async def after_reset(self) -> None:
        """Tables without reset hold nothing until software writes them: write the fitted ones."""
        if self.config.table == "no_reset":
            await self.write_tables(self.unit_model.exp_table, self.unit_model.recip_table)

    def make_rows(self, kind: str, rows: int) -> np.ndarray:
        return softmax_rows(kind, self.np_rng, self.config.in_fmt, rows, self.config.row_length)

    def required_bins(self) -> tuple[str, ...]:
        # Rows of one element are always all-equal and dominant, and their exps never
        # underflow; the direct exp has no shift to clamp.
        unreachable = set()
        if self.config.row_length == 1:
            unreachable |= {"row:spread", "row:underflow", "row:q_clamped", "exp_segment["}
        if self.config.exp_mode == "direct":
            unreachable |= {"row:q_clamped", "row:underflow"}
        # Where p is near 1 the fitted tables give m * R(m) <= 1 - 3e-4 (the 1/x table's error
        # at m near 2; see models/softmax.py), which rounds below the largest code at 16
        # output bits; at 10 bits or fewer it rounds up to 1.0 and saturates.
        if self.config.out_frac > 10:
            unreachable |= {"row:saturated"}
        return tuple(b for b in super().required_bins() if b not in unreachable)

    @property
    def error_bound(self) -> float:
        """The accuracy target, plus the output LSB when the output is coarser than 16 bits."""
        lsb = self.config.out_fmt.lsb
        return ACCURACY_TARGET + (lsb if self.config.out_frac < 16 else 0.0)

    def check_phase(self) -> None:
        super().check_phase()
        error = self.env.scoreboard.results.get("rtl_error")
        assert error is not None, "no outputs were checked"
        if self.check_accuracy and self.config.exp_mode == "range_reduced":
            assert error["max_abs"] <= self.error_bound, \
                f"max |p - softmax| = {error['max_abs']:.3e} exceeds {self.error_bound:.3e}: {error}"


@pyuvm.test()
class RandomRows(SoftmaxTest):
    required_coverage = ("row:spread", "row:underflow", "exp_segment[")


register_tests(__name__, SoftmaxTest, rowbench, {
    "EqualRows": {},
    "DominantRows": {"extra_coverage": ("row:underflow", "row:saturated")},
    "ExtremeRows": {"extra_coverage": ("row:q_clamped", "row:underflow")},
    "FullRateRows": {},
    "RowLatency": {"row_kinds": ("attention", "extreme", "equal", "dominant")},
    "BackpressureRows": {"row_kinds": ("attention", "extreme")},
    "ResetMidRow": {"row_kinds": ("attention", "equal"), "extra_coverage": ("row:all_equal",)},
    "VariableRowsFullRate": {},
    "FullQueueRows": {},
})


@pyuvm.test()
class TableWrite(SoftmaxTest):
    """Both tables rewritten at run time with every field of every entry moved, rows checked
    against the model with the new tables, then the fitted tables restored and checked again. A
    hardwired build ignores the writes: its outputs must stay those of the fitted tables."""

    check_accuracy = False  # the moved tables are not accurate

    async def stimulus(self) -> None:
        fitted = self.bench.model
        moved = self.perturbed()
        rows = self.n_rows(0.3)
        await self.run_blocks([self.row_block("attention", rows)])
        for model in (moved, fitted):
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await self.write_tables(model.model.exp_table, model.model.recip_table)
            self.env.scoreboard.switch_model(fitted if self.config.table == "hardwired" else model)
            await self.run_blocks([self.row_block("attention", rows)])


@pyuvm.test()
class TablesAtBound(SoftmaxTest):
    """Both tables written with the largest slope and intercept (legal at run time), then rows
    of equal elements: every e_i is the largest a table can give (>= 2^(ExpWidth - 1)), the row
    sum reaches the sum width (N e_max >= 2^(SumWidth - 1), so one bit less would wrap) and every
    product m_i R (the exp table's value times 1/x) the largest of the normaliser. Then each table negative everywhere, which the
    unit counts as 0. Checked against the model with those
    tables; the fitted tables are restored after. A hardwired build ignores the writes."""

    check_accuracy = False  # constant tables are not exp and 1/x

    async def stimulus(self) -> None:
        fitted = self.bench.model
        exp_max = table_at_largest_output(self.unit_model.exp_table)
        recip_max = table_at_largest_output(self.unit_model.recip_table)
        bound = self.with_tables(exp_max, recip_max)
        c = self.config
        # Equal rows give u = 0, which both exp modes feed to the table as input code 0.
        t0 = int(exp_max.evaluate(np.zeros(1, dtype=np.int64))[0])
        e_max = max(t0, 0) << (c.exp_width - 1 - exp_max.params.out_fmt.frac)
        assert e_max >= 1 << (c.exp_width - 1), "the exp bound is not reached"
        assert c.row_length * e_max >= 1 << (c.sum_width() - 1), "the sum bound is not reached"
        # Then each table negative everywhere: a negative exp counts as 0 (the row sum is 0
        # and every p is 0), a negative 1/x counts as 0 (every p is 0).
        negative_exp = self.with_tables(exp_table=table_all_negative(self.unit_model.exp_table))
        negative_recip = self.with_tables(recip_table=table_all_negative(self.unit_model.recip_table))
        rows = self.n_rows(0.2)
        for model in (bound, negative_exp, negative_recip, fitted):
            self.env.coverage.sample(self.env.scoreboard.models[-1])
            await self.write_tables(model.model.exp_table, model.model.recip_table)
            self.env.scoreboard.switch_model(fitted if c.table == "hardwired" else model)
            await self.run_blocks([self.row_block("equal", rows), self.row_block("attention", rows)])


@pyuvm.test()
class TableWriteMidRow(SoftmaxTest):
    """Both tables rewritten while rows stream. The documented rule (rtl/nnlut/softmax_unit.sv):
    a row reads the exp table as its beats are issued and the 1/x table once its sum is known,
    both after its last input beat, so every row whose first beat is accepted after the last
    write uses the new tables, every row that has left before the first write the old ones,
    and a row in flight across the writes is undefined in value but keeps its framing (its
    beats all come out, in order, and the stream never stalls). Checked against the model."""

    check_accuracy = False

    async def stimulus(self) -> None:
        dut, c = self.bench.dut, self.config
        fitted = self.bench.model
        moved = self.perturbed()
        log = WritePortMonitor(dut.clk_i, dut.tbl_we_i, {"sel": dut.tbl_sel_i}, self.bench.input_monitor.clock)
        monitor = cocotb.start_soon(log.run())
        block = self.row_block("attention", max(12, self.n_rows(0.5)))
        outputs = self.env.scoreboard.outputs.words

        async def write_mid_stream() -> None:
            # Once two rows have left, while later rows are still coming in.
            while len(outputs) < 2 * self.beats_per_row:
                await ClockCycles(dut.clk_i, 1)
            await self.write_tables(moved.model.exp_table, moved.model.recip_table)

        writer = cocotb.start_soon(write_mid_stream())
        await self.run_blocks([block])
        await writer
        monitor.cancel()
        new = fitted if c.table == "hardwired" else moved
        self.expect_around_writes([n for n, _ in log.writes], fitted, new)

    def expect_around_writes(self, write_edges: list[int], old: SoftmaxStreamModel, new: SoftmaxStreamModel) -> None:
        sb, bpr = self.env.scoreboard, self.beats_per_row
        assert write_edges, "no table write was recorded"
        x, frames = unpack_beats(old, self.config.in_fmt, sb.inputs.words)
        in_cycles = np.asarray(sb.inputs.cycles, dtype=np.int64)
        out_cycles = np.asarray(sb.outputs.cycles, dtype=np.int64)
        n_rows = len(x) // bpr
        if len(out_cycles) < len(x):
            return  # the scoreboard reports the missing beats
        first_in = in_cycles[::bpr][:n_rows]
        last_out = out_cycles[bpr - 1::bpr][:n_rows]
        before = last_out < min(write_edges)
        after = first_in > max(write_edges)
        assert before.any() and after.any() and not (before & after).any(), \
            "the writes did not fall inside the stream: the test checked nothing"
        expected = np.where(np.repeat(after, bpr)[:, None], new.predict(x, frames), old.predict(x, frames))
        self.logger.info(f"rows before the writes {int(before.sum())}, after {int(after.sum())}, "
                         f"in flight (not compared) {int((~before & ~after).sum())}")
        sb.expect(expected, np.repeat(before | after, bpr))


@pyuvm.test(skip=STREAM_FILE_MISSING)
class StreamFile(StreamFileTest):
    """rtl_eval's data path: whole rows from a file (see StreamFileTest)."""


@pyuvm.test()
class VariableRows(rowbench.VariableRows, SoftmaxTest):
    """The shared VariableRows; with the serial 1/x core, without output backpressure. A stalled
    normaliser leaves the row's reciprocal in the serial core, which starts the next row's only
    once it is taken (rtl/nnlut/nnlut_serial_core.sv), a delay that the due-cycle model
    (framed_row_due_cycles: inputs only) does not follow, so the never-the-bottleneck check
    would blame the unit for the sink's stalls. BackpressureRows stalls that build too."""

    async def stimulus(self) -> None:
        if self.config.recip == "serial":
            self.bench.sink.stall_probability = 0.0
        await super().stimulus()
