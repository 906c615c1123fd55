package dev.kiln.core.tensor;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every op's gradient against central finite differences of its own forward. */
class OpGradientTest {

    private final TensorOps ops = new TensorEngine().on(new ReferenceDevice());

    private GradCheck check() {
        return new GradCheck(ops, 42);
    }

    @Test
    void addSubMulOfTheSameShape() {
        check().input(2, 3).input(2, 3).check(in -> ops.add(in.get(0), in.get(1)));
        check().input(2, 3).input(2, 3).check(in -> ops.sub(in.get(0), in.get(1)));
        check().input(2, 3).input(2, 3).check(in -> ops.mul(in.get(0), in.get(1)));
    }

    @Test
    void broadcastRowSumsItsGradientOverTheRows() {
        check().input(2, 2, 3).input(3).check(in -> ops.add(in.get(0), in.get(1)));
        check().input(2, 2, 3).input(3).check(in -> ops.sub(in.get(0), in.get(1)));
        check().input(2, 2, 3).input(3).check(in -> ops.mul(in.get(0), in.get(1)));
    }

    @Test
    void anOperandUsedTwiceGetsBothContributions() {
        check().input(2, 3).check(in -> ops.mul(in.get(0), in.get(0)));
        check().input(2, 3).check(in -> ops.add(in.get(0), ops.scale(in.get(0), 3f)));
    }

    @Test
    void scale() {
        check().input(4).check(in -> ops.scale(in.get(0), -2.5f));
    }

    @Test
    void matmulPlainBatchedSharedAndTransposed() {
        check().input(3, 4).input(4, 2).check(in -> ops.matmul(in.get(0), in.get(1), false));
        check().input(3, 4).input(2, 4).check(in -> ops.matmul(in.get(0), in.get(1), true));
        check().input(2, 3, 4).input(2, 4, 2).check(in -> ops.matmul(in.get(0), in.get(1), false));
        check().input(2, 3, 4).input(2, 2, 4).check(in -> ops.matmul(in.get(0), in.get(1), true));
        check().input(2, 3, 4).input(4, 2).check(in -> ops.matmul(in.get(0), in.get(1), false));
        check().input(2, 3, 4).input(2, 4).check(in -> ops.matmul(in.get(0), in.get(1), true));
    }

    @Test
    void linearWithAndWithoutBias() {
        check().input(2, 3, 4).input(5, 4).input(5)
                .check(in -> ops.linear(in.get(0), in.get(1), in.get(2)));
        check().input(3, 4).input(2, 4).check(in -> ops.linear(in.get(0), in.get(1), null));
    }

    @Test
    void activations() {
        check().input(2, 5).check(in -> ops.silu(in.get(0)));
        check().input(2, 5).check(in -> ops.gelu(in.get(0), false));
        check().input(2, 5).check(in -> ops.gelu(in.get(0), true));
        GradCheck relu = check();
        float[] awayFromTheKink = relu.random(10);
        for (int i = 0; i < awayFromTheKink.length; i++) {
            awayFromTheKink[i] += Math.copySign(0.1f, awayFromTheKink[i]);
        }
        relu.input(awayFromTheKink, Shape.of(2, 5)).check(in -> ops.relu(in.get(0)));
        check().input(2, 5).input(2, 5).check(in -> ops.swiglu(in.get(0), in.get(1)));
    }

    @Test
    void normalizations() {
        check().input(3, 4).input(4).check(in -> ops.rmsNorm(in.get(0), in.get(1), 1e-5f));
        check().input(3, 4).input(4).input(4)
                .check(in -> ops.layerNorm(in.get(0), in.get(1), in.get(2), 1e-5f));
        check().input(3, 4).input(4).check(in -> ops.layerNorm(in.get(0), in.get(1), null, 1e-5f));
    }

    @Test
    void softmaxAndDropout() {
        check().input(3, 5).check(in -> ops.softmax(in.get(0)));
        check().input(4, 6).check(in -> ops.dropout(in.get(0), 0.3f, 1234L));
        check().input(4, 6).check(in -> ops.dropout(in.get(0), 0f, 1234L));
    }

