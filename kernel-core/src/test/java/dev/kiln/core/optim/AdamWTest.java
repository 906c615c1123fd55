package dev.kiln.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // scopes act by being open
class AdamWTest {

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());

    /** Sets p.grad to exactly {@code grad}: the gradient of sum(p · grad). */
    private void setGrad(Tensor p, float[] grad) {
        p.zeroGrad();
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.mul(p, ops.tensor(grad, p.shape()))).backward();
        }
    }

    /**
     * torch.optim.AdamW.step, by hand in double: decoupled decay first, then the bias-corrected
     * Adam update {@code p -= lr/(1-b1^t) · m / (sqrt(v)/sqrt(1-b2^t) + eps)}.
     */
    private static void torchStep(double[] p, double[] m, double[] v, float[] g, double lr,
            double b1, double b2, double eps, double wd, int t) {
        for (int i = 0; i < p.length; i++) {
            p[i] *= 1 - lr * wd;
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            double denominator = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
            p[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denominator;
        }
    }

    @Test
    void matchesTorchAdamWStepByStepWithAScheduleAndGroups() {
        float[] start = {0.5f, -1.25f, 2f};
        Tensor decayed = ops.parameter(start, Shape.of(3));
        Tensor plain = ops.parameter(start, Shape.of(3));
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {-0.5f, 0.05f, 1.5f}, {0.2f, 0.2f, -0.7f}};
        double[] learningRates = {1e-2, 5e-3, 2.5e-3};
        AdamW.Settings settings = new AdamW.Settings(1e-2, 0.9, 0.99, 1e-8, 0.1);
        double[] pd = {0.5, -1.25, 2};
        double[] md = new double[3];
        double[] vd = new double[3];
        double[] pp = pd.clone();
        double[] mp = new double[3];
        double[] vp = new double[3];
        try (AdamW optimizer = new AdamW(settings)) {
            optimizer.addGroup(List.of(decayed), true).addGroup(List.of(plain), false);
            for (int t = 1; t <= grads.length; t++) {
                setGrad(decayed, grads[t - 1]);
                setGrad(plain, grads[t - 1]);
                optimizer.setLearningRate(learningRates[t - 1]);
                optimizer.step();
                torchStep(pd, md, vd, grads[t - 1], learningRates[t - 1], 0.9, 0.99, 1e-8, 0.1, t);
                torchStep(pp, mp, vp, grads[t - 1], learningRates[t - 1], 0.9, 0.99, 1e-8, 0, t);
                assertClose(pd, decayed.toFloatArray());
                assertClose(pp, plain.toFloatArray());
            }
            assertEquals(3, optimizer.steps());
            AdamW.ParameterState state = optimizer.exportState().parameters().getFirst();
            assertEquals(3, state.step());
            assertClose(md, state.m());
            assertClose(vd, state.v());
        }
    }

    /**
     * A group with a learning-rate scale is a torch parameter group whose own lr is the base
     * rate times the scale, under a scheduler that multiplies every group's lr alike (LoRA+):
     * its decay and its Adam step both use the scaled rate, step after step.
     */
    @Test
    void aGroupsLearningRateScaleMultipliesTheScheduledRate() {
        float[] start = {0.5f, -1.25f, 2f};
        Tensor fast = ops.parameter(start, Shape.of(3));
        Tensor normal = ops.parameter(start, Shape.of(3));
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {-0.5f, 0.05f, 1.5f}, {0.2f, 0.2f, -0.7f}};
        double[] learningRates = {1e-2, 5e-3, 2.5e-3};
        double ratio = 16;
        double[] pf = {0.5, -1.25, 2};
        double[] mf = new double[3];
        double[] vf = new double[3];
        double[] pn = pf.clone();
        double[] mn = new double[3];
        double[] vn = new double[3];
        try (AdamW optimizer = new AdamW(new AdamW.Settings(1e-2, 0.9, 0.99, 1e-8, 0.1))) {
            optimizer.addGroup(List.of(normal), true).addGroup(List.of(fast), true, ratio);
            for (int t = 1; t <= grads.length; t++) {
                setGrad(fast, grads[t - 1]);
                setGrad(normal, grads[t - 1]);
                optimizer.setLearningRate(learningRates[t - 1]);
                assertEquals(learningRates[t - 1] * ratio, optimizer.learningRate(fast), 0);
                assertEquals(learningRates[t - 1], optimizer.learningRate(normal), 0);
                optimizer.step();
                torchStep(pf, mf, vf, grads[t - 1], learningRates[t - 1] * ratio, 0.9, 0.99, 1e-8,
                        0.1, t);
                torchStep(pn, mn, vn, grads[t - 1], learningRates[t - 1], 0.9, 0.99, 1e-8, 0.1, t);
                assertClose(pf, fast.toFloatArray());
                assertClose(pn, normal.toFloatArray());
            }
        }
    }

    @Test
    void aScaleOfOneStepsBitForBitAsNoScale() {
        float[] grad = {0.3f, -0.01f, 2f, -7f};
        float[][] after = new float[2][];
        for (int run = 0; run < 2; run++) {
            Tensor p = ops.parameter(new float[] {0.1f, 0.2f, -0.3f, 4f}, Shape.of(4));
            try (AdamW optimizer = new AdamW(AdamW.Settings.defaults())) {
                if (run == 0) {
                    optimizer.addGroup(List.of(p), true);
                } else {
                    optimizer.addGroup(List.of(p), true, 1);
                }
                for (int t = 0; t < 3; t++) {
                    setGrad(p, grad);
                    optimizer.setLearningRate(3e-3 / (t + 1));
                    optimizer.step();
                }
            }
            after[run] = p.toFloatArray();
        }
        assertArrayEquals(after[0], after[1]);
    }

    @Test
    void aNegativeOrInfiniteScaleIsRefused() {
        Tensor p = ops.parameter(new float[] {1, 2}, Shape.of(2));
        try (AdamW optimizer = new AdamW(AdamW.Settings.defaults())) {
            for (double bad : new double[] {-1, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> optimizer.addGroup(List.of(p), true, bad));
                assertTrue(e.getMessage().contains("learning-rate scale"), e.getMessage());
            }
            assertEquals(List.of(), optimizer.parameters(), "nothing added");
        }
    }

    @Test
    void aParameterWithoutAGradientIsSkipped() {
        Tensor p = ops.parameter(new float[] {1, 2}, Shape.of(2));
        try (AdamW optimizer = new AdamW(AdamW.Settings.defaults())) {
            optimizer.addGroup(List.of(p), true);
            optimizer.step();
            assertArrayEquals(new float[] {1, 2}, p.toFloatArray());
            assertEquals(0, optimizer.exportState().parameters().getFirst().step());
        }
    }

    @Test
    void anImportedStateContinuesExactlyAsTheOriginal() {
        float[][] grads = {{1, -2, 0.5f, 0}, {0.25f, 0.5f, -1, 2}, {-0.1f, 0.3f, 0.2f, -0.4f}};
        Tensor original = ops.parameter(new float[] {0.3f, -0.7f, 1.1f, 0.01f}, Shape.of(2, 2));
        try (AdamW first = new AdamW(AdamW.Settings.defaults())) {
            first.addGroup(List.of(original), true);
            for (int t = 0; t < 2; t++) {
                setGrad(original, grads[t]);
                first.step();
            }
            // A checkpoint: the parameter's values and the optimizer's state, as host arrays.
            Tensor restored = ops.parameter(original.toFloatArray(), original.shape());
            AdamW.State state = first.exportState();
            try (AdamW second = new AdamW(AdamW.Settings.defaults())) {
                second.addGroup(List.of(restored), true);
                second.importState(state);
                assertEquals(2, second.steps());
                setGrad(original, grads[2]);
                setGrad(restored, grads[2]);
                first.step();
                second.step();
                assertArrayEquals(original.toFloatArray(), restored.toFloatArray());
            }
        }
    }

    @Test
    void badParametersAndStatesAreRejected() {
        Tensor constant = ops.tensor(new float[] {1}, Shape.of(1));
        Tensor p = ops.parameter(new float[] {1, 2}, Shape.of(2));
        try (AdamW optimizer = new AdamW(AdamW.Settings.defaults())) {
            assertThrows(IllegalArgumentException.class,
                    () -> optimizer.addGroup(List.of(constant), true));
            optimizer.addGroup(List.of(p), true);
            assertThrows(IllegalArgumentException.class, () -> optimizer.addGroup(List.of(p), false));
            IllegalArgumentException wrongSize = assertThrows(IllegalArgumentException.class,
                    () -> optimizer.importState(new AdamW.State(1, List.of(
                            new AdamW.ParameterState(1, new float[3], new float[3])))));
            assertTrue(wrongSize.getMessage().contains("has 2 elements"), wrongSize.getMessage());
        }
    }

    private static void assertClose(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])),
                    "element " + i);
        }
    }
}
