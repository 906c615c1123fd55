package dev.kiln.hal.cpu.kernel;

import static dev.kiln.hal.cpu.kernel.MicroKernel.MR;
import static dev.kiln.hal.cpu.kernel.MicroKernel.NR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

class TileGridTest {

    @Test
    void blocksCoverTheOutputExactlyOnce() {
        int[][] shapes = {{1, 1}, {1, 500}, {500, 1}, {MR, NR}, {300, 700}, {512, 2304}, {97, 3 * NR + 1}};
        for (int[] shape : shapes) {
            for (int wanted = 1; wanted <= 16; wanted++) {
                TileGrid grid = TileGrid.forBlocks(shape[0], shape[1], wanted);
                assertTrue(grid.blocks() >= 1 && grid.blocks() <= wanted, grid.toString());
                int[] covered = new int[shape[0] * shape[1]];
                for (int block = 0; block < grid.blocks(); block++) {
                    assertEquals(0, grid.rowStart(block) % MR, grid + " block " + block);
                    assertEquals(0, grid.colStart(block) % NR, grid + " block " + block);
                    for (int i = grid.rowStart(block); i < grid.rowEnd(block); i++) {
                        for (int j = grid.colStart(block); j < grid.colEnd(block); j++) {
                            covered[i * shape[1] + j]++;
                        }
                    }
                }
                for (int x = 0; x < covered.length; x++) {
                    if (covered[x] != 1) {
                        fail(grid + ": element " + x + " is in " + covered[x] + " blocks");
                    }
                }
            }
        }
    }

    @Test
    void usesEveryBlockItIsGivenWhenTheOutputIsLargeEnough() {
        assertEquals(2, TileGrid.forBlocks(2048, 2048, 2).blocks());
        assertEquals(16, TileGrid.forBlocks(2048, 2048, 16).blocks());
        assertEquals(3, TileGrid.forBlocks(1, 3 * NR, 3).blocks());
    }

    @Test
    void splitsTheLongerSideToPackLess() {
        assertEquals(1, TileGrid.forBlocks(64, 4096, 2).rows());
        assertEquals(2, TileGrid.forBlocks(4096, 64, 2).rows());
        TileGrid square = TileGrid.forBlocks(1024, 1024, 4);
        assertEquals(2, square.rows());
        assertEquals(2, square.cols());
    }
}
