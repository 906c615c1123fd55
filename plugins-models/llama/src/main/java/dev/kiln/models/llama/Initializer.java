package dev.kiln.models.llama;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/**
 * How new parameters get their first values: as transformers' {@code _init_weights} (weights
 * from N(0, initializer_range), norms one, biases zero), seeded; or not at all, for a model a
 * checkpoint is about to fill.
 */
interface Initializer {

    void normal(TensorOps ops, Tensor weight, float std);

    void ones(TensorOps ops, Tensor weight);

    /** Leaves the (zero) values for the loader to overwrite. */
    Initializer NONE = new Initializer() {
        @Override
        public void normal(TensorOps ops, Tensor weight, float std) {}

        @Override
        public void ones(TensorOps ops, Tensor weight) {}
    };

    /** Draws each tensor from its own stream, split off one seeded generator in creation order. */
    static Initializer seeded(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        return new Initializer() {
            @Override
            public void normal(TensorOps ops, Tensor weight, float std) {
                SplittableRandom random = root.split();
                fill(ops, weight, i -> (float) (random.nextGaussian() * std));
            }

            @Override
            public void ones(TensorOps ops, Tensor weight) {
                fill(ops, weight, i -> 1f);
            }

            /** Values in native memory, then converted to the weight's dtype on the device. */
            private void fill(TensorOps ops, Tensor weight, java.util.function.LongToDoubleFunction value) {
                long n = weight.shape().numel();
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment values = arena.allocate(n * Float.BYTES);
                    for (long i = 0; i < n; i++) {
                        values.setAtIndex(f32, i, (float) value.applyAsDouble(i));
                    }
                    ops.copyFrom(weight, values, DType.F32);
                }
            }
        };
    }
}
