package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;

/**
 * Cuts an m x n output into {@code rows x cols} rectangular blocks, one per thread, each
 * computed start to finish by one thread. Block edges fall on whole kernel tiles, so only the
 * last block of a row or column has a ragged edge.
 *
 * <p>Each block packs its own slice of A and B, so a grid that is {@code rows} blocks high packs
 * B {@code rows} times and one {@code cols} wide packs A {@code cols} times: the grid chosen is
 * the one that packs least.
 */
record TileGrid(int m, int n, int rows, int cols) {

    /**
     * The grid of at most {@code wanted} blocks that packs least; ties go to more rows, because
     * B's common (untransposed) layout packs with plain vector copies and A's does not.
     */
    static TileGrid forBlocks(int m, int n, int wanted) {
        int rowTiles = ceilDiv(m, MR);
        int colTiles = ceilDiv(n, NR);
        for (int blocks = wanted; blocks > 1; blocks--) {
            TileGrid best = null;
            for (int rows = 1; rows <= blocks; rows++) {
                int cols = blocks / rows;
                if (rows * cols != blocks || rows > rowTiles || cols > colTiles) {
                    continue;
                }
                TileGrid grid = new TileGrid(m, n, rows, cols);
                if (best == null || grid.packing() <= best.packing()) {
                    best = grid;
                }
            }
            if (best != null) {
                return best;
            }
        }
        return new TileGrid(m, n, 1, 1);
    }

    /** Elements packed per unit of depth: A once per block column, B once per block row. */
    private long packing() {
        return (long) m * cols + (long) n * rows;
    }

    int blocks() {
        return rows * cols;
    }

    int rowStart(int block) {
        return split(block / cols, rows, m, MR);
    }

    int rowEnd(int block) {
        return split(block / cols + 1, rows, m, MR);
    }

    int colStart(int block) {
        return split(block % cols, cols, n, NR);
    }

    int colEnd(int block) {
        return split(block % cols + 1, cols, n, NR);
    }

    /** Where part {@code i} of {@code parts} starts, sharing out whole tiles as evenly as possible. */
    private static int split(int i, int parts, int size, int tile) {
        long tiles = ceilDiv(size, tile);
        return (int) Math.min(size, tiles * i / parts * tile);
    }

    private static int ceilDiv(int x, int y) {
        return (x + y - 1) / y;
    }
}
