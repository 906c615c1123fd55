package dev.kiln.hal.cpu;

import dev.kiln.hal.cpu.kernel.Parallelism;

/**
 * Splits a kernel's work into blocks for {@link Parallelism}. Block boundaries depend only on the
 * sizes, never on the thread count, so kernels whose blocks produce partial sums (norm weight
 * gradients, sums of squares) give the same bits on any number of threads.
 */
final class Blocks {

    /** Roughly how many elements one block touches: enough to pay for handing it to a thread. */
    static final int DEFAULT_GRAIN = 1 << 14;

    /** The most partial buffers a reduction over rows makes, which bounds its scratch. */
    static final int MAX_PARTIALS = 32;

    /** Work over a range [from, to) of elements or rows. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** Work over block {@code block}, which covers [from, to). */
    @FunctionalInterface
    interface IndexedRange {
        void run(int block, int from, int to);
    }

    private final Parallelism parallelism;
    private final int grain;

    /** @param grain elements per block; tests make it small to split even small calls */
    Blocks(Parallelism parallelism, int grain) {
        if (grain < 1) {
            throw new IllegalArgumentException("grain must be positive: " + grain);
        }
        this.parallelism = parallelism;
        this.grain = grain;
    }

    int threads() {
        return parallelism.threads();
    }

    /** Elements [0, n) in blocks of the grain. */
    void elements(long n, Range body) {
        split((int) n, grain, (block, from, to) -> body.run(from, to));
    }

    /** How many blocks {@link #indexedElements} makes. */
    int elementBlocks(long n) {
        return ceilDiv((int) n, grain);
    }

    /** Elements [0, n) in blocks of the grain, each knowing its index to write its own partial. */
    void indexedElements(long n, IndexedRange body) {
        split((int) n, grain, body);
    }

    /** Rows [0, rows) of {@code cols} elements each, about a grain of elements per block. */
    void rows(int rows, long cols, Range body) {
        split(rows, rowsPerBlock(cols), (block, from, to) -> body.run(from, to));
    }

    /** How many blocks {@link #partialRows} makes: at most {@link #MAX_PARTIALS}. */
    int partialBlocks(int rows, long cols) {
        int perBlock = Math.max(rowsPerBlock(cols), ceilDiv(rows, MAX_PARTIALS));
        return ceilDiv(rows, perBlock);
    }

    /** Rows in {@link #partialBlocks} blocks, each knowing its index to write its own partial. */
    void partialRows(int rows, long cols, IndexedRange body) {
        split(rows, Math.max(rowsPerBlock(cols), ceilDiv(rows, MAX_PARTIALS)), body);
    }

    /** Runs {@code count} independent tasks. */
    void tasks(int count, java.util.function.IntConsumer task) {
        parallelism.forEach(count, task);
    }

    private void split(int n, int perBlock, IndexedRange body) {
        if (n <= 0) {
            return;
        }
        int blocks = ceilDiv(n, perBlock);
        parallelism.forEach(blocks, block -> {
            long from = (long) block * perBlock;
            body.run(block, (int) from, (int) Math.min(n, from + perBlock));
        });
    }

    private int rowsPerBlock(long cols) {
        return (int) Math.max(1, grain / Math.max(1, cols));
    }

    static int ceilDiv(int a, int b) {
        return Math.ceilDiv(a, b);
    }
}
