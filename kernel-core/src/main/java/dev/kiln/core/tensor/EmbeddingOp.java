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
        call.requireF32(table);
        call.requireRank(table, 2);
        call.requireDType(ids, DType.I32);
        int vocab = table.shape().dim(0);
        int dim = table.shape().dim(1);
        int count = Dims.toInt(ids.numel());
        DeviceTensor out = ctx.allocate(Dims.append(ids.shape(), dim));
        ctx.kernels.embedding(table.slice(), ids.slice(), out.slice(), count, dim, vocab);
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
}
