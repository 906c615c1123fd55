package dev.kiln.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.tensor.TensorEngine;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // scopes act by being open
class GradClippingTest {

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());
    private final Tensor a = ops.parameter(new float[] {1, 1}, Shape.of(2));
    private final Tensor b = ops.parameter(new float[] {1, 1, 1}, Shape.of(3));
    private final Tensor unused = ops.parameter(new float[] {1}, Shape.of(1));

    /** Gives a the gradient (3, 4) and b (0, 12, 0): a global norm of sqrt(9 + 16 + 144) = 13. */
    private void backward() {
        try (TensorScope scope = ops.scope()) {
            Tensor la = ops.sum(ops.mul(a, ops.tensor(new float[] {3, 4}, Shape.of(2))));
            Tensor lb = ops.sum(ops.mul(b, ops.tensor(new float[] {0, 12, 0}, Shape.of(3))));
            ops.add(la, lb).backward();
        }
    }

    @Test
    void scalesAllGradientsTogetherToTheMaximumNorm() {
        backward();
        double norm = GradClipping.clipGlobalNorm(List.of(a, b, unused), 6.5);
        assertEquals(13, norm, 1e-9);
        float coefficient = (float) (6.5 / (13 + 1e-6));
        assertArrayEquals(new float[] {3 * coefficient, 4 * coefficient},
                a.grad().orElseThrow().toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {0, 12 * coefficient, 0},
                b.grad().orElseThrow().toFloatArray(), 1e-6f);
    }

    @Test
    void leavesGradientsUnderTheMaximumAlone() {
        backward();
        assertEquals(13, GradClipping.clipGlobalNorm(List.of(a, b), 13.5), 1e-9);
        assertArrayEquals(new float[] {3, 4}, a.grad().orElseThrow().toFloatArray());
        assertArrayEquals(new float[] {0, 12, 0}, b.grad().orElseThrow().toFloatArray());
    }

    @Test
    void noGradientsHaveNormZero() {
        assertEquals(0, GradClipping.clipGlobalNorm(List.of(a, b), 1), 0);
    }
}
