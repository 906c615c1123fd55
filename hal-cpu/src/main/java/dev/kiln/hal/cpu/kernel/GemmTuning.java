package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;

/**
 * How SGEMM cuts its work for the caches and the threads.
 *
 * <p>{@code kc} is the depth of one pass: a B panel (kc x NR) stays in L1 while the kernel runs
 * down the A block. {@code mc} rows of A by kc (the packed A block) stay in L2. {@code nc}
 * columns of B by kc (the packed B block) stay in L3. {@code minMacsPerBlock} keeps small
 * products on fewer threads: below it a block is not worth waking a thread for.
 *
 * @param mc rows of the packed A block, a multiple of {@link MicroKernel#MR}
 * @param kc depth of the packed blocks
 * @param nc columns of the packed B block, a multiple of {@link MicroKernel#NR}
 * @param minMacsPerBlock the least multiply-adds worth giving a thread
 */
record GemmTuning(int mc, int kc, int nc, long minMacsPerBlock) {

    /**
     * Picked on an AVX-512 Zen 5 (48 KiB L1d, 1 MiB L2 per core), where one thread runs at about
     * 85-90% of the FMA peak with mc 120-480 and kc 256-512 alike (a 32 KiB B panel in L1); the
     * sizes also suit AVX2 parts, whose B panel is half as wide.
     */
    static final GemmTuning DEFAULT = new GemmTuning(240, 256, 2048, 1L << 20);

    GemmTuning {
        if (mc < MR || mc % MR != 0 || kc < 1 || nc < NR || nc % NR != 0 || minMacsPerBlock < 1) {
            throw new IllegalArgumentException("bad GEMM tuning " + mc + "/" + kc + "/" + nc
                    + "/" + minMacsPerBlock + " for a " + MR + "x" + NR + " kernel");
        }
    }
}
