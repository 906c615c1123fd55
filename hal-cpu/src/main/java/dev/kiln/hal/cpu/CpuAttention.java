package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.cpu.kernel.AttentionScratch;
import dev.kiln.hal.cpu.kernel.AttentionSpec;
import dev.kiln.hal.cpu.kernel.Conversions;
import dev.kiln.hal.cpu.kernel.FlashAttention;

/**
 * Fused attention on {@link FlashAttention}. The kernel's K and V are {@code [batch, seqK, ...]}
 * while the HAL's are a KV cache {@code [batch, kvCapacity, ...]} filled up to seqK, so each batch
 * entry runs as a batch of one at its own offsets: then the spare capacity is skipped and never
 * read. The work is (batch entry, range of heads) tasks; the kernel computes each element in a
 * fixed order, so the bits do not depend on the split. Each thread keeps its own scratch. K and
 * V may be kept in bfloat16 (a KV cache of a bf16 model): the result is that of their widened
 * values.
 */
final class CpuAttention {

    /** Tasks per thread: enough to even out, few enough that heads sharing a kv head stay together. */
    private static final int TASKS_PER_THREAD = 4;

    private final CpuDevice device;
    private final Blocks blocks;
    private final ThreadLocal<AttentionScratch> scratch = ThreadLocal.withInitial(AttentionScratch::new);
    /** Each thread's part of an attention over a bf16 cache, grown to the largest it has run. */
    private final ThreadLocal<WideRows> widened = ThreadLocal.withInitial(WideRows::new);

