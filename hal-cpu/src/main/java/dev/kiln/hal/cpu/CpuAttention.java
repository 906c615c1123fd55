package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.AttentionScratch;
import dev.kiln.hal.cpu.kernel.AttentionSpec;
import dev.kiln.hal.cpu.kernel.FlashAttention;

/**
 * Fused attention on {@link FlashAttention}. The kernel's K and V are {@code [batch, seqK, ...]}
 * while the HAL's are a KV cache {@code [batch, kvCapacity, ...]} filled up to seqK, so each batch
 * entry runs as a batch of one at its own offsets: then the spare capacity is skipped and never
 * read. The work is (batch entry, range of heads) tasks; the kernel computes each element in a
 * fixed order, so the bits do not depend on the split. Each thread keeps its own scratch.
 */
final class CpuAttention {

    /** Tasks per thread: enough to even out, few enough that heads sharing a kv head stay together. */
    private static final int TASKS_PER_THREAD = 4;

    private final CpuDevice device;
    private final Blocks blocks;
    private final ThreadLocal<AttentionScratch> scratch = ThreadLocal.withInitial(AttentionScratch::new);

    CpuAttention(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void forward(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        Operands op = new Operands(device, "attention");
        Layout entry = new Layout(s);
        float[] qs = op.f32("q", q, s.queryElements());
        float[] ks = op.f32("k", k, s.keyElements());
        float[] vs = op.f32("v", v, s.keyElements());
        float[] masks = mask == null ? null : op.f32("mask", mask, entry.maskElements());
        float[] outs = op.f32("out", out, s.queryElements());
        float[] lses = op.f32("lse", lse, s.lseElements());
        int qo = at(q), ko = at(k), vo = at(v), mo = mask == null ? 0 : at(mask), oo = at(out), lo = at(lse);
        AttentionSpec one = entry.oneEntry();
        int chunks = chunks(s.batch(), s.heads());
        blocks.tasks(s.batch() * chunks, task -> {
            int b = task / chunks;
            int c = task % chunks;
            int queries = b * entry.queries;
            int cache = b * entry.cache;
            FlashAttention.forward(one, qs, qo + queries, ks, ko + cache, vs, vo + cache, masks, mo + b * entry.mask,
                    outs, oo + queries, lses, lo + b * entry.lse,
                    c * s.heads() / chunks, (c + 1) * s.heads() / chunks, scratch.get());
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
