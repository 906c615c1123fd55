package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked core of SGEMM: a {@link #MR} x {@link #NR} tile of C held in vector
 * registers while it sums over MR rows of A and a packed panel of B.
 *
 * <p>Why 6 rows by 2 vectors: twelve accumulators hide the FMA latency (4 cycles, 2 FMA ports
 * need at least 8 independent chains), and with the 2 B vectors and the broadcast A value that
 * is 15 registers, which fits the 16 of AVX2 as well as the 32 of AVX-512, so one kernel serves
 * both. Each step does 12 FMAs for 2 vector loads and 6 scalar broadcasts, well inside the load
 * ports' budget, and the measured loop runs at the FMA ports' peak when its panels are in L1.
 *
 * <p>A's MR rows are read where they lie, lda apart: a packed panel (see {@link GemmOperand}) or
 * float rows of the caller's matrix, which then need no packing; six broadcasts from six row
 * streams cost what six from one packed column did. B's panel holds, for each p, the NR values
 * of one row.
 */
final class MicroKernel {

    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    /** Rows of the C tile, one broadcast A value each. */
    static final int MR = 6;
    /** Columns of the C tile: two vectors. */
    static final int NR = 2 * L;

    private MicroKernel() {}

    /**
     * C[tile] += A x Bpanel over {@code kc} steps, row i of A at {@code aAt + i * lda} (a packed
     * panel, lda = kc, or the caller's own rows), or C[tile] = A x Bpanel when not
     * {@code accumulate}: then C is written without being read, so garbage in it (NaN included)
     * does not leak through. Scaling by alpha and beta happens outside, so that this method stays
     * small enough for the JIT to keep every vector in a register.
     */
    static void multiply(int kc, float[] a, int aAt, int lda, float[] b, int bAt,
                         float[] c, int cAt, int ldc, boolean accumulate) {
        int a0 = aAt, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        int r0 = cAt, r1 = r0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc, r4 = r3 + ldc, r5 = r4 + ldc;
        FloatVector c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate) {
            c00 = FloatVector.fromArray(SPECIES, c, r0);
            c01 = FloatVector.fromArray(SPECIES, c, r0 + L);
            c10 = FloatVector.fromArray(SPECIES, c, r1);
            c11 = FloatVector.fromArray(SPECIES, c, r1 + L);
            c20 = FloatVector.fromArray(SPECIES, c, r2);
            c21 = FloatVector.fromArray(SPECIES, c, r2 + L);
            c30 = FloatVector.fromArray(SPECIES, c, r3);
            c31 = FloatVector.fromArray(SPECIES, c, r3 + L);
            c40 = FloatVector.fromArray(SPECIES, c, r4);
            c41 = FloatVector.fromArray(SPECIES, c, r4 + L);
            c50 = FloatVector.fromArray(SPECIES, c, r5);
            c51 = FloatVector.fromArray(SPECIES, c, r5 + L);
        } else {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = FloatVector.zero(SPECIES);
        }
        for (int p = 0; p < kc; p++) {
            int bi = bAt + p * NR;
            FloatVector b0 = FloatVector.fromArray(SPECIES, b, bi);
            FloatVector b1 = FloatVector.fromArray(SPECIES, b, bi + L);
            FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(SPECIES, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(SPECIES, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, r0);
        c01.intoArray(c, r0 + L);
        c10.intoArray(c, r1);
        c11.intoArray(c, r1 + L);
        c20.intoArray(c, r2);
        c21.intoArray(c, r2 + L);
        c30.intoArray(c, r3);
        c31.intoArray(c, r3 + L);
        c40.intoArray(c, r4);
        c41.intoArray(c, r4 + L);
        c50.intoArray(c, r5);
        c51.intoArray(c, r5 + L);
    }
}
