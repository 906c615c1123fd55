package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.SPECIES;

import java.util.Arrays;
import java.util.Objects;
import jdk.incubator.vector.FloatVector;

/** A GEMM input stored as float32. */
final class F32Operand extends GemmOperand {

    private static final int L = SPECIES.length();

    private final float[] data;

    F32Operand(float[] data, int offset, int ld, boolean transposed) {
        super(offset, ld, transposed);
        this.data = Objects.requireNonNull(data, "matrix");
    }

    @Override
    int length() {
        return data.length;
    }

    @Override
    float[] rowsInPlace() {
        return transposed() ? null : data;
    }

    @Override
    float valueAt(int index) {
        return data[index];
    }

    @Override
    float dot(float[] a, int aAt, int at, int k) {
        FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
        int p = 0;
        for (; p + 4 * L <= k; p += 4 * L) {
            s0 = weights(at + p).fma(FloatVector.fromArray(SPECIES, a, aAt + p), s0);
            s1 = weights(at + p + L).fma(FloatVector.fromArray(SPECIES, a, aAt + p + L), s1);
            s2 = weights(at + p + 2 * L).fma(FloatVector.fromArray(SPECIES, a, aAt + p + 2 * L), s2);
            s3 = weights(at + p + 3 * L).fma(FloatVector.fromArray(SPECIES, a, aAt + p + 3 * L), s3);
        }
        for (; p + L <= k; p += L) {
            s0 = weights(at + p).fma(FloatVector.fromArray(SPECIES, a, aAt + p), s0);
        }
        float d = sumOfLanes(s0.add(s1).add(s2.add(s3)));
        for (; p < k; p++) {
            d = Math.fma(a[aAt + p], data[at + p], d);
        }
        return d;
    }

    @Override
    FloatVector vectorAt(int at) {
        return weights(at);
    }

    private FloatVector weights(int at) {
        return FloatVector.fromArray(SPECIES, data, at);
    }

    @Override
    void copyAlong(float scale, int at, int lines, int kc, int width, float[] dst, int to) {
        if (lines < width) {
            Arrays.fill(dst, to, to + kc * width, 0f);
        }
        for (int line = 0; line < lines; line++) {
            int from = at + line * ld();
            for (int p = 0, d = to + line; p < kc; p++, d += width) {
                dst[d] = scale * data[from + p];
            }
        }
    }

    @Override
    void copyAcross(float scale, int at, int count, int kc, int width, float[] dst, int to) {
        int vectors = SPECIES.loopBound(count);
        for (int p = 0; p < kc; p++, at += ld(), to += width) {
            int j = 0;
            for (; j < vectors; j += L) {
                FloatVector.fromArray(SPECIES, data, at + j).mul(scale).intoArray(dst, to + j);
            }
            for (; j < count; j++) {
                dst[to + j] = scale * data[at + j];
            }
            Arrays.fill(dst, to + count, to + width, 0f);
        }
    }

    @Override
    void copyAcrossFullPanel(int at, int kc, float[] dst, int to) {
        for (int p = 0; p < kc; p++, at += ld(), to += NR) {
            FloatVector.fromArray(SPECIES, data, at).intoArray(dst, to);
            FloatVector.fromArray(SPECIES, data, at + L).intoArray(dst, to + L);
        }
    }
}
