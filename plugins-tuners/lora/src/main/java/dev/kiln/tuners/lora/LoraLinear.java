package dev.kiln.tuners.lora;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.WrappedLinearLayer;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A linear layer with a LoRA adapter, as PEFT's {@code lora.Linear}:
 * {@code base(x) + dropout(x) Aᵀ Bᵀ · scaling}, A {@code [r, in]} and B {@code [out, r]}
 * whatever the base weight's layout (a Conv1D's {@code [in, out]} included: the base computes
 * its own part). The base layer is used as it is; its weights are frozen by the tuner.
 */
@SuppressWarnings("try") // the grad mode and scope act by being open
sealed class LoraLinear extends WrappedLinearLayer permits DoraLinear {

    final TensorOps ops;
    private final Tensor a;
    private final Tensor b;
    private final float scaling;
    private final float dropout;
    private final long dropoutSalt;

    /**
     * @param a {@code [r, in]}
     * @param b {@code [out, r]}
     * @param dropoutSalt makes this layer's dropout masks differ from other layers' on the same
     *     input
     */
    LoraLinear(TensorOps ops, LinearLayer base, Tensor a, Tensor b, double scaling,
            double dropout, long dropoutSalt) {
        super(base);
        int rank = a.shape().dim(0);
        if (a.shape().rank() != 2 || b.shape().rank() != 2 || a.shape().dim(1) != base.inFeatures()
                || b.shape().dim(0) != base.outFeatures() || b.shape().dim(1) != rank) {
            throw new IllegalArgumentException("LoRA: A " + a.shape() + " and B " + b.shape()
                    + " do not fit a layer of in " + base.inFeatures() + ", out "
                    + base.outFeatures() + " (A [r, in], B [out, r])");
        }
        this.ops = ops;
        this.a = a;
        this.b = b;
        this.scaling = (float) scaling;
        this.dropout = (float) dropout;
        this.dropoutSalt = dropoutSalt;
    }

    Tensor loraA() {
        return a;
    }

    Tensor loraB() {
        return b;
    }

    float scaling() {
        return scaling;
    }

    float dropoutProbability() {
        return dropout;
    }

    @Override
    public Tensor forward(Tensor x) {
        return ops.add(base().forward(x), loraOutput(dropped(x)));
    }

    /** The adapter's input: {@code x} with LoRA dropout (the identity inside noGrad). */
    Tensor dropped(Tensor x) {
        return dropout > 0 ? ops.dropout(x, dropout, dropoutSeed(x)) : x;
    }

    /** {@code input Aᵀ Bᵀ · scaling}. */
    Tensor loraOutput(Tensor input) {
        // Scaling the r-wide middle costs r, not out, multiplications per token.
        Tensor down = ops.scale(ops.linear(input, a, null), scaling);
        return ops.linear(down, b, null);
    }

    /**
     * The dropout seed, a function of the input's values: activation checkpointing runs this
     * forward again during backward on the same input, and must drop the same elements (a
     * counter would move on); a run resumed from a checkpoint sees the same inputs and draws the
     * same masks. The sum of the input is a cheap fingerprint of it.
     */
    private long dropoutSeed(Tensor x) {
        float fingerprint;
        try (GradMode off = ops.noGrad(); Tensor sum = ops.sum(x)) {
            fingerprint = sum.item();
        }
        return mix(dropoutSalt ^ Integer.toUnsignedLong(Float.floatToRawIntBits(fingerprint)));
    }

    /**
     * Adds {@code B A · scaling} to the base weight in place (transposed for an {@code [in, out]}
     * weight), as PEFT's {@code merge}; the sum is rounded once to the weight's dtype.
     */
    void mergeIntoBase() {
        writeWeight(adaptedWeight());
    }

    /**
     * {@code W + B A · scaling} in the base weight's layout ({@code [in, out]} when
     * {@link #fanInFanOut()}), as host values.
     */
    final float[] adaptedWeight() {
        Tensor weight = base().weight();
        int out = base().outFeatures();
        int in = base().inFeatures();
        float[] merged = weight.toFloatArray();
        float[] delta;
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            delta = ops.scale(ops.matmul(b, a, false), scaling).toFloatArray(); // [out, in]
        }
        if (base().fanInFanOut()) {
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    merged[i * out + o] += delta[o * in + i];
                }
            }
        } else {
            for (int k = 0; k < merged.length; k++) {
                merged[k] += delta[k];
            }
        }
        return merged;
    }

    /** Replaces the base weight's values, rounded once to its dtype. */
    final void writeWeight(float[] values) {
        ops.copyFrom(base().weight(), MemorySegment.ofArray(values), DType.F32);
    }

    @Override
    public String toString() {
        return "LoRA(r=" + a.shape().dim(0) + ", scaling=" + scaling + ", dropout=" + dropout
                + ") on " + base();
    }

    /** SplitMix64's finalizer: spreads nearby inputs over all 64 bits. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e9b5L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
