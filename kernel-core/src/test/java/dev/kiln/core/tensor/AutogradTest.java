package dev.kiln.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Gradient bookkeeping: accumulation, grad modes, freeing, checkpoints, dtypes. */
@SuppressWarnings("try") // scopes act by being open
class AutogradTest {

    private final CountingDevice device = new CountingDevice(new ReferenceDevice());
    private final TensorOps ops = new TensorEngine().on(device);

    @Test
    void gradientsAccumulateOverBackwardCallsUntilZeroGrad() {
        Tensor w = ops.parameter(new float[] {1, 2, 3}, Shape.of(3));
        Tensor x = ops.tensor(new float[] {4, 5, 6}, Shape.of(3));
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.mul(w, x)).backward();
            assertArrayEquals(new float[] {4, 5, 6}, w.grad().orElseThrow().toFloatArray());
            ops.sum(ops.mul(w, x)).backward();
            assertArrayEquals(new float[] {8, 10, 12}, w.grad().orElseThrow().toFloatArray());
        }
        w.zeroGrad();
        assertTrue(w.grad().isEmpty());
        try (TensorScope scope = ops.scope()) {
            ops.sum(ops.scale(w, 2f)).backward();
        }
        assertArrayEquals(new float[] {2, 2, 2}, w.grad().orElseThrow().toFloatArray());
        assertFalse(x.requiresGrad());
        assertTrue(x.grad().isEmpty());
    }

    @Test
    void aTensorUsedOnManyPathsGetsTheSumOfTheirGradients() {
        Tensor w = ops.parameter(new float[] {1, -2}, Shape.of(2));
        try (TensorScope scope = ops.scope()) {
            Tensor twice = ops.add(w, w); // d/dw = 2
            Tensor squared = ops.mul(w, w); // d/dw = 2w
            ops.sum(ops.add(twice, squared)).backward();
        }
        assertArrayEquals(new float[] {4, -2}, w.grad().orElseThrow().toFloatArray());
    }

    @Test
    void noGradRecordsNothingAndKeepsNothingForBackward() {
        Tensor x = ops.parameter(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
        Tensor w = ops.parameter(new float[] {1, 1}, Shape.of(2));
        int before = device.liveBuffers();
        try (GradMode off = ops.noGrad(); TensorScope scope = ops.scope()) {
            Tensor y = ops.rmsNorm(x, w, 1e-5f);
            assertFalse(y.requiresGrad());
            assertThrows(IllegalStateException.class, () -> ops.sum(y).backward());
            // the output and the sum; no saved statistics
            assertEquals(before + 2, device.liveBuffers());
        }
        try (TensorScope scope = ops.scope()) {
            Tensor y = ops.rmsNorm(x, w, 1e-5f);
            assertTrue(y.requiresGrad());
            assertEquals(before + 2, device.liveBuffers()); // the output and the saved rstd
        }
        assertEquals(before, device.liveBuffers());
    }

    @Test
    void noGradNestsAndRestores() {
        Tensor w = ops.parameter(new float[] {1}, Shape.of(1));
        try (TensorScope scope = ops.scope()) {
            GradMode outer = ops.noGrad();
            GradMode inner = ops.noGrad();
            inner.close();
            assertFalse(ops.scale(w, 2).requiresGrad());
            outer.close();
            outer.close(); // idempotent
            assertTrue(ops.scale(w, 2).requiresGrad());
        }
    }

    @Test
    void backwardFreesTheGraphAndRefusesToRunTwice() {
        Tensor w = ops.parameter(new float[] {1, 2}, Shape.of(2));
        int before = device.liveBuffers();
        try (TensorScope scope = ops.scope()) {
            Tensor hidden = ops.silu(w);
            Tensor loss = ops.sum(ops.mul(hidden, hidden));
            int handles = device.liveBuffers() - before; // hidden, mul, loss
            loss.backward();
            // Only the handles and w's new gradient remain; the saved tensors are gone.
            assertEquals(before + handles + 1, device.liveBuffers());
            IllegalStateException twice = assertThrows(IllegalStateException.class, loss::backward);
            assertTrue(twice.getMessage().contains("already freed"), twice.getMessage());
        }
        assertEquals(before + 1, device.liveBuffers());
    }

    @Test
    void backwardFreesEachNodesSavedTensorsAsSoonAsItHasRun() {
        Tensor w = ops.parameter(new float[] {1, 2, 3}, Shape.of(3));
        try (TensorScope outer = ops.scope()) {
            Tensor loss;
            try (TensorScope chain = ops.scope()) {
                Tensor h = w;
                for (int i = 0; i < 8; i++) {
                    h = ops.silu(h);
                }
                loss = chain.keep(ops.sum(h));
            }
            // Only the graph holds the inputs of silus 2..8 now: 7 buffers.
            int atStart = device.liveBuffers();
            loss.backward();
            // The last allocation, w's gradient, came after all 7 had been freed; the seed and
            // the gradient flowing in were live.
            assertEquals(atStart - 7 + 1, device.liveAtLastAllocation());
            assertEquals(atStart - 7 + 1, device.liveBuffers());
        }
    }

    @Test
    void closingAScopeWithoutBackwardFreesTheGraph() {
        Tensor w = ops.parameter(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
        int before = device.liveBuffers();
        long bytes = device.liveBytes();
        try (TensorScope scope = ops.scope()) {
            Tensor h = ops.softmax(ops.silu(ops.matmul(w, w, true)));
            ops.mean(ops.layerNorm(h, ops.tensor(new float[] {1, 1}, Shape.of(2)), null, 1e-5f));
        }
        assertEquals(before, device.liveBuffers());
        assertEquals(bytes, device.liveBytes());
    }

    @Test
    void scopesCloseTheirTensorsNestAndKeep() {
        Tensor kept;
        Tensor inner;
        try (TensorScope outer = ops.scope()) {
            Tensor a = ops.tensor(new float[] {1, 2}, Shape.of(2));
            try (TensorScope scope = ops.scope()) {
                inner = ops.scale(a, 2f);
                kept = scope.keep(ops.scale(a, 3f));
            }
            assertThrows(IllegalStateException.class, inner::toFloatArray);
            assertArrayEquals(new float[] {3, 6}, kept.toFloatArray()); // moved to the outer scope
            Tensor survivor = outer.keep(kept);
            assertEquals(survivor, kept);
        }
        assertArrayEquals(new float[] {3, 6}, kept.toFloatArray());
        kept.close();
        kept.close(); // idempotent
        IllegalArgumentException closed = assertThrows(IllegalArgumentException.class,
                () -> ops.scale(kept, 1f));
        assertEquals("scale: x was closed: x [2] F32", closed.getMessage());
    }

    @Test
    void closingAnOuterScopeClosesTheScopesInsideIt() {
        TensorScope outer = ops.scope();
        ops.scope();
        Tensor t = ops.zeros(Shape.of(3), DType.F32);
        outer.close();
        assertThrows(IllegalStateException.class, t::toFloatArray);
        assertEquals(0, device.liveBuffers());
    }

    @Test
    void viewsShareMemoryAndKeepItAliveAfterTheBaseCloses() {
        int before = device.liveBuffers();
        Tensor base = ops.tensor(new float[] {0, 1, 2, 3, 4, 5}, Shape.of(3, 2));
        Tensor row = ops.narrow(base, 0, 1, 2);
        Tensor flat = ops.reshape(row, Shape.of(4));
        assertEquals(before + 1, device.liveBuffers());
        base.close();
        row.close();
        assertArrayEquals(new float[] {2, 3, 4, 5}, flat.toFloatArray());
        flat.close();
        assertEquals(before, device.liveBuffers());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor w = ops.parameter(new float[] {1, 2}, Shape.of(2));
        try (TensorScope scope = ops.scope()) {
            Tensor d = ops.scale(w, 2).detach();
            assertFalse(d.requiresGrad());
            ops.sum(ops.mul(w, d)).backward();
        }
        assertArrayEquals(new float[] {2, 4}, w.grad().orElseThrow().toFloatArray());
    }

    @Test
    void halfPrecisionWeightsAreConvertedInTheGemmAndGetF32Gradients() {
        float[] wValues = {0.1f, -0.37f, 1.001f, 2.5f, -0.75f, 0.3333f};
        float[] xValues = {1, 2, 3, -1, 0.5f, 4};
        Tensor w = ops.parameter(wValues, Shape.of(2, 3));
        Tensor x = ops.tensor(xValues, Shape.of(2, 3));
        try (TensorScope scope = ops.scope()) {
            Tensor w16 = ops.to(w, DType.BF16);
            assertEquals(DType.BF16, w16.dtype());
            Tensor y = ops.linear(x, w16, null);
            Tensor y32 = ops.linear(x, ops.tensor(w16.toFloatArray(), Shape.of(2, 3)), null);
            assertArrayEquals(y32.toFloatArray(), y.toFloatArray(), 1e-6f);
            ops.sum(y).backward();
        }
        Tensor grad = w.grad().orElseThrow();
        assertEquals(DType.F32, grad.dtype());
        // d sum(x wᵀ) / dw[o, i] = sum over rows of x[., i]
        assertArrayEquals(new float[] {0, 2.5f, 7, 0, 2.5f, 7}, grad.toFloatArray(), 1e-6f);
        try (TensorScope scope = ops.scope()) {
            Tensor half = ops.to(ops.tensor(new float[] {1.0009765625f}, Shape.of(1)), DType.F16);
            assertArrayEquals(new float[] {1.0009765625f}, half.toFloatArray());
            assertArrayEquals(new float[] {1f}, ops.to(half, DType.BF16).toFloatArray());
        }
    }

    @Test
    void checkpointedBlocksGiveTheGradientsOfTheDirectRun() {
        float[][] direct = trainableBlockGradients(false);
        float[][] checkpointed = trainableBlockGradients(true);
        for (int i = 0; i < direct.length; i++) {
            assertArrayEquals(direct[i], checkpointed[i], 1e-5f, "parameter " + i);
        }
    }

    @Test
    void aCheckpointWhoseInputsNeedNoGradientStillReachesItsParameters() {
        Tensor w = ops.parameter(new float[] {1, 2, 3, 4}, Shape.of(2, 2));
        Tensor x = ops.tensor(new float[] {1, 1, 0, 1}, Shape.of(2, 2));
        try (TensorScope scope = ops.scope()) {
            Tensor y = ops.checkpoint(in -> ops.matmul(in.get(0), w, false), List.of(x));
            assertTrue(y.requiresGrad());
            ops.sum(y).backward();
        }
        assertArrayEquals(new float[] {1, 1, 2, 2}, w.grad().orElseThrow().toFloatArray());
    }

    @Test
    void aCheckpointKeepsOnlyItsInputsUntilBackward() {
        Tensor w = ops.parameter(new float[] {0.5f, -1, 2, 0.25f}, Shape.of(2, 2));
        Tensor x = ops.parameter(new float[] {1, 2, 3, 4, 5, 6}, Shape.of(3, 2));
        Function<List<Tensor>, Tensor> block =
                in -> ops.silu(ops.silu(ops.silu(ops.linear(in.get(0), w, null))));
        int before = device.liveBuffers();
        try (TensorScope scope = ops.scope()) {
            Tensor y = ops.checkpoint(block, List.of(x));
            assertEquals(before + 1, device.liveBuffers()); // the output alone
            ops.sum(y).backward();
        }
        assertEquals(before + 2, device.liveBuffers()); // plus the gradients of w and x
    }

    /** A block with a captured parameter, dropout and a residual, twice; the gradients. */
    private float[][] trainableBlockGradients(boolean checkpoint) {
        GradCheck data = new GradCheck(ops, 7);
        Tensor w1 = ops.parameter(data.random(12), Shape.of(4, 3));
        Tensor b1 = ops.parameter(data.random(4), Shape.of(4));
        Tensor w2 = ops.parameter(data.random(12), Shape.of(3, 4));
        Tensor norm = ops.parameter(data.random(3), Shape.of(3));
        Tensor x = ops.parameter(data.random(6), Shape.of(2, 3));
        Function<List<Tensor>, Tensor> block = in -> {
            Tensor h = ops.gelu(ops.linear(ops.rmsNorm(in.get(0), norm, 1e-5f), w1, b1), true);
            return ops.add(in.get(0), ops.dropout(ops.linear(h, w2, null), 0.25f, 99));
        };
        try (TensorScope scope = ops.scope()) {
            Tensor h = x;
            for (int layer = 0; layer < 2; layer++) {
                h = checkpoint ? ops.checkpoint(block, List.of(h)) : block.apply(List.of(h));
            }
            ops.sum(ops.mul(h, h)).backward();
        }
        List<Tensor> parameters = List.of(w1, b1, w2, norm, x);
        float[][] grads = new float[parameters.size()][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = parameters.get(i).grad().orElseThrow().toFloatArray();
            parameters.get(i).close();
        }
        return grads;
    }
}
