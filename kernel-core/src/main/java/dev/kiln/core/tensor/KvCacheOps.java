package dev.kiln.core.tensor;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.Arrays;

/**
 * The KV cache of incremental decoding: new keys and values are copied into a preallocated
 * {@code [batch, capacity, kvHeads, headDim]} tensor (F32, or BF16: then rounded as they are
 * written), and attention reads its first {@code length} positions in place (the HAL's attention
 * takes a capacity apart from the length, and either dtype).
 * Inference only: these ops record no graph, and refuse operands that would need one.
 */
final class KvCacheOps {

    private final DeviceContext ctx;

    KvCacheOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    void writeCache(Tensor tCache, Tensor tValues, int start) {
        OpCall call = ctx.call("writeCache");
        DeviceTensor cache = call.operand("cache", tCache);
        DeviceTensor values = call.operand("values", tValues);
        call.require(cache.dtype() == DType.F32 || cache.dtype() == DType.BF16,
                "the cache must be F32 or BF16");
        call.require(values.dtype() == DType.F32 || values.dtype() == cache.dtype(),
                "values must be F32 or the cache's dtype");
        call.requireRank(cache, 4);
        call.requireRank(values, 4);
        requireInference(call, cache, values);
        Shape cs = cache.shape();
        Shape vs = values.shape();
        int batch = cs.dim(0);
        int capacity = cs.dim(1);
        int seq = vs.dim(1);
        call.require(vs.dim(0) == batch && vs.dim(2) == cs.dim(2) && vs.dim(3) == cs.dim(3),
                "values must be [batch, seq, kvHeads, headDim] with the cache's batch, kvHeads"
                        + " and headDim");
        call.require(start >= 0 && (long) start + seq <= capacity, "positions " + start + ".."
                + ((long) start + seq - 1) + " are outside the cache's capacity " + capacity);
        long token = (long) cs.dim(2) * cs.dim(3);
        for (int b = 0; b < batch; b++) {
            Slice from = values.slice((long) b * seq * token);
            Slice to = cache.slice(((long) b * capacity + start) * token);
            if (values.dtype() == cache.dtype()) {
                ctx.device.copy(from, to, seq * token);
            } else {
                ctx.kernels.convert(from, to, seq * token); // F32 into BF16: rounded to nearest even
            }
        }
    }

    DeviceTensor cachedAttention(Tensor tq, Tensor tk, Tensor tv, int length, Tensor tMask,
            AttentionOptions options) {
        OpCall call = ctx.call("cachedAttention");
        DeviceTensor q = call.operand("q", tq);
        DeviceTensor k = call.operand("kCache", tk);
        DeviceTensor v = call.operand("vCache", tv);
        DeviceTensor mask = call.optional("mask", tMask);
        call.require(options != null, "options is null");
        call.requireF32(q, mask);
        call.require((k.dtype() == DType.F32 || k.dtype() == DType.BF16) && v.dtype() == k.dtype(),
                "kCache and vCache must both be F32 or both BF16");
        call.requireRank(q, 4);
        call.requireRank(k, 4);
        requireInference(call, q, k, v);
        call.require(k.shape().equals(v.shape()), "kCache and vCache must have the same shape");
        Shape qs = q.shape();
        Shape ks = k.shape();
        int batch = qs.dim(0);
        int seqQ = qs.dim(1);
        int heads = qs.dim(2);
        int headDim = qs.dim(3);
        int capacity = ks.dim(1);
        int kvHeads = ks.dim(2);
        call.require(ks.dim(0) == batch && ks.dim(3) == headDim,
                "the caches must be [batch, capacity, kvHeads, headDim] with q's batch and headDim");
        call.require(batch > 0 && seqQ > 0 && heads > 0 && kvHeads > 0 && headDim > 0,
                "sizes must be positive");
        call.require(length >= 1 && length <= capacity,
                "length " + length + " must be in 1.." + capacity + " (the caches' capacity)");
        call.require(heads % kvHeads == 0,
                "q's heads " + heads + " must be a multiple of the caches' kvHeads " + kvHeads);
        call.require(mask == null
                        || Arrays.equals(mask.shape().toArray(), new int[] {batch, seqQ, length}),
                "mask must be [batch, seqQ, length] = [" + batch + ", " + seqQ + ", " + length + "]");
        int offset = options.queryOffset();
        call.require(offset >= 0 && (!options.causal() || offset + seqQ <= length),
                "causal queries at positions " + offset + ".." + (offset + seqQ - 1)
                        + " need keys up to there, but the cache holds " + length);
        float scale = Float.isNaN(options.scale()) ? (float) (1 / Math.sqrt(headDim)) : options.scale();
        AttentionShape shape = new AttentionShape(batch, seqQ, length, capacity, heads, kvHeads,
                headDim, scale, options.causal(), offset);
        DeviceTensor out = ctx.allocate(qs);
        try (DeviceTensor lse = ctx.allocate(Shape.of(batch, heads, seqQ))) {
            ctx.kernels.attention(shape, q.slice(), k.slice(), v.slice(),
                    mask == null ? null : mask.slice(), out.slice(), lse.slice());
        }
        return out;
    }

    /** A graph would be wanted: refuse, since these ops have no backward. */
    private static void requireInference(OpCall call, DeviceTensor... operands) {
        if (!GradState.recording()) {
            return;
        }
        for (DeviceTensor operand : operands) {
            if (operand.requiresGrad()) {
                throw new IllegalStateException(call.fail("inference only, but an operand requires"
                        + " gradients while they are recorded; decode inside ops.noGrad()")
                        .getMessage());
            }
        }
    }
}
