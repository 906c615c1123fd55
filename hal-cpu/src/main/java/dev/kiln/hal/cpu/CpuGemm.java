package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.cpu.kernel.Conversions;
import dev.kiln.hal.cpu.kernel.Parallelism;
import dev.kiln.hal.cpu.kernel.Sgemm;

/**
 * gemm on {@link Sgemm}, which spreads each product over the threads itself. Sgemm reads F32 A
 * and B, and BF16 B with an F32 or BF16 A, widening BF16 as it packs; any other input (F16, or a
 * BF16 A with an F32 B) is first converted to an F32 scratch copy of the part the product reads.
 * Sgemm batches F32 products only, so BF16 batches run product by product, as do batches whose
 * products write overlapping parts of C (which the reference computes one after the other).
 */
final class CpuGemm {

    private final CpuDevice device;
    private final Blocks blocks;
    private final Parallelism parallelism;

    CpuGemm(CpuDevice device, Blocks blocks, Parallelism parallelism) {
        this.device = device;
        this.blocks = blocks;
        this.parallelism = parallelism;
    }

    /** An input as Sgemm takes it: a float[] or a short[] of BF16 bits, and where it starts. */
    private record Input(Object array, int offset) {
        boolean isBf16() {
            return array instanceof short[];
        }
    }

    void gemm(Gemm g, Slice a, Slice b, Slice c) {
        Operands op = new Operands(device, "gemm");
        long extentA = extent(g, g.transA() ? g.k() : g.m(), g.transA() ? g.m() : g.k(), g.lda(), g.strideA());
        long extentB = extent(g, g.transB() ? g.n() : g.k(), g.transB() ? g.k() : g.n(), g.ldb(), g.strideB());
        CpuBuffer bufferA = floating(op, "A", a, extentA);
        CpuBuffer bufferB = floating(op, "B", b, extentB);
        long extentC = extent(g, g.m(), g.n(), g.ldc(), g.strideC());
        float[] cs = op.f32("C", c, extentC);
        if (g.m() == 0 || g.n() == 0 || g.batch() == 0) {
            return;
        }
        Input inA = apartFrom(input(bufferA, at(a), extentA), extentA, cs, at(c), extentC);
        Input inB = apartFrom(input(bufferB, at(b), extentB), extentB, cs, at(c), extentC);
        if (inA.isBf16() && !inB.isBf16()) {
            inA = new Input(toF32(bufferA, at(a), extentA), 0); // Sgemm has no BF16 x F32 product
        }
        int strideA = stride(g, g.strideA(), extentA);
        int strideB = stride(g, g.strideB(), extentB);
        int strideC = stride(g, g.strideC(), 1);
        int cOff = at(c);
        // Products whose Cs overlap (a stride of 0 accumulates into one C) must run in turn.
        boolean csOverlap = g.batch() > 1 && g.strideC() < (long) (g.m() - 1) * g.ldc() + g.n();
        if (!inA.isBf16() && !inB.isBf16() && !csOverlap) {
            Sgemm.multiplyBatched(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(),
                    (float[]) inA.array(), inA.offset(), g.lda(), strideA,
                    (float[]) inB.array(), inB.offset(), g.ldb(), strideB,
                    g.beta(), cs, cOff, g.ldc(), strideC, g.batch(), parallelism);
            return;
        }
        // Product by product, in order: each product sees the C the ones before it left.
        for (int t = 0; t < g.batch(); t++) {
            product(g, inA, inA.offset() + t * strideA, inB, inB.offset() + t * strideB, cs, cOff + t * strideC);
        }
    }

    private void product(Gemm g, Input a, int aOff, Input b, int bOff, float[] c, int cOff) {
        if (a.isBf16()) {
            Sgemm.multiply(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(), (short[]) a.array(), aOff,
                    g.lda(), (short[]) b.array(), bOff, g.ldb(), g.beta(), c, cOff, g.ldc(), parallelism);
        } else if (b.isBf16()) {
            Sgemm.multiply(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(), (float[]) a.array(), aOff,
                    g.lda(), (short[]) b.array(), bOff, g.ldb(), g.beta(), c, cOff, g.ldc(), parallelism);
        } else {
            Sgemm.multiply(g.transA(), g.transB(), g.m(), g.n(), g.k(), g.alpha(), (float[]) a.array(), aOff,
                    g.lda(), (float[]) b.array(), bOff, g.ldb(), g.beta(), c, cOff, g.ldc(), parallelism);
        }
    }

    /** The operand as Sgemm reads it: F32 and BF16 as they are, F16 widened to an F32 copy. */
    private Input input(CpuBuffer buffer, int offset, long extent) {
        return buffer.dtype() == DType.F16 ? new Input(toF32(buffer, offset, extent), 0)
                : new Input(buffer.array(), offset);
    }

    /**
     * The input itself, or a copy where it overlaps C: Sgemm writes C while it still reads A and
     * B, and the HAL, like the reference, lets any operands alias.
     */
    private static Input apartFrom(Input in, long extent, float[] c, int cOff, long extentC) {
        boolean overlaps = in.array() == c && in.offset() < cOff + extentC && cOff < in.offset() + extent;
        if (!overlaps) {
            return in;
        }
        float[] copy = new float[(int) extent];
        System.arraycopy(c, in.offset(), copy, 0, copy.length);
        return new Input(copy, 0);
    }

    /** The {@code extent} elements from {@code offset} as floats, exactly (every 16-bit float is one). */
    private float[] toF32(CpuBuffer buffer, int offset, long extent) {
        short[] halves = (short[]) buffer.array();
        float[] floats = new float[(int) extent];
        boolean bf16 = buffer.dtype() == DType.BF16;
        blocks.elements(extent, (from, to) -> {
            if (bf16) {
                Conversions.bf16ToF32(halves, offset + from, floats, from, 0, to - from);
            } else {
                Conversions.f16ToF32(halves, offset + from, floats, from, 0, to - from);
            }
        });
        return floats;
    }

    /**
     * A batch stride as an int: one that is used lies within an array (the extent was checked);
     * one that is not (a batch of one, an operand the product does not read) is 0.
     */
    private static int stride(Gemm g, long stride, long extent) {
        return g.batch() > 1 && extent > 0 ? Math.toIntExact(stride) : 0;
    }

    private static CpuBuffer floating(Operands op, String operand, Slice slice, long n) {
        CpuBuffer buffer = op.any(operand, slice, n);
        if (!buffer.dtype().isFloatingPoint()) {
            throw op.fail(operand + " must be F32, BF16 or F16, not " + buffer.dtype());
        }
        return buffer;
    }

    /**
     * Elements a batch of stored {@code rows x cols} matrices spans from its slice (as the
     * reference counts it): 0 when it reads nothing.
     */
    private static long extent(Gemm g, int rows, int cols, int ld, long stride) {
        if (g.batch() == 0 || rows == 0 || cols == 0) {
            return 0;
        }
        return (g.batch() - 1) * stride + (long) (rows - 1) * ld + cols;
    }
}
