package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Embedding;

/**
 * embedding and its backward. The gather splits the tokens; the scatter-add splits the
 * vocabulary, so that each table row is summed by one thread in token order: deterministic
 * without atomics, whatever the split.
 */
final class CpuEmbedding {

    /** Vocabulary ranges per thread for the backward: each scans every id, so not too many. */
    private static final int RANGES_PER_THREAD = 2;

    private final CpuDevice device;
    private final Blocks blocks;

    CpuEmbedding(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void gather(Slice table, Slice ids, Slice out, int count, int dim, int vocab) {
        Operands op = sized("embedding", count, dim, vocab);
        float[] tables = op.f32("table", table, (long) vocab * dim);
        int[] idValues = op.i32("ids", ids, count);
        float[] outs = op.f32("out", out, (long) count * dim);
        int to = at(table), io = at(ids), oo = at(out);
        requireIds(op, idValues, io, count, vocab);
        if (count == 0 || dim == 0) {
            return;
        }
        blocks.rows(count, dim, (from, end) -> Embedding.gather(tables, to, vocab, dim, idValues, io, outs, oo,
                from, end));
    }

    void scatterAdd(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab) {
        Operands op = sized("embeddingBackward", count, dim, vocab);
        int[] idValues = op.i32("ids", ids, count);
        float[] dOuts = op.f32("dOut", dOut, (long) count * dim);
        float[] dTables = op.f32("dTable", dTable, (long) vocab * dim);
        int io = at(ids), go = at(dOut), to = at(dTable);
        requireIds(op, idValues, io, count, vocab);
        if (count == 0 || dim == 0) {
            return;
        }
        int ranges = Math.min(vocab, blocks.threads() * RANGES_PER_THREAD);
        blocks.tasks(ranges, r -> Embedding.scatterAdd(idValues, io, count, dOuts, go, dim, dTables, to, vocab,
                (int) ((long) r * vocab / ranges), (int) ((long) (r + 1) * vocab / ranges)));
    }

    /** Every id is a row of the table: checked whole, before any block writes. */
    private static void requireIds(Operands op, int[] ids, int offset, int count, int vocab) {
        for (int t = 0; t < count; t++) {
            int id = ids[offset + t];
            if (id < 0 || id >= vocab) {
                throw op.fail("id " + id + " of token " + t + " is outside the vocabulary of " + vocab);
            }
        }
    }

    private Operands sized(String kernel, int count, int dim, int vocab) {
        Operands op = new Operands(device, kernel);
        op.size("count", count);
        op.size("dim", dim);
        op.size("vocab", vocab);
        return op;
    }
}
