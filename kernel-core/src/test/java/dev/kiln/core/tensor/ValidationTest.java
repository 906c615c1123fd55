package dev.kiln.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.tensor.AttentionOptions;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad operands fail at the call, naming the op, the problem and the operands, before any kernel. */
class ValidationTest {

    private final CountingDevice device = new CountingDevice(new ReferenceDevice());
    private final TensorOps ops = new TensorEngine().on(device);

    /** Operands made so far: each is one buffer. */
    private int operands;

    private Tensor f32(int... dims) {
        operands++;
        return ops.zeros(Shape.of(dims), DType.F32);
    }

    private Tensor i32(int... dims) {
        operands++;
        return ops.zeros(Shape.of(dims), DType.I32);
    }

    /** Asserts the message, and that nothing but the operands was allocated before failing. */
    private void rejects(String message, Executable call) {
        int before = device.liveBuffers();
        int operandsBefore = operands;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertEquals(message, e.getMessage());
        assertEquals(before + operands - operandsBefore, device.liveBuffers(),
                "allocated before failing: " + message);
    }

    @Test
    void arithmetic() {
        Tensor a = f32(2, 3);
        rejects("add: b must have a's shape, or be [n] with n = a's last dim: a [2, 3] F32, b [4] F32",
                () -> ops.add(a, f32(4)));
        rejects("mul: b must be F32: a [2, 3] F32, b [2, 3] I32", () -> ops.mul(a, i32(2, 3)));
        rejects("sub: b is null: a [2, 3] F32, b null", () -> ops.sub(a, null));
    }

    @Test
    void matrices() {
        rejects("matmul: the inner dims differ: a has 3 columns, b rows 4: a [2, 3] F32, b [4, 5] F32",
                () -> ops.matmul(f32(2, 3), f32(4, 5), false));
        rejects("matmul: the leading dims of a and b differ (b may also have none):"
                        + " a [2, 2, 3] F32, b [3, 3, 4] F32",
                () -> ops.matmul(f32(2, 2, 3), f32(3, 3, 4), false));
        rejects("matmul: a and b need at least 2 dims: a [3] F32, b [3, 4] F32",
                () -> ops.matmul(f32(3), f32(3, 4), false));
        rejects("linear: weight must be [out, in] with in = x's last dim: x [2, 3] F32,"
                        + " weight [4, 5] F32, bias null",
                () -> ops.linear(f32(2, 3), f32(4, 5), null));
        rejects("linear: bias must be [out] with out = weight's first dim: x [2, 3] F32,"
                        + " weight [4, 3] F32, bias [3] F32",
                () -> ops.linear(f32(2, 3), f32(4, 3), f32(3)));
        rejects("linear: weight must be F32, BF16 or F16: x [2, 3] F32, weight [4, 3] I32, bias null",
                () -> ops.linear(f32(2, 3), i32(4, 3), null));
    }

    @Test
    void shapes() {
        rejects("reshape: cannot reshape to [4]: the element count must stay 6: x [2, 3] F32",
                () -> ops.reshape(f32(2, 3), Shape.of(4)));
        rejects("narrow: [2, 2 + 2) is outside dim 1 of size 3: x [2, 3] F32",
                () -> ops.narrow(f32(2, 3), 1, 2, 2));
        rejects("narrow: dim 2 does not exist in rank 2: x [2, 3] F32",
                () -> ops.narrow(f32(2, 3), 2, 0, 1));
        rejects("concat: the parts' shapes differ outside dim 0: parts[0] [2, 3] F32,"
                        + " parts[1] [2, 4] F32",
                () -> ops.concat(List.of(f32(2, 3), f32(2, 4)), 0));
        rejects("concat: the parts' dtypes differ: parts[0] [2, 3] F32, parts[1] [2, 3] I32",
                () -> ops.concat(List.of(f32(2, 3), i32(2, 3)), 0));
        rejects("tensor: data has 5 values but shape [2, 3] needs 6",
                () -> ops.tensor(new float[5], Shape.of(2, 3)));
    }

