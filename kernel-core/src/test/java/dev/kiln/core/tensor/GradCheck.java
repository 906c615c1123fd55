package dev.kiln.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Compares the engine's gradients with central finite differences through its own forward. The
 * loss is {@code sum(f(inputs) · r)} with fixed random weights r, so every output element
 * matters; the finite differences take it in double on the host from the forward's outputs.
 */
@SuppressWarnings("try") // scopes act by being open
final class GradCheck {

    private static final double STEP = 1e-2;
    private static final double RELATIVE = 1e-2;
    private static final double ABSOLUTE = 2e-3;

    private final TensorOps ops;
    private final List<float[]> values = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private final Random random;

    GradCheck(TensorOps ops, long seed) {
        this.ops = ops;
        this.random = new Random(seed);
    }

    /** Adds an input of standard-normal values. */
    GradCheck input(int... dims) {
        Shape shape = Shape.of(dims);
        return input(random(shape.numel()), shape);
    }

    GradCheck input(float[] data, Shape shape) {
        values.add(data);
        shapes.add(shape);
        return this;
    }

    float[] random(long n) {
        float[] data = new float[(int) n];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return data;
    }

    /** Checks the gradient of every input of {@code f}. */
    void check(Function<List<Tensor>, Tensor> f) {
        try (TensorScope scope = ops.scope()) {
            List<Tensor> parameters = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                parameters.add(ops.parameter(values.get(i), shapes.get(i)));
            }
            Tensor out = f.apply(parameters);
            float[] weights = random(out.shape().numel());
            Tensor loss = ops.sum(ops.mul(out, ops.tensor(weights, out.shape())));
            loss.backward();
            for (int i = 0; i < values.size(); i++) {
                float[] analytic = parameters.get(i).grad().orElseThrow().toFloatArray();
                assertEquals(values.get(i).length, analytic.length);
                for (int j = 0; j < analytic.length; j++) {
                    double numeric = numericGradient(f, weights, i, j);
                    double tolerance = ABSOLUTE + RELATIVE * Math.max(Math.abs(numeric),
                            Math.abs(analytic[j]));
                    int input = i;
                    int element = j;
                    assertTrue(Math.abs(analytic[j] - numeric) <= tolerance,
                            () -> "input " + input + " element " + element + ": analytic "
                                    + analytic[element] + ", numeric " + numeric);
                }
            }
        }
    }

    private double numericGradient(Function<List<Tensor>, Tensor> f, float[] weights, int input,
            int element) {
        float original = values.get(input)[element];
        values.get(input)[element] = (float) (original + STEP);
        double plus = loss(f, weights);
        values.get(input)[element] = (float) (original - STEP);
        double minus = loss(f, weights);
        values.get(input)[element] = original;
        return (plus - minus) / (2 * STEP);
    }

    /** Plain tensors, so no graph is recorded; not noGrad, which would turn dropout off. */
    private double loss(Function<List<Tensor>, Tensor> f, float[] weights) {
        try (TensorScope scope = ops.scope()) {
            List<Tensor> inputs = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                inputs.add(ops.tensor(values.get(i), shapes.get(i)));
            }
            float[] out = f.apply(inputs).toFloatArray();
            double loss = 0;
            for (int i = 0; i < out.length; i++) {
                loss += (double) out[i] * weights[i];
            }
            return loss;
        }
    }
}
