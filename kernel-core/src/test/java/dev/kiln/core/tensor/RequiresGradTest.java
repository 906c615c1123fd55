package dev.kiln.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import org.junit.jupiter.api.Test;

/** Freezing and unfreezing parameters, as a tuner freezes a base model under LoRA. */
@SuppressWarnings("try") // scopes act by being open
class RequiresGradTest {

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());

    @Test
    void aFrozenParameterGetsNoGradientWhileTheTrainableOneDoes() {
        Tensor frozen = ops.parameter(new float[] {1, 2}, Shape.of(2));
        Tensor trainable = ops.parameter(new float[] {3, 4}, Shape.of(2));
        frozen.setRequiresGrad(false);
        assertFalse(frozen.requiresGrad());
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.mul(frozen, trainable)).backward();
        }
        assertTrue(frozen.grad().isEmpty());
        assertArrayEquals(new float[] {1, 2}, trainable.grad().orElseThrow().toFloatArray());
    }

    @Test
    void opsOnFrozenOperandsAloneRecordNoGraph() {
        Tensor w = ops.parameter(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
        w.setRequiresGrad(false);
        try (TensorScope scope = ops.scope()) {
            Tensor y = ops.matmul(w, w, true);
            assertFalse(y.requiresGrad());
            assertThrows(IllegalStateException.class, () -> ops.sum(y).backward());
        }
    }

    @Test
    void freezingDiscardsTheGradientAndUnfreezingStartsANewAccumulation() {
        Tensor w = ops.parameter(new float[] {1, 2}, Shape.of(2));
        Tensor x = ops.tensor(new float[] {5, 6}, Shape.of(2));
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.mul(w, x)).backward();
        }
        assertArrayEquals(new float[] {5, 6}, w.grad().orElseThrow().toFloatArray());
        w.setRequiresGrad(false);
        assertTrue(w.grad().isEmpty());
        w.setRequiresGrad(true);
        assertTrue(w.requiresGrad());
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.scale(w, 3f)).backward();
        }
        assertArrayEquals(new float[] {3, 3}, w.grad().orElseThrow().toFloatArray());
    }

    @Test
    void aPlainTensorCanBeMadeTrainable() {
        Tensor x = ops.tensor(new float[] {2, 3}, Shape.of(2));
        x.setRequiresGrad(true);
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.mul(x, x)).backward();
        }
        assertArrayEquals(new float[] {4, 6}, x.grad().orElseThrow().toFloatArray());
    }

    @Test
    void aComputedTensorCannotBeFrozen() {
        Tensor w = ops.parameter(new float[] {1, 2}, Shape.of(2));
        try (TensorScope scope = ops.scope()) {
            Tensor y = ops.scale(w, 2f);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> y.setRequiresGrad(false));
            assertTrue(e.getMessage().contains("only a leaf"), e.getMessage());
            y.setRequiresGrad(true); // already so: nothing to change
        }
    }
}
