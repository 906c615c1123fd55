package dev.kiln.core.model.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.model.KvCache;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The shared KV caches, without a model family: what a forward attends to through a cache must
 * be what plain causal attention over the whole sequence gives (ops.attention, which no cache
 * takes part in), whichever lengths the rows of a pool have; the pool's bookkeeping (per-row
 * lengths, copied and cleared slots, closing); and the refusals, named after the family.
 */
@SuppressWarnings("try") // the no-grad mode is opened for its effect on the body
class KvCacheTest {

    private static final int LAYERS = 2;
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 8;
    private static final float TOLERANCE = 1e-5f;

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());
    private final Object model = new Object();
    private final Random random = new Random(42);
    private GradMode inference;

    @BeforeEach
    void inference() {
        inference = ops.noGrad();
    }

    @AfterEach
    void training() {
        inference.close();
    }

    /** No family masks: padding-free rows at one length need causality only. */
    private CacheSpec spec(MaskStrategy masks) {
        return new CacheSpec("fam", model, LAYERS, KV_HEADS, HEAD_DIM, masks);
    }

    private CacheSpec spec() {
        return spec((ops, attentionMask, batch, seq, past) -> null);
    }

    @Test
    void aUniformCacheDecodesAsCausalAttentionOverTheWholeSequence() {
        Sequence s = new Sequence(6);
        float scale = 0.3f;
        try (UniformKvCache cache = new UniformKvCache(spec(), ops, 1, 8)) {
            float[] got = concat(step(cache, s, 0, 3, scale), step(cache, s, 3, 1, scale),
                    step(cache, s, 4, 2, scale));
            assertEquals(6, cache.length());
            assertClose(s.attention(scale), got, "prefill 3, then 1, then 2 tokens");
        }
    }

    @Test
    void slotsAtTheirOwnLengthsAttendEachAsItsSequenceAlone() {
        Sequence a = new Sequence(7);
        Sequence b = new Sequence(7);
        try (KvCachePool pool = new SlotKvCachePool(spec(), ops, 3, 8)) {
            step(pool.rows(0, 1), a, 0, 2, Float.NaN);
            step(pool.rows(1, 1), b, 0, 5, Float.NaN);
            float[][] want = {a.attention(Float.NaN), b.attention(Float.NaN)};
            int[] filled = {2, 5};
            for (int step = 0; step < 2; step++) {
                KvCache rows = pool.rows(0, 2);
                assertEquals(filled[1], rows.length(), "the rows' length is the longest");
                float[] got = step(rows, new Sequence[] {a, b}, filled, 1, Float.NaN);
                for (int r = 0; r < 2; r++) {
                    assertClose(token(want[r], filled[r]), token(got, r),
                            "row " + r + " at position " + filled[r]);
                    filled[r]++;
                }
            }
            assertEquals(4, pool.length(0));
            assertEquals(7, pool.length(1));
            assertEquals(0, pool.length(2));
        }
    }

    @Test
    void aCopiedSlotContinuesAsTheOriginalAndAClearedSlotStartsOver() {
        Sequence a = new Sequence(5);
        Sequence stale = new Sequence(6);
        try (KvCachePool pool = new SlotKvCachePool(spec(), ops, 2, 8)) {
            step(pool.rows(1, 1), stale, 0, 6, Float.NaN); // longer: none of it may leak
            step(pool.rows(0, 1), a, 0, 3, Float.NaN);
            pool.copy(0, 1);
            assertEquals(3, pool.length(1));
            float[] got = step(pool.rows(1, 1), a, 3, 2, Float.NaN);
            assertClose(Arrays.copyOfRange(a.attention(Float.NaN), 3 * tokenSize(), 5 * tokenSize()),
                    got, "the copy continued");

            pool.clear(1);
            assertEquals(0, pool.length(1));
            assertEquals(3, pool.length(0), "clearing a slot leaves the others");
            assertClose(Arrays.copyOf(a.attention(Float.NaN), 2 * tokenSize()),
                    step(pool.rows(1, 1), a, 0, 2, Float.NaN), "the cleared slot, filled again");

            KvCache rows = pool.rows(0, 2);
            rows.clear();
            assertEquals(0, pool.length(0));
            assertEquals(0, pool.length(1));
        }
    }

    @Test
    void theFamilyMasksRowsAtOneLengthAndPerRow() {
        List<String> calls = new ArrayList<>();
        MaskStrategy recording = new MaskStrategy() {
            @Override
            public Tensor sameLength(TensorOps ops, Tensor attentionMask, int batch, int seq,
                    int past) {
                calls.add("same " + (attentionMask != null) + " " + batch + " " + seq + " " + past);
                return null;
            }

            @Override
            public Tensor perRow(TensorOps ops, int[] lengths, int seq) {
                calls.add("perRow " + Arrays.toString(lengths) + " " + seq);
                return null;
            }
        };
        Tensor padding = ops.tensor(new int[] {0, 1, 1, 1, 1, 1}, Shape.of(2, 3));
        try (UniformKvCache cache = new UniformKvCache(spec(recording), ops, 2, 4);
                KvCachePool pool = new SlotKvCachePool(spec(recording), ops, 3, 4)) {
            cache.mask(padding, 3);
            forward(pool.rows(0, 3)).mask(null, 1);
            forward(pool.rows(1, 1)).advance(2);
            forward(pool.rows(0, 3)).mask(null, 2);
        }
        assertEquals(List.of("same true 2 3 0", "same false 3 1 0", "perRow [0, 2, 0] 2"), calls);
    }

    @Test
    void theDefaultPerRowMaskIsCausalPerRowWithinTheWindow() {
        int[] lengths = {0, 2};
        float x = Float.NEGATIVE_INFINITY;
        // keys 0..2; row 0's query at 0 sees key 0; row 1's at 2 sees keys 0..2
        assertArrayEquals(new float[] {0, x, x, 0, 0, 0},
                spec().masks().perRow(ops, lengths, 1).toFloatArray());
        // a window of 2: row 1's query at 2 no longer sees key 0
        assertArrayEquals(new float[] {0, x, x, x, 0, 0},
                MaskStrategy.causalPerRow(ops, lengths, 1, 2).toFloatArray());
    }

    @Test
    void thePoolTakesWhatItsSlotsHold() {
        try (KvCachePool pool = new SlotKvCachePool(spec(), ops, 3, 5);
                UniformKvCache cache = new UniformKvCache(spec(), ops, 2, 4)) {
            assertEquals(LAYERS * 2L * (3 * 5 * KV_HEADS * HEAD_DIM) * Float.BYTES, pool.bytes());
            assertEquals(LAYERS * 2L * (2 * 4 * KV_HEADS * HEAD_DIM) * Float.BYTES, cache.bytes());
            assertEquals(3, pool.slots());
            assertEquals(5, pool.capacity());
            assertEquals(2, forward(pool.rows(1, 2)).batch());
        }
    }

    @Test
    void bf16WeightsGetAHalfSizeBf16CacheAndOtherWeightsAnF32One() {
        CacheSpec bf16 = spec().forWeights(DType.BF16);
        assertEquals(DType.BF16, bf16.kvDType());
        assertEquals(DType.F32, spec().forWeights(DType.F16).kvDType());
        assertEquals(DType.F32, bf16.forWeights(DType.F32).kvDType());
        try (KvCachePool pool = new SlotKvCachePool(bf16, ops, 3, 5);
                UniformKvCache cache = new UniformKvCache(bf16, ops, 2, 4)) {
            assertEquals(LAYERS * 2L * (3 * 5 * KV_HEADS * HEAD_DIM) * 2, pool.bytes());
            assertEquals(LAYERS * 2L * (2 * 4 * KV_HEADS * HEAD_DIM) * 2, cache.bytes());
        }
        assertMessage(IllegalArgumentException.class,
                () -> new CacheSpec("fam", model, 2, 1, 8, spec().masks(), DType.I32),
                "fam: a KV cache stores F32 or BF16, not I32");
    }

    @Test
    void aForwardTakesOnlyCachesItsOwnModelMade() {
        try (UniformKvCache cache = new UniformKvCache(spec(), ops, 1, 4);
                KvCachePool pool = new SlotKvCachePool(spec(), ops, 1, 4)) {
            assertSame(cache, ForwardCache.ownedBy(cache, model, "fam"));
            assertSame(model, ForwardCache.ownedBy(pool.rows(0, 1), model, "fam").owner());
            assertMessage(IllegalArgumentException.class,
                    () -> ForwardCache.ownedBy(cache, new Object(), "fam"),
                    "fam: the KV cache was not made by this model's newCache or newCachePool");
            assertMessage(IllegalArgumentException.class,
                    () -> ForwardCache.ownedBy(null, model, "fam"), "not made by this model's");
        }
    }

    @Test
    void wrongUsesAreRefusedNamingTheFamily() {
        assertMessage(IllegalArgumentException.class, () -> new SlotKvCachePool(spec(), ops, 0, 4),
                "fam: a KV cache pool needs positive slots and capacity, not slots 0 capacity 4");
        assertMessage(IllegalArgumentException.class, () -> new UniformKvCache(spec(), ops, 1, 0),
                "fam: a KV cache needs a positive batch and capacity, not batch 1 capacity 0");
        assertMessage(IllegalArgumentException.class,
                () -> new CacheSpec("fam", model, 2, 0, 8, spec().masks()), "positive layers");
        try (KvCachePool pool = new SlotKvCachePool(spec(), ops, 2, 4);
                UniformKvCache cache = new UniformKvCache(spec(), ops, 1, 4)) {
            assertMessage(IllegalArgumentException.class, () -> pool.rows(1, 2),
                    "fam: kv cache pool: rows [1, 1 + 2) are outside its 2 slots");
            assertMessage(IllegalArgumentException.class, () -> pool.length(2),
                    "fam: kv cache pool: slot 2 is outside 0..1");
            assertMessage(IllegalArgumentException.class, () -> pool.copy(0, -1), "slot -1");
            forward(pool.rows(1, 1)).advance(3);
            assertMessage(IllegalArgumentException.class, () -> forward(pool.rows(0, 2))
                    .requireRoom(2), "fam: kv cache pool: slot 1 holds 3 of 4 tokens; 2 more do not fit");
            assertMessage(IllegalArgumentException.class, () -> forward(pool.rows(0, 1))
                    .mask(ops.tensor(new int[] {1}, Shape.of(1, 1)), 1), "take no attention mask");
            cache.advance(3);
            assertMessage(IllegalArgumentException.class, () -> cache.requireRoom(2),
                    "fam: the KV cache holds 3 of 4 tokens; 2 more do not fit");
        }
    }

    @Test
    void closedCachesRefuseForwards() {
        KvCachePool pool = new SlotKvCachePool(spec(), ops, 2, 4);
        ForwardCache rows = forward(pool.rows(0, 1));
        pool.close();
        pool.close(); // twice is harmless
        assertMessage(IllegalStateException.class, () -> pool.rows(0, 1),
                "fam: the KV cache pool is closed");
        assertMessage(IllegalStateException.class, () -> pool.copy(0, 1), "is closed");
        assertMessage(IllegalStateException.class, () -> rows.requireRoom(1), "is closed");

        UniformKvCache cache = new UniformKvCache(spec(), ops, 1, 4);
        cache.close();
        assertMessage(IllegalStateException.class, () -> cache.requireRoom(1),
                "fam: the KV cache is closed");
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** Random queries, keys and values of one sequence, every layer the same. */
    private final class Sequence {
        final int length;
        final float[] q;
        final float[] k;
        final float[] v;

        Sequence(int length) {
            this.length = length;
            q = randoms(length * HEADS * HEAD_DIM);
            k = randoms(length * KV_HEADS * HEAD_DIM);
            v = randoms(length * KV_HEADS * HEAD_DIM);
        }

        /** Plain causal attention over the whole sequence: the reference. */
        float[] attention(float scale) {
            Sequence[] one = {this};
            int[] start = {0};
            return ops.attention(batch(one, start, length, HEADS, s -> s.q),
                    batch(one, start, length, KV_HEADS, s -> s.k),
                    batch(one, start, length, KV_HEADS, s -> s.v), null,
                    new AttentionOptions(true, scale, 0)).toFloatArray();
        }
    }

    private static ForwardCache forward(KvCache cache) {
        return (ForwardCache) cache;
    }

    /** Forwards tokens {@code [from, from + count)} of {@code s} through every layer of a cache. */
    private float[] step(KvCache cache, Sequence s, int from, int count, float scale) {
        return step(cache, new Sequence[] {s}, new int[] {from}, count, scale);
    }

    /** Row r forwards tokens {@code [from[r], from[r] + count)} of {@code rows[r]}. */
    private float[] step(KvCache cache, Sequence[] rows, int[] from, int count, float scale) {
        ForwardCache forward = ForwardCache.ownedBy(cache, model, "fam");
        forward.requireRoom(count);
        Tensor q = batch(rows, from, count, HEADS, s -> s.q);
        Tensor k = batch(rows, from, count, KV_HEADS, s -> s.k);
        Tensor v = batch(rows, from, count, KV_HEADS, s -> s.v);
        Tensor mask = forward.mask(null, count);
        float[] out = null;
        for (int layer = 0; layer < LAYERS; layer++) {
            float[] attended = forward.attend(layer, q, k, v, mask, scale).toFloatArray();
            if (out != null) {
                assertArrayEquals(out, attended, "every layer holds the same keys here");
            }
            out = attended;
        }
        forward.advance(count);
        return out;
    }

    /**
     * Row r: tokens {@code [from[r], from[r] + count)} of q, k or v of {@code rows[r]}, as
     * {@code [rows, count, heads, headDim]}.
     */
    private Tensor batch(Sequence[] rows, int[] from, int count, int heads,
            Function<Sequence, float[]> part) {
        int size = heads * HEAD_DIM;
        float[] values = new float[rows.length * count * size];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(part.apply(rows[r]), from[r] * size, values, r * count * size,
                    count * size);
        }
        return ops.tensor(values, Shape.of(rows.length, count, heads, HEAD_DIM));
    }

    private float[] randoms(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static int tokenSize() {
        return HEADS * HEAD_DIM;
    }

    private static float[] token(float[] values, int index) {
        return Arrays.copyOfRange(values, index * tokenSize(), (index + 1) * tokenSize());
    }

    private static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] part : parts) {
            n += part.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static void assertClose(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": sizes");
        for (int i = 0; i < want.length; i++) {
            assertTrue(Math.abs(want[i] - got[i]) <= TOLERANCE * (1 + Math.abs(want[i])),
                    what + ": [" + i + "] " + got[i] + ", want " + want[i]);
        }
    }

    private static void assertMessage(Class<? extends Exception> type, Executable call,
            String part) {
        Exception e = assertThrows(type, call::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    @FunctionalInterface
    private interface Executable {
        void run() throws Exception;
    }
}
