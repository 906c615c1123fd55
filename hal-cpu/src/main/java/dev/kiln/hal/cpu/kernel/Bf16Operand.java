package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.SPECIES;

import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/**
 * A GEMM input stored as bfloat16: each short holds the upper 16 bits of a float32. Packing
 * widens it to float32, exactly, so the kernel and the sums are those of float32 inputs.
 */
final class Bf16Operand extends GemmOperand {

    private static final int L = SPECIES.length();

    private final short[] data;

    Bf16Operand(short[] data, int offset, int ld, boolean transposed) {
        super(offset, ld, transposed);
        this.data = Objects.requireNonNull(data, "matrix");
    }

    /** The float a bfloat16 stands for: its bits are the float's upper half. */
    static float toFloat(short bf16) {
        return Float.intBitsToFloat(bf16 << 16);
    }

    @Override
    int length() {
        return data.length;
    }

    /** Never: the micro-kernel reads floats. */
    @Override
    float[] rowsInPlace() {
        return null;
    }

    @Override
    float valueAt(int index) {
        return toFloat(data[index]);
    }

    /** As {@link F32Operand#dot}, each weight vector widened in registers as it is loaded. */
    @Override
    float dot(float[] a, int aAt, int at, int k) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (; p + 4 * L <= k; p += 4 * L) {
            s0 = widened(at + p).fma(FloatVector.fromArray(SPECIES, a, aAt + p), s0);
            s1 = widened(at + p + L).fma(FloatVector.fromArray(SPECIES, a, aAt + p + L), s1);
            s2 = widened(at + p + 2 * L).fma(FloatVector.fromArray(SPECIES, a, aAt + p + 2 * L), s2);
            s3 = widened(at + p + 3 * L).fma(FloatVector.fromArray(SPECIES, a, aAt + p + 3 * L), s3);
        }
        for (; p + L <= k; p += L) {
            s0 = widened(at + p).fma(FloatVector.fromArray(SPECIES, a, aAt + p), s0);
        }
        float d = sumOfLanes(s0.add(s1).add(s2.add(s3)));
        for (; p < k; p++) {
            d = Math.fma(a[aAt + p], toFloat(data[at + p]), d);
        }
        return d;
    }

    @Override
    void copyAlong(float scale, int at, int lines, int kc, int width, float[] dst, int to) {
        if (lines < width) {
            Arrays.fill(dst, to, to + kc * width, 0f);
        }
        for (int line = 0; line < lines; line++) {
            int from = at + line * ld();
            for (int p = 0, d = to + line; p < kc; p++, d += width) {
                dst[d] = scale * toFloat(data[from + p]);
            }
        }
    }

    @Override
    void copyAcross(float scale, int at, int count, int kc, int width, float[] dst, int to) {
        for (int p = 0; p < kc; p++, at += ld(), to += width) {
            for (int j = 0; j < count; j++) {
                dst[to + j] = scale * toFloat(data[at + j]);
            }
            for (int j = count; j < width; j++) {
                dst[to + j] = 0f;
            }
        }
    }

    /** Widening in vectors: shorts to ints (the sign extension is shifted out), then << 16. */
    @Override
    void copyAcrossFullPanel(int at, int kc, float[] dst, int to) {
        for (int p = 0; p < kc; p++, at += ld(), to += NR) {
            widen(at, dst, to);
            widen(at + L, dst, to + L);
        }
    }

    private void widen(int at, float[] dst, int to) {
        widened(at).intoArray(dst, to);
    }

    @Override
    FloatVector vectorAt(int at) {
        return widened(at);
    }

    /** L stored values from {@code at} as floats. */
    private FloatVector widened(int at) {
        return Conversions.bf16Vector(data, at);
    }
}