    CpuAttention(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void forward(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        Operands op = new Operands(device, "attention");
        CpuBuffer kBuffer = op.any("k", k, s.keyElements());
        CpuBuffer vBuffer = op.any("v", v, s.keyElements());
        if (kBuffer.dtype() != vBuffer.dtype()
                || (kBuffer.dtype() != DType.F32 && kBuffer.dtype() != DType.BF16)) {
            throw op.fail("k and v must both be F32 or both BF16, not " + kBuffer.dtype() + " and " + vBuffer.dtype());
        }
        Layout entry = new Layout(s);
        Queries rows = new Queries(op, entry, q, mask, out, lse);
        if (kBuffer.dtype() == DType.BF16 && !FlashAttention.takesBf16Cache(entry.oneEntry())) {
            prefillOverBf16Cache(entry, rows, (short[]) kBuffer.array(), at(k), (short[]) vBuffer.array(), at(v));
        } else {
            forward(entry, rows, kBuffer.array(), at(k), vBuffer.array(), at(v));
        }
    }

    /**
     * Queries in lanes (a prompt, or a chunk of one after a cache) over K and V kept in bfloat16;
     * decoding reads such a cache in place instead, widening each row in registers. The work is
     * (batch entry, range of kv heads) tasks, each an attention of its own over compact copies in
     * the thread's arrays: its kv heads' rows [0, seqK) widened to floats and its query heads'
     * rows, which the kernel then reads from L2; its output rows are copied back. The copies cost
     * little next to a prompt's seqQ x seqK products.
     */
    private void prefillOverBf16Cache(Layout entry, Queries rows, short[] ks, int ko, short[] vs, int vo) {
        AttentionShape s = entry.s;
        int d = s.headDim();
        int group = s.heads() / s.kvHeads();
        int chunks = chunks(s.batch(), s.kvHeads());
        blocks.tasks(s.batch() * chunks, task -> {
            int b = task / chunks;
            int c = task % chunks;
            int kv0 = c * s.kvHeads() / chunks;
            int kv1 = (c + 1) * s.kvHeads() / chunks;
            int h0 = kv0 * group;
            int heads = (kv1 - kv0) * group;
            AttentionSpec part = AttentionSpec.of(1, s.seqQ(), s.seqK(), heads, kv1 - kv0, d).withScale(s.scale())
                    .withCausal(s.causal()).withQueryOffset(s.queryOffset());
            WideRows wide = widened.get().reserve(s.seqQ() * heads * d, s.seqK() * (kv1 - kv0) * d);
            int cacheRows = b * entry.cache + kv0 * d;
            int keyRow = s.kvHeads() * d;
            int width = (kv1 - kv0) * d;
            Conversions.bf16RowsToF32(ks, ko + cacheRows, keyRow, wide.k, 0, width, s.seqK(), width);
            Conversions.bf16RowsToF32(vs, vo + cacheRows, keyRow, wide.v, 0, width, s.seqK(), width);
            int queryRow = s.heads() * d;
            int queries = rows.qo + b * entry.queries + h0 * d;
            for (int i = 0; i < s.seqQ(); i++) {
                System.arraycopy(rows.q, queries + i * queryRow, wide.q, i * heads * d, heads * d);
            }
            FlashAttention.forward(part, wide.q, 0, wide.k, 0, wide.v, 0, rows.mask, rows.mo + b * entry.mask,
                    wide.out, 0, rows.lse, rows.lo + b * entry.lse + h0 * s.seqQ(), 0, heads, scratch.get());
            int outputs = rows.oo + b * entry.queries + h0 * d;
            for (int i = 0; i < s.seqQ(); i++) {
                System.arraycopy(wide.out, i * heads * d, rows.out, outputs + i * queryRow, heads * d);
            }
        });
    }

    /** K and V are float arrays, or short arrays of bfloat16 (then the queries run as single rows). */
    private void forward(Layout entry, Queries rows, Object ks, int ko, Object vs, int vo) {
        AttentionShape s = entry.s;
        AttentionSpec one = entry.oneEntry();
        int chunks = chunks(s.batch(), s.heads());
        blocks.tasks(s.batch() * chunks, task -> {
            int b = task / chunks;
            int c = task % chunks;
            int queries = b * entry.queries;
            int cache = b * entry.cache;
            int h0 = c * s.heads() / chunks;
            int h1 = (c + 1) * s.heads() / chunks;
            if (ks instanceof float[] kf) {
                FlashAttention.forward(one, rows.q, rows.qo + queries, kf, ko + cache, (float[]) vs, vo + cache,
                        rows.mask, rows.mo + b * entry.mask, rows.out, rows.oo + queries, rows.lse,
                        rows.lo + b * entry.lse, h0, h1, scratch.get());
            } else {
                FlashAttention.forwardOverBf16Cache(one, rows.q, rows.qo + queries, (short[]) ks, ko + cache,
                        (short[]) vs, vo + cache, rows.mask, rows.mo + b * entry.mask, rows.out, rows.oo + queries,
                        rows.lse, rows.lo + b * entry.lse, h0, h1, scratch.get());
            }
        });
    }

    void backward(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse, Slice dOut,
            Slice dq, Slice dk, Slice dv) {
        Operands op = new Operands(device, "attentionBackward");
        Layout entry = new Layout(s);
        float[] qs = op.f32("q", q, s.queryElements());
        float[] ks = op.f32("k", k, s.keyElements());
        float[] vs = op.f32("v", v, s.keyElements());
        float[] masks = mask == null ? null : op.f32("mask", mask, entry.maskElements());
        float[] outs = op.f32("out", out, s.queryElements());
        float[] lses = op.f32("lse", lse, s.lseElements());
        float[] dOuts = op.f32("dOut", dOut, s.queryElements());
        float[] dqs = op.f32("dq", dq, s.queryElements());
        float[] dks = op.f32("dk", dk, s.keyElements());
        float[] dvs = op.f32("dv", dv, s.keyElements());
        int qo = at(q), ko = at(k), vo = at(v), mo = mask == null ? 0 : at(mask), oo = at(out), lo = at(lse);
        int go = at(dOut), dqo = at(dq), dko = at(dk), dvo = at(dv);
        AttentionSpec one = entry.oneEntry();
        // The backward's work items are kv heads: each owns its dK, dV and its query heads' dQ.
        int chunks = chunks(s.batch(), s.kvHeads());
        blocks.tasks(s.batch() * chunks, task -> {
            int b = task / chunks;
            int c = task % chunks;
            int queries = b * entry.queries;
            int cache = b * entry.cache;
            FlashAttention.backward(one, qs, qo + queries, ks, ko + cache, vs, vo + cache, masks, mo + b * entry.mask,
                    outs, oo + queries, dOuts, go + queries, lses, lo + b * entry.lse, dqs, dqo + queries,
                    dks, dko + cache, dvs, dvo + cache,
                    c * s.kvHeads() / chunks, (c + 1) * s.kvHeads() / chunks, scratch.get());
        });
    }

    /** How many ranges to split each batch entry's {@code items} heads into. */
    private int chunks(int batch, int items) {
        int wanted = Blocks.ceilDiv(blocks.threads() * TASKS_PER_THREAD, batch);
        return Math.max(1, Math.min(items, wanted));
    }

    /** A thread's part of an attention over a bf16 cache: its query rows, output rows, K and V. */
    private static final class WideRows {
        float[] q = new float[0];
        float[] out = new float[0];
        float[] k = new float[0];
        float[] v = new float[0];

        WideRows reserve(int queryFloats, int keyFloats) {
            if (q.length < queryFloats) {
                q = new float[queryFloats];
                out = new float[queryFloats];
            }
            if (k.length < keyFloats) {
                k = new float[keyFloats];
                v = new float[keyFloats];
            }
            return this;
        }
    }

    /** The forward's float operands but K and V, each with the element where it starts. */
    private static final class Queries {
        final float[] q, mask, out, lse;
        final int qo, mo, oo, lo;

        Queries(Operands op, Layout entry, Slice q, Slice mask, Slice out, Slice lse) {
            AttentionShape s = entry.s;
            this.q = op.f32("q", q, s.queryElements());
            this.mask = mask == null ? null : op.f32("mask", mask, entry.maskElements());
            this.out = op.f32("out", out, s.queryElements());
            this.lse = op.f32("lse", lse, s.lseElements());
            this.qo = at(q);
            this.mo = mask == null ? 0 : at(mask);
            this.oo = at(out);
            this.lo = at(lse);
        }
    }

    /** Elements from one batch entry to the next in each operand, and the kernel's spec for one entry. */
    private static final class Layout {
        final AttentionShape s;
        final int queries;
        final int cache;
        final int lse;
        final int mask;

        Layout(AttentionShape s) {
            this.s = s;
            this.queries = s.seqQ() * s.heads() * s.headDim();
            this.cache = s.kvCapacity() * s.kvHeads() * s.headDim();
            this.lse = s.heads() * s.seqQ();
            this.mask = s.seqQ() * s.seqK();
        }

        long maskElements() {
            return (long) s.batch() * mask;
        }

        AttentionSpec oneEntry() {
            return new AttentionSpec(1, s.seqQ(), s.seqK(), s.heads(), s.kvHeads(), s.headDim(), s.scale(),
                    s.causal(), s.queryOffset());
        }
    }
}
