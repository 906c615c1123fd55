package dev.kiln.hal.opencl;

import static org.jocl.CL.clReleaseMemObject;

import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import org.jocl.cl_mem;

/**
 * gemm: C tiles in work-groups with A and B slices through local memory (gemm-template.cl), or
 * on CPU devices columns of C vectorized by the compiler (gemm-columns-template.cl); one kernel
 * per pair of input dtypes, the batch as the range's third dimension. A product with k = 0 still
 * runs, to write beta C.
 */
final class ClGemm {

    /** Columns of C per work item of the CPU GEMM: one float16 vector. */
    private static final int COLUMNS_PER_ITEM = 16;
    /** From how many rows of C a transposed B is written out untransposed first (below, it is read as it is). */
    private static final int TRANSPOSE_FROM_ROWS = 16;
    /** Work items per work-group of the CPU GEMM. */
    private static final int COLUMN_GROUP = 8;

    private final OpenClDevice device;

    ClGemm(OpenClDevice device) {
        this.device = device;
    }

    void gemm(Gemm g, Slice a, Slice b, Slice c) {
        Operands check = new Operands(device, "gemm");
        DType typeA = floating(check, "A", a, extent(g.batch(), g.strideA(), g.transA() ? g.k() : g.m(),
                g.transA() ? g.m() : g.k(), g.lda()));
        DType typeB = floating(check, "B", b, extent(g.batch(), g.strideB(), g.transB() ? g.n() : g.k(),
                g.transB() ? g.k() : g.n(), g.ldb()));
        check.f32("C", c, extent(g.batch(), g.strideC(), g.m(), g.n(), g.ldc()));
        Tuning t = device.tuning();
        if (t.gemmColumns() > 0) {
            columns(g, typeA, typeB, a, b, c, t.gemmColumns());
            return;
        }
        long[] group = t.gemmGroup();
        long[] global = {
            Launch.roundUp(g.n(), t.gemmTileN()) / t.gemmTileN() * group[0],
            Launch.roundUp(g.m(), t.gemmTileM()) / t.gemmTileM() * group[1],
            g.batch()};
        launch(g, KernelSources.gemmKernel(typeA, typeB, false), typeA, typeB)
                .slice(a).slice(b).slice(c).intValue(g.m()).intValue(g.n()).intValue(g.k()).intValue(g.lda())
                .intValue(g.ldb()).intValue(g.ldc()).flag(g.transA()).flag(g.transB()).floatValue(g.alpha())
                .floatValue(g.beta()).longValue(g.strideA()).longValue(g.strideB()).longValue(g.strideC())
                .run(global, group);
    }

    /**
     * The CPU GEMM. A transposed B would be read a column at a time; for products of more than a
     * few rows it is first written out transposed, as F32, so that its rows load as vectors.
     */
    private void columns(Gemm g, DType typeA, DType typeB, Slice a, Slice b, Slice c, int rowsPerItem) {
        long[] group = {COLUMN_GROUP, 1, 1};
        long[] global = {Launch.roundUp((g.n() + COLUMNS_PER_ITEM - 1) / COLUMNS_PER_ITEM, COLUMN_GROUP),
            (g.m() + rowsPerItem - 1) / rowsPerItem, g.batch()};
        boolean transpose = g.transB() && g.m() >= TRANSPOSE_FROM_ROWS && g.n() > 0 && g.k() > 0 && g.batch() > 0;
        if (!transpose) {
            launch(g, KernelSources.gemmKernel(typeA, typeB, true), typeA, typeB)
                    .slice(a).slice(b).slice(c).intValue(g.m()).intValue(g.n()).intValue(g.k()).intValue(g.lda())
                    .intValue(g.ldb()).intValue(g.ldc()).flag(g.transA()).flag(g.transB()).floatValue(g.alpha())
                    .floatValue(g.beta()).longValue(g.strideA()).longValue(g.strideB()).longValue(g.strideC())
                    .run(global, group);
            return;
        }
        int entries = g.strideB() == 0 ? 1 : g.batch();
        long entry = (long) g.k() * g.n();
        cl_mem transposed = device.scratchFloats(entries * entry);
        try {
            launch(g, "transpose_" + typeA.label() + "_" + typeB.label(), typeA, typeB).slice(b).memory(transposed)
                    .intValue(g.n()).intValue(g.k()).intValue(g.ldb()).longValue(g.strideB())
                    .run(new long[] {Launch.roundUp(g.n(), COLUMN_GROUP), g.k(), entries},
                            new long[] {COLUMN_GROUP, 1, 1});
            launch(g, KernelSources.gemmKernel(typeA, DType.F32, true), typeA, typeB)
                    .slice(a).memory(transposed).longValue(0).slice(c).intValue(g.m()).intValue(g.n()).intValue(g.k())
                    .intValue(g.lda()).intValue(g.n()).intValue(g.ldc()).flag(g.transA()).flag(false)
                    .floatValue(g.alpha()).floatValue(g.beta()).longValue(g.strideA())
                    .longValue(entries == 1 ? 0 : entry).longValue(g.strideC())
                    .run(global, group);
        } finally {
            clReleaseMemObject(transposed); // freed once the kernels have run
        }
    }

    private Launch launch(Gemm g, String kernel, DType typeA, DType typeB) {
        return new Launch(device, device.mainProgram(), kernel, () -> describe(g, typeA, typeB));
    }

    /** Elements a batch of stored {@code rows × cols} matrices spans; 0 when it reads none. */
    static long extent(int batch, long stride, int rows, int cols, int ld) {
        if (batch == 0 || rows == 0 || cols == 0) {
            return 0;
        }
        return (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }

    private static DType floating(Operands check, String operand, Slice slice, long n) {
        DType type = check.any(operand, slice, n).dtype();
        if (!KernelSources.FLOAT_TYPES.contains(type)) {
            throw check.fail(operand + " must be F32, BF16 or F16, not " + type);
        }
        return type;
    }

    private static String describe(Gemm g, DType a, DType b) {
        return "gemm " + (g.transA() ? 'T' : 'N') + (g.transB() ? 'T' : 'N') + " m=" + g.m() + " n=" + g.n()
                + " k=" + g.k() + " batch=" + g.batch() + " A " + a + " B " + b;
    }
}