    @Test
    void layers() {
        rejects("rmsNorm: weight must be [n] with n = x's last dim: x [2, 3] F32, weight [4] F32",
                () -> ops.rmsNorm(f32(2, 3), f32(4), 1e-5f));
        rejects("swiglu: gate and up must have the same shape: gate [2, 3] F32, up [3, 2] F32",
                () -> ops.swiglu(f32(2, 3), f32(3, 2)));
        rejects("embedding: ids must be I32: table [10, 4] F32, ids [3] F32",
                () -> ops.embedding(f32(10, 4), f32(3)));
        rejects("crossEntropy: targets must be [n] with n = logits' rows: logits [4, 10] F32,"
                        + " targets [3] I32",
                () -> ops.crossEntropy(f32(4, 10), i32(3), -100));
        rejects("dropout: p must be in [0, 1), got 1.5: x [2] F32", () -> ops.dropout(f32(2), 1.5f, 0));
        RopeSpec spec = new RopeSpec(4, 4, 10000, false, RopeSpec.Scaling.NONE);
        rejects("rope: positions must be [batch, seq] of x [batch, seq, heads, headDim]:"
                        + " x [1, 3, 2, 4] F32, positions [3] I32",
                () -> ops.rope(f32(1, 3, 2, 4), i32(3), spec));
        rejects("rope: spec.headDim 4 differs from x's headDim: x [1, 3, 2, 8] F32,"
                        + " positions [1, 3] I32",
                () -> ops.rope(f32(1, 3, 2, 8), i32(1, 3), spec));
    }

    @Test
    void attention() {
        AttentionOptions causal = AttentionOptions.causalSelf();
        rejects("attention: q's heads 3 must be a multiple of k's kvHeads 2: q [1, 4, 3, 8] F32,"
                        + " k [1, 4, 2, 8] F32, v [1, 4, 2, 8] F32, mask null",
                () -> ops.attention(f32(1, 4, 3, 8), f32(1, 4, 2, 8), f32(1, 4, 2, 8), null, causal));
        rejects("attention: k and v must have the same shape: q [1, 4, 2, 8] F32,"
                        + " k [1, 4, 2, 8] F32, v [1, 5, 2, 8] F32, mask null",
                () -> ops.attention(f32(1, 4, 2, 8), f32(1, 4, 2, 8), f32(1, 5, 2, 8), null, causal));
        rejects("attention: mask must be [batch, seqQ, seqK]: q [1, 4, 2, 8] F32,"
                        + " k [1, 4, 2, 8] F32, v [1, 4, 2, 8] F32, mask [4, 4] F32",
                () -> ops.attention(f32(1, 4, 2, 8), f32(1, 4, 2, 8), f32(1, 4, 2, 8), f32(4, 4),
                        causal));
        rejects("attention: causal queries at positions 2..5 need keys up to there, but there are 4:"
                        + " q [1, 4, 2, 8] F32, k [1, 4, 2, 8] F32, v [1, 4, 2, 8] F32, mask null",
                () -> ops.attention(f32(1, 4, 2, 8), f32(1, 4, 2, 8), f32(1, 4, 2, 8), null,
                        AttentionOptions.causalFrom(2)));
    }

    @Test
    void operandsFromAnotherDevice() {
        TensorOps elsewhere = new TensorEngine().on(new ReferenceDevice("reference:1", 1 << 20));
        Tensor foreign = elsewhere.zeros(Shape.of(2), DType.F32);
        rejects("add: b is on reference:1, these ops run on reference:0: a [2] F32, b [2] F32",
                () -> ops.add(f32(2), foreign));
    }

    @Test
    void backwardNeedsAScalar() {
        Tensor w = ops.parameter(new float[] {1, 2}, Shape.of(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.scale(w, 2).backward());
        assertEquals("backward: needs a scalar (one element), got [2] F32", e.getMessage());
    }
}
