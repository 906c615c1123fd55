package dev.kiln.tuners.lora;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Arrays;
import java.util.Optional;

/**
 * A linear layer with a DoRA adapter (weight-decomposed LoRA), as PEFT's {@code lora.Linear}
 * with {@code use_dora}: the adapted weight {@code W + s·B A} is split into its row norms and
 * directions, and a trained magnitude {@code m [out]} replaces the norms:
 *
 * <pre>
 * scale = m / ||W + s·B A||_row          (the norm detached: no gradient flows through it)
 * y     = base(x) + (scale - 1) · (x' Wᵀ) + scale · (x' Aᵀ Bᵀ · s)
 * </pre>
 *
 * where {@code x'} is {@code x} after LoRA dropout, and {@code x' Wᵀ} the base layer's output
 * without its bias. So {@code y = scale · (x Wᵀ + s·x Aᵀ Bᵀ) + bias} without dropout. With
 * dropout (training) the base runs a second time on {@code x'}, as in PEFT; the second run is
 * made whenever {@code lora_dropout > 0}, inference included (where {@code x' = x}), because this
 * layer cannot tell a recording forward from an activation checkpoint's first pass.
 */
final class DoraLinear extends LoraLinear {

    private final Tensor magnitude;
    private final WeightNorms norms;

    /** @param magnitude {@code [out]}: PEFT's {@code lora_magnitude_vector} */
    DoraLinear(TensorOps ops, LinearLayer base, Tensor a, Tensor b, Tensor magnitude,
            double scaling, double dropout, long dropoutSalt) {
        super(ops, base, a, b, scaling, dropout, dropoutSalt);
        if (magnitude.shape().rank() != 1 || magnitude.shape().dim(0) != base.outFeatures()) {
            throw new IllegalArgumentException("DoRA: the magnitude " + magnitude.shape()
                    + " does not fit a layer of out " + base.outFeatures() + " ([out])");
        }
        this.magnitude = magnitude;
        this.norms = new WeightNorms(ops, base);
    }

    /**
     * The magnitude a new adapter starts with, as PEFT's {@code dora_init}: the row norms of
     * {@code W + s·B A} (of W alone when B starts at zero), so that the adapted layer starts as
     * plain LoRA would.
     */
    static float[] initialMagnitude(TensorOps ops, LinearLayer base, Tensor a, Tensor b,
            double scaling) {
        return toFloats(new WeightNorms(ops, base).of(a, b, scaling));
    }

    Tensor magnitude() {
        return magnitude;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor result = base().forward(x);
        Tensor input = dropped(x);
        Tensor lora = loraOutput(input);
        float[] inverse = toFloats(norms.of(loraA(), loraB(), scaling()));
        for (int o = 0; o < inverse.length; o++) {
            inverse[o] = 1 / inverse[o];
        }
        Shape rows = Shape.of(outFeatures());
        Tensor scale = ops.mul(magnitude, ops.tensor(inverse, rows));
        float[] ones = new float[outFeatures()];
        Arrays.fill(ones, 1f);
        Tensor scaleMinusOne = ops.sub(scale, ops.tensor(ones, rows));
        Tensor baseOutput = withoutBias(dropoutProbability() > 0 ? base().forward(input) : result);
        return ops.add(result, ops.add(ops.mul(baseOutput, scaleMinusOne), ops.mul(lora, scale)));
    }

    /**
     * {@code W ← m / ||W + s·B A||_row · (W + s·B A)}, as PEFT's merge with DoRA: the merged
     * layer computes what the adapted one computed. The norms are taken from the merged values.
     */
    @Override
    void mergeIntoBase() {
        float[] merged = adaptedWeight();
        int out = outFeatures();
        int in = inFeatures();
        double[] rowNorms = WeightNorms.of(merged, out, in, fanInFanOut());
        float[] m = magnitude.toFloatArray();
        for (int k = 0; k < merged.length; k++) {
            int o = fanInFanOut() ? k % out : k / in;
            merged[k] = (float) (merged[k] * (m[o] / rowNorms[o]));
        }
        writeWeight(merged);
    }

    private Tensor withoutBias(Tensor output) {
        Optional<Tensor> bias = base().bias();
        if (bias.isEmpty()) {
            return output;
        }
        Tensor b = bias.get();
        return ops.sub(output, b.dtype() == DType.F32 ? b : ops.to(b, DType.F32));
    }

    private static float[] toFloats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }

    @Override
    public String toString() {
        return "DoRA(r=" + loraA().shape().dim(0) + ", scaling=" + scaling() + ", dropout="
                + dropoutProbability() + ") on " + base();
    }
}
