package dev.kiln.core.tensor;

import dev.kiln.api.backend.Kernels.Reduction;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.List;

/**
 * Mean cross-entropy over the rows whose target is not ignored, fused with log-softmax. The
 * forward saves each row's log-sum-exp; the backward is {@code (softmax - onehot) · g / count}.
 */
final class CrossEntropyOp {

    private final DeviceContext ctx;

    CrossEntropyOp(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor crossEntropy(Tensor tLogits, Tensor tTargets, int ignoreIndex) {
        OpCall call = ctx.call("crossEntropy");
        DeviceTensor logits = call.operand("logits", tLogits);
        DeviceTensor targets = call.operand("targets", tTargets);
        call.requireF32(logits);
        call.requireRank(logits, 2);
        call.requireDType(targets, DType.I32);
        int rows = logits.shape().dim(0);
        int vocab = logits.shape().dim(1);
        call.require(targets.shape().rank() == 1 && targets.shape().dim(0) == rows,
                "targets must be [n] with n = logits' rows");
        call.require(rows > 0 && vocab > 0, "logits must not be empty");
        // The mean divides by the rows that count; the targets are small, so count on the host.
        int counted = 0;
        for (int target : targets.toIntArray()) {
            if (target != ignoreIndex) {
                counted++;
            }
        }
        int count = counted;

        DeviceTensor out = ctx.allocate(Shape.scalar());
        DeviceTensor lse = ctx.allocate(Shape.of(rows));
        try (DeviceTensor losses = ctx.allocate(Shape.of(rows))) {
            ctx.kernels.crossEntropy(logits.slice(), targets.slice(), losses.slice(), lse.slice(),
                    rows, vocab, ignoreIndex);
            ctx.kernels.reduce(Reduction.SUM, losses.slice(), out.slice(), 1, rows);
        }
        // With every row ignored this is 0/0 = NaN, as in PyTorch.
        ctx.kernels.scale(out.slice(), out.slice(), 1, 1f / count);
        return Graph.record("crossEntropy", out, List.of(logits, targets), List.of(lse), node -> {
            DeviceTensor savedLogits = node.save(logits);
            DeviceTensor savedTargets = node.save(targets);
            return grad -> {
                // The kernel takes the upstream gradient as a host float.
                float gradScale = grad.item() / count;
                DeviceTensor dLogits = ctx.allocate(node.inputShape(0));
                ctx.kernels.crossEntropyBackward(savedLogits.slice(), savedTargets.slice(),
                        lse.slice(), dLogits.slice(), rows, vocab, ignoreIndex, gradScale);
                return Graph.grads(dLogits, null);
            };
        });
    }
}
