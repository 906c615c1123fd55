package dev.kiln.hal.opencl;

import java.util.Optional;

/**
 * Work-group and tile sizes, chosen per device from its limits (the largest work-group, local
 * memory) and compiled into the kernels as constants. Results depend on them only through the
 * order of float sums, and are the same for every run with one tuning.
 *
 * @param rowGroup work items per row of the row kernels (norms, softmax, losses, reductions),
 *     a power of two
 * @param elementGroup work items per work-group of the elementwise kernels
 * @param gemmTileM rows of C per GEMM work-group
 * @param gemmTileN columns of C per GEMM work-group
 * @param gemmTileK the depth of the A and B slices held in local memory
 * @param gemmWorkM rows of C per work item (divides gemmTileM)
 * @param gemmWorkN columns of C per work item (divides gemmTileN)
 * @param gemmColumns rows of C per work item of the GEMM for CPU devices, which runs without
 *     local memory; 0 for the tiled GEMM
 * @param attentionTile keys (forward, dq) or queries (dk, dv) per local-memory tile, for a
 *     head of 128 or fewer (halved for each doubling of the head beyond)
 * @param attentionGroup queries (or keys) per attention work-group, at most
 * @param reductionGroups work-groups of sumOfSquares, at most
 */
record Tuning(int rowGroup, int elementGroup, int gemmTileM, int gemmTileN, int gemmTileK, int gemmWorkM,
        int gemmWorkN, int gemmColumns, int attentionTile, int attentionGroup, int reductionGroups) {

    Tuning {
        requirePowerOfTwo("rowGroup", rowGroup);
        requirePowerOfTwo("attentionTile", attentionTile);
        if (gemmTileM % gemmWorkM != 0 || gemmTileN % gemmWorkN != 0) {
            throw new IllegalArgumentException("opencl: GEMM tiles " + gemmTileM + "x" + gemmTileN
                    + " are not multiples of the work per item " + gemmWorkM + "x" + gemmWorkN);
        }
        if (elementGroup < 1 || attentionGroup < 1 || reductionGroups < 1 || gemmTileK < 1 || gemmColumns < 0) {
            throw new IllegalArgumentException("opencl: work sizes must be positive: " + this);
        }
    }

    /** Rows of C per work item of the GEMM on CPU devices. */
    static final int CPU_GEMM_ROWS = 4;

    /** Sizes for a device with these limits. */
    static Tuning forDevice(DeviceSpec device) {
        int maxGroup = device.maxWorkGroupSize();
        long local = device.localMemoryBytes();
        int rowGroup = floorPowerOfTwo(Math.min(256, maxGroup));
        int elementGroup = floorPowerOfTwo(Math.min(256, maxGroup));
        // GEMM: on a CPU, CPU_GEMM_ROWS rows by 16 columns of C per work item in vector registers
        // (local memory there is ordinary memory, barriers are costly).
        // Elsewhere 64x64 tiles of C with 4x4 per item (16x16 work items) where the device allows
        // 256 work items and 8 KiB of local memory, 32x32 (8x8 items) otherwise.
        int columns = device.isCpu() ? CPU_GEMM_ROWS : 0;
        boolean large = maxGroup >= 256 && local >= 2L * 16 * 64 * Float.BYTES;
        int tile = large ? 64 : maxGroup >= 64 ? 32 : 8;
        int work = tile == 8 ? 2 : 4;
        int tileK = tile == 8 ? 4 : 16;
        // Attention: two tiles of keys, up to 128 floats each, in at most half the local memory.
        int attentionTile = 32;
        while (attentionTile > 1 && 2L * attentionTile * 128 * Float.BYTES > local / 2) {
            attentionTile /= 2;
        }
        int attentionGroup = floorPowerOfTwo(Math.min(device.isCpu() ? 16 : 64, maxGroup));
        int reductionGroups = Math.max(1, Math.min(256, device.computeUnits() * 4));
        return new Tuning(rowGroup, elementGroup, tile, tile, tileK, work, work, columns, attentionTile,
                attentionGroup, reductionGroups);
    }

    /**
     * The smallest sizes, for tests: the conformance kit's small operands then span many tiles,
     * work-groups and partial tiles, which is where tiling goes wrong.
     */
    static Tuning small() {
        return new Tuning(4, 8, 8, 8, 4, 2, 2, 0, 4, 4, 3);
    }

    /**
     * Smaller work-groups, for a driver whose compiled kernels cannot run with these (a kernel's
     * limit may be below the device's, for the registers it needs); empty when there are none.
     */
    Optional<Tuning> halved() {
        boolean gemmCanShrink = gemmColumns == 0 && gemmTileM > 8;
        if (rowGroup == 1 && !gemmCanShrink) {
            return Optional.empty();
        }
        int tile = gemmCanShrink ? gemmTileM / 2 : gemmTileM;
        int work = gemmCanShrink ? Math.min(gemmWorkM, tile / 4) : gemmWorkM;
        return Optional.of(new Tuning(Math.max(1, rowGroup / 2), elementGroup, tile, tile,
                gemmCanShrink ? Math.min(gemmTileK, tile) : gemmTileK, work, work, gemmColumns, attentionTile,
                attentionGroup, reductionGroups));
    }

    /** Work items of one work-group of the tiled GEMM. */
    int gemmGroupSize() {
        return (gemmTileN / gemmWorkN) * (gemmTileM / gemmWorkM);
    }

    /** The preprocessor definitions of the main program. */
    String defines() {
        return "-DRWG=" + rowGroup + " -DTSM=" + gemmTileM + " -DTSN=" + gemmTileN + " -DTSK=" + gemmTileK
                + " -DWPTM=" + gemmWorkM + " -DWPTN=" + gemmWorkN + " -DCWPT=" + Math.max(1, gemmColumns);
    }

    /** The GEMM work-group: (columns, rows) of work items. */
    long[] gemmGroup() {
        return new long[] {gemmTileN / gemmWorkN, gemmTileM / gemmWorkM, 1};
    }

    /** Keys per tile for a head held in {@code headCapacity} floats. */
    int attentionTileFor(int headCapacity) {
        int rows = attentionTile;
        for (int capacity = headCapacity; capacity > 128 && rows > 1; capacity /= 2) {
            rows /= 2;
        }
        return rows;
    }

    static int floorPowerOfTwo(int value) {
        return Integer.highestOneBit(Math.max(1, value));
    }

    private static void requirePowerOfTwo(String name, int value) {
        if (value < 1 || Integer.bitCount(value) != 1) {
            throw new IllegalArgumentException("opencl: " + name + " must be a power of two: " + value);
        }
    }
}