    @Test
    void shapeOps() {
        check().input(2, 6).check(in -> ops.reshape(in.get(0), Shape.of(3, 2, 2)));
        check().input(4, 3).check(in -> ops.narrow(in.get(0), 0, 1, 2)); // a view
        check().input(2, 3, 4).check(in -> ops.narrow(in.get(0), -1, 1, 2)); // a copy
        check().input(2, 3).input(2, 2).check(in -> ops.concat(List.of(in.get(0), in.get(1)), 1));
        check().input(2, 3).input(1, 3).check(in -> ops.concat(List.of(in.get(0), in.get(1)), 0));
        // Overlapping narrows of a reshaped parameter, concatenated: the overlap gets both.
        check().input(12).check(in -> {
            Tensor matrix = ops.reshape(in.get(0), Shape.of(3, 4));
            Tensor rows = ops.narrow(ops.narrow(matrix, 0, 1, 2), 1, 0, 2);
            Tensor columns = ops.narrow(ops.narrow(matrix, 1, 1, 3), 0, 0, 2);
            return ops.concat(List.of(rows, columns), 1);
        });
    }

    @Test
    void reductions() {
        check().input(2, 3).check(in -> ops.sum(in.get(0)));
        check().input(2, 3).check(in -> ops.mean(in.get(0)));
    }

    @Test
    void rope() {
        Tensor positions = ops.tensor(new int[] {0, 1, 2, 5, 6, 7}, Shape.of(2, 3));
        for (boolean interleaved : new boolean[] {false, true}) {
            RopeSpec spec = new RopeSpec(4, 4, 10000, interleaved, RopeSpec.Scaling.NONE);
            check().input(2, 3, 2, 4).check(in -> ops.rope(in.get(0), positions, spec));
        }
        RopeSpec partial = new RopeSpec(6, 4, 500, false, RopeSpec.Scaling.NONE);
        check().input(2, 3, 1, 6).check(in -> ops.rope(in.get(0), positions, partial));
    }

    @Test
    void attentionCausalGroupedAndMasked() {
        check().input(1, 3, 2, 4).input(1, 3, 1, 4).input(1, 3, 1, 4)
                .check(in -> ops.attention(in.get(0), in.get(1), in.get(2), null,
                        AttentionOptions.causalSelf()));
        float[] mask = {0, -1e9f, 0, 0, 0, -1e9f, -0.5f, 0, 0, 0, 0, 0};
        Tensor maskTensor = ops.tensor(mask, Shape.of(1, 3, 4));
        check().input(1, 3, 2, 2).input(1, 4, 2, 2).input(1, 4, 2, 2)
                .check(in -> ops.attention(in.get(0), in.get(1), in.get(2), maskTensor,
                        new AttentionOptions(false, 0.7f, 0)));
        check().input(2, 2, 2, 2).input(2, 4, 1, 2).input(2, 4, 1, 2)
                .check(in -> ops.attention(in.get(0), in.get(1), in.get(2), null,
                        AttentionOptions.causalFrom(2)));
    }

    @Test
    void embeddingScatterAddsRepeatedIds() {
        Tensor ids = ops.tensor(new int[] {2, 0, 2, 3}, Shape.of(2, 2));
        check().input(5, 3).check(in -> ops.embedding(in.get(0), ids));
    }

    @Test
    void crossEntropyAveragesOverTheRowsThatCount() {
        Tensor targets = ops.tensor(new int[] {1, -100, 4, 0}, Shape.of(4));
        check().input(4, 5).check(in -> ops.crossEntropy(in.get(0), targets, -100));
    }

    @Test
    void checkpointedBlock() {
        check().input(2, 4).input(3, 4).check(in -> ops.checkpoint(
                inputs -> ops.silu(ops.linear(inputs.get(0), inputs.get(1), null)), in));
    }
}
