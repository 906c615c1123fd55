package dev.kiln.core.tensor;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import java.util.List;

/** Row lookup in an embedding table; the backward scatter-adds into the table's gradient. */
final class EmbeddingOp {

    private final DeviceContext ctx;

    EmbeddingOp(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor embedding(Tensor tTable, Tensor tIds) {
        OpCall call = ctx.call("embedding");
        DeviceTensor table = call.operand("table", tTable);
        DeviceTensor ids = call.operand("ids", tIds);
        call.requireGemmFloat(table);
        call.requireRank(table, 2);
        call.requireDType(ids, DType.I32);
        int vocab = table.shape().dim(0);
        int dim = table.shape().dim(1);
        int count = Dims.toInt(ids.numel());
        DeviceTensor out = ctx.allocate(Dims.append(ids.shape(), dim));
        if (table.dtype() == DType.F32) {
            ctx.kernels.embedding(table.slice(), ids.slice(), out.slice(), count, dim, vocab);
        } else {
            gatherHalfRows(call, table, ids, out, count, dim, vocab);
        }
        return Graph.record("embedding", out, List.of(table, ids), node -> {
            DeviceTensor savedIds = node.save(ids);
            return grad -> {
                DeviceTensor dTable = ctx.zeros(node.inputShape(0)); // the kernel accumulates
                ctx.kernels.embeddingBackward(savedIds.slice(), grad.slice(), dTable.slice(), count,
                        dim, vocab);
                return Graph.grads(dTable, null);
            };
        });
    }

    /**
     * The kernel reads F32 tables only: a BF16 or F16 table's rows are copied out one by one
     * (ids read on the host) and widened. Decoding looks up a handful of ids per step.
     */
    private void gatherHalfRows(OpCall call, DeviceTensor table, DeviceTensor ids,
            DeviceTensor out, int count, int dim, int vocab) {
        int[] idValues = ids.toIntArray();
        for (int t = 0; t < count; t++) {
            call.require(idValues[t] >= 0 && idValues[t] < vocab, "id " + idValues[t]
                    + " of token " + t + " is outside the vocabulary of " + vocab);
        }
        try (DeviceTensor rows = ctx.allocate(out.shape(), table.dtype())) {
            for (int t = 0; t < count; t++) {
                ctx.device.copy(table.slice((long) idValues[t] * dim), rows.slice((long) t * dim), dim);
            }
            ctx.kernels.convert(rows.slice(), out.slice(), (long) count * dim);
        }
    }
}
