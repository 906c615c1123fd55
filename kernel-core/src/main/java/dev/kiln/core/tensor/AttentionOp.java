package dev.kiln.core.tensor;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * Fused scaled-dot-product attention with grouped-query heads. The forward saves the output and
 * the log-sum-exp of each query row, from which the backward recomputes the probabilities.
 * The mask is a constant: no gradient flows into it.
 */
final class AttentionOp {

    private final DeviceContext ctx;

    AttentionOp(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor attention(Tensor tq, Tensor tk, Tensor tv, Tensor tMask, AttentionOptions options) {
        OpCall call = ctx.call("attention");
        DeviceTensor q = call.operand("q", tq);
        DeviceTensor k = call.operand("k", tk);
        DeviceTensor v = call.operand("v", tv);
        DeviceTensor mask = call.optional("mask", tMask);
        call.require(options != null, "options is null");
        call.requireF32(q, k, v, mask);
        call.requireRank(q, 4);
        call.requireRank(k, 4);
        call.require(k.shape().equals(v.shape()), "k and v must have the same shape");
        Shape qs = q.shape();
        Shape ks = k.shape();
        int batch = qs.dim(0);
        int seqQ = qs.dim(1);
        int heads = qs.dim(2);
        int headDim = qs.dim(3);
        int seqK = ks.dim(1);
        int kvHeads = ks.dim(2);
        call.require(ks.dim(0) == batch && ks.dim(3) == headDim,
                "k and v must be [batch, seqK, kvHeads, headDim] with q's batch and headDim");
        call.require(batch > 0 && seqQ > 0 && seqK > 0 && heads > 0 && kvHeads > 0 && headDim > 0,
                "sizes must be positive");
        call.require(heads % kvHeads == 0,
                "q's heads " + heads + " must be a multiple of k's kvHeads " + kvHeads);
        call.require(mask == null
                        || Arrays.equals(mask.shape().toArray(), new int[] {batch, seqQ, seqK}),
                "mask must be [batch, seqQ, seqK]");
        int offset = options.queryOffset();
        call.require(offset >= 0 && (!options.causal() || offset + seqQ <= seqK),
                "causal queries at positions " + offset + ".." + (offset + seqQ - 1)
                        + " need keys up to there, but there are " + seqK);
        float scale = Float.isNaN(options.scale()) ? (float) (1 / Math.sqrt(headDim)) : options.scale();
        AttentionShape shape = new AttentionShape(batch, seqQ, seqK, seqK, heads, kvHeads, headDim,
                scale, options.causal(), offset);

        DeviceTensor out = ctx.allocate(qs);
        DeviceTensor lse = ctx.allocate(Shape.of(batch, heads, seqQ));
        ctx.kernels.attention(shape, q.slice(), k.slice(), v.slice(),
                mask == null ? null : mask.slice(), out.slice(), lse.slice());
        return Graph.record("attention", out, Arrays.asList(q, k, v, mask), List.of(lse),
                node -> {
                    DeviceTensor savedQ = node.save(q);
                    DeviceTensor savedK = node.save(k);
                    DeviceTensor savedV = node.save(v);
                    DeviceTensor savedMask = mask == null ? null : node.save(mask);
                    DeviceTensor savedOut = node.save(out);
                    return grad -> {
                        DeviceTensor dq = ctx.allocate(qs);
                        DeviceTensor dk = ctx.allocate(ks);
                        DeviceTensor dv = ctx.allocate(ks);
                        ctx.kernels.attentionBackward(shape, savedQ.slice(), savedK.slice(),
                                savedV.slice(), savedMask == null ? null : savedMask.slice(),
                                savedOut.slice(), lse.slice(), grad.slice(), dq.slice(), dk.slice(),
                                dv.slice());
                        return Graph.grads(ActivationOps.keepIf(node.needsGrad(0), dq),
                                ActivationOps.keepIf(node.needsGrad(1), dk),
                                ActivationOps.keepIf(node.needsGrad(2), dv), null);
                    };
                });
    }
}
