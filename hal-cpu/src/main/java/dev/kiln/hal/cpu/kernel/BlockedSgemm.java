package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;

/**
 * One rectangular block of C computed by one thread, with the cache blocking of Goto's
 * algorithm: for each nc-wide slice of B and each kc-deep pass, pack that B block once, then
 * for each mc-high slice of A pack the A block (unless its rows can be read in place) and run
 * the micro-kernel over every tile.
 *
 * <p>The order of the sum over k is fixed by the kc passes alone (pass by pass, in order), never
 * by the block or the thread, so results are bit-identical however the work is split.
 */
final class BlockedSgemm {

    /**
     * Packing buffers of the thread, kept between calls so the hot loops never allocate: at most
     * (mc + nc) * kc floats, about 2.3 MiB with the default tuning, per thread that has run GEMM.
     */
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private BlockedSgemm() {}

    /** C[rows r0..r1, columns j0..j1] = alpha * op(A) op(B) + beta * C over that block. */
    static void computeBlock(GemmCall call, int aOff, int bOff, int cOff,
                             int r0, int r1, int j0, int j1, GemmTuning tuning) {
        Workspace ws = WORKSPACE.get();
        int depth = Math.min(tuning.kc(), call.k());
        float[] packedA = ws.packedA(Math.min(tuning.mc(), roundUp(r1 - r0, MR)) * depth);
        float[] packedB = ws.packedB(Math.min(tuning.nc(), roundUp(j1 - j0, NR)) * depth);
        float beta = call.beta();
        if (beta != 0f && beta != 1f) {
            scale(beta, call.c(), cOff + r0 * call.ldc() + j0, r1 - r0, j1 - j0, call.ldc());
        }
        // Unscaled float rows of A are read in place; a block with a partial panel (mc not a
        // multiple of MR) is packed instead, zero rows below its edge.
        float[] rowsOfA = call.alpha() == 1f ? call.a().rowsInPlace() : null;
        int lda = call.a().ld();
        for (int jc = j0; jc < j1; jc += tuning.nc()) {
            int nc = Math.min(tuning.nc(), j1 - jc);
            for (int pc = 0; pc < call.k(); pc += tuning.kc()) {
                int kc = Math.min(tuning.kc(), call.k() - pc);
                // Every pass adds to C but the first one when beta is 0: that one must not read C.
                boolean accumulate = pc > 0 || beta != 0f;
                call.b().packB(bOff, pc, jc, kc, nc, packedB);
                for (int ic = r0; ic < r1; ic += tuning.mc()) {
                    int mc = Math.min(tuning.mc(), r1 - ic);
                    int cAt = cOff + ic * call.ldc() + jc;
                    if (rowsOfA != null && mc % MR == 0) {
                        multiplyBlocks(mc, nc, kc, rowsOfA, aOff + ic * lda + pc, lda, packedB, accumulate,
                                call.c(), cAt, call.ldc(), ws.edgeTile);
                    } else {
                        call.a().packA(call.alpha(), aOff, ic, pc, mc, kc, packedA);
                        multiplyBlocks(mc, nc, kc, packedA, 0, kc, packedB, accumulate,
                                call.c(), cAt, call.ldc(), ws.edgeTile);
                    }
                }
            }
        }
    }

    /**
     * Every MR x NR tile of an mc x nc block of C, from a packed B block kc deep and A's rows,
     * lda apart from aAt: its own rows in place, or a packed block (lda = kc).
     */
    private static void multiplyBlocks(int mc, int nc, int kc, float[] a, int aAt, int lda, float[] packedB,
                                       boolean accumulate, float[] c, int cAt, int ldc, float[] edgeTile) {
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            int bPanel = jr * kc;
            for (int ir = 0; ir < mc; ir += MR) {
                int rows = Math.min(MR, mc - ir);
                int tile = cAt + ir * ldc + jr;
                if (rows == MR && cols == NR) {
                    MicroKernel.multiply(kc, a, aAt + ir * lda, lda, packedB, bPanel, c, tile, ldc, accumulate);
                } else {
                    MicroKernel.multiply(kc, a, aAt + ir * lda, lda, packedB, bPanel, edgeTile, 0, NR, false);
                    mergeEdgeTile(edgeTile, rows, cols, accumulate, c, tile, ldc);
                }
            }
        }
    }

    /** The part of a full tile that lies inside C, stored the way a full tile is. */
    private static void mergeEdgeTile(float[] tile, int rows, int cols, boolean accumulate,
                                      float[] c, int at, int ldc) {
        for (int i = 0; i < rows; i++, at += ldc) {
            for (int j = 0; j < cols; j++) {
                c[at + j] = accumulate ? c[at + j] + tile[i * NR + j] : tile[i * NR + j];
            }
        }
    }

    /** C = beta * C over a block, before the passes add to it. */
    private static void scale(float beta, float[] c, int at, int rows, int cols, int ldc) {
        for (int i = 0; i < rows; i++, at += ldc) {
            for (int j = at; j < at + cols; j++) {
                c[j] *= beta;
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    /** A thread's packing buffers, grown to the largest block it has packed. */
    private static final class Workspace {
        private float[] packedA = new float[0];
        private float[] packedB = new float[0];
        final float[] edgeTile = new float[MR * NR];

        float[] packedA(int size) {
            if (packedA.length < size) {
                packedA = new float[size];
            }
            return packedA;
        }

        float[] packedB(int size) {
            if (packedB.length < size) {
                packedB = new float[size];
            }
            return packedB;
        }
    }
}
