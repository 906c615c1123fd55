package dev.kiln.hal.opencl;

import static org.jocl.CL.clReleaseMemObject;

import dev.kiln.api.backend.Slice;
import java.util.Arrays;
import org.jocl.cl_mem;

/**
 * embedding and its backward (embedding.cl). The ids are read back and checked first: an id
 * outside the vocabulary is an error naming it. The scatter-add groups the tokens by id on the
 * host, so that each table row is summed by one work item in token order: deterministic without
 * atomics.
 */
final class ClEmbedding {

    private final OpenClDevice device;

    ClEmbedding(OpenClDevice device) {
        this.device = device;
    }

    void gather(Slice table, Slice ids, Slice out, int count, int dim, int vocab) {
        Operands check = sized("embedding", count, dim, vocab);
        check.f32("table", table, (long) vocab * dim);
        check.i32("ids", ids, count);
        check.f32("out", out, (long) count * dim);
        requireIds(check, device.readInts(ids, count), vocab);
        new Launch(device, device.mainProgram(), "embedding",
                () -> "embedding count=" + count + " dim=" + dim + " vocab=" + vocab)
                .slice(table).slice(ids).slice(out).intValue(dim).run2d(dim, count, device.tuning().elementGroup());
    }

    void scatterAdd(Slice ids, Slice dOut, Slice dTable, int count, int dim, int vocab) {
        Operands check = sized("embeddingBackward", count, dim, vocab);
        check.i32("ids", ids, count);
        check.f32("dOut", dOut, (long) count * dim);
        check.f32("dTable", dTable, (long) vocab * dim);
        int[] idValues = device.readInts(ids, count);
        requireIds(check, idValues, vocab);
        if (count == 0 || dim == 0) {
            return;
        }
        TokensById grouped = TokensById.of(idValues);
        cl_mem rows = device.scratch(grouped.ids());
        cl_mem starts = device.scratch(grouped.starts());
        cl_mem tokens = device.scratch(grouped.tokens());
        try {
            new Launch(device, device.mainProgram(), "embedding_backward",
                    () -> "embeddingBackward count=" + count + " dim=" + dim + " vocab=" + vocab)
                    .memory(rows).memory(starts).memory(tokens).slice(dOut).slice(dTable).intValue(dim)
                    .run2d(dim, grouped.ids().length, device.tuning().elementGroup());
        } finally {
            // OpenCL frees them once the kernel has run.
            clReleaseMemObject(rows);
            clReleaseMemObject(starts);
            clReleaseMemObject(tokens);
        }
    }

    /**
     * The tokens grouped by id: distinct {@code ids} in ascending order; the tokens of
     * {@code ids[u]} are {@code tokens[starts[u] .. starts[u + 1])}, ascending.
     */
    record TokensById(int[] ids, int[] starts, int[] tokens) {

        static TokensById of(int[] idValues) {
            Integer[] order = new Integer[idValues.length];
            for (int t = 0; t < order.length; t++) {
                order[t] = t;
            }
            // Stable: tokens of one id stay in token order.
            Arrays.sort(order, (x, y) -> Integer.compare(idValues[x], idValues[y]));
            int[] tokens = new int[order.length];
            int[] ids = new int[order.length];
            int[] starts = new int[order.length + 1];
            int distinct = 0;
            for (int s = 0; s < order.length; s++) {
                tokens[s] = order[s];
                if (s == 0 || idValues[order[s]] != idValues[order[s - 1]]) {
                    ids[distinct] = idValues[order[s]];
                    starts[distinct] = s;
                    distinct++;
                }
            }
            starts[distinct] = order.length;
            return new TokensById(Arrays.copyOf(ids, distinct), Arrays.copyOf(starts, distinct + 1), tokens);
        }
    }

    private static void requireIds(Operands check, int[] ids, int vocab) {
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] < 0 || ids[t] >= vocab) {
                throw check.fail("id " + ids[t] + " of token " + t + " is outside the vocabulary of " + vocab);
            }
        }
    }

    private Operands sized(String kernel, int count, int dim, int vocab) {
        Operands check = new Operands(device, kernel);
        check.size("count", count);
        check.size("dim", dim);
        check.size("vocab", vocab);
        return check;
    }
}
