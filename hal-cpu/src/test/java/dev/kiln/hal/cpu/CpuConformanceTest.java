package dev.kiln.hal.cpu;

import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.HalConformanceKit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The HAL conformance kit against the CPU device: every kernel and transfer compared with the
 * reference device. The kit's operands are small, mostly below one block of work, so besides
 * one and two threads it also runs on a device whose blocks are 61 elements: that splits nearly
 * every call, and checks that the splits (row blocks, partial sums, head ranges) are right.
 */
class CpuConformanceTest {

    private static final long BUDGET = 1L << 30;

    private static final CpuDevice ONE_THREAD = new CpuDevice(1, BUDGET);
    private static final CpuDevice TWO_THREADS = new CpuDevice(2, BUDGET);
    private static final CpuDevice SMALL_BLOCKS = new CpuDevice(2, BUDGET, 61);

    @AfterAll
    static void stopThreads() {
        ONE_THREAD.close();
        TWO_THREADS.close();
        SMALL_BLOCKS.close();
    }

    @TestFactory
    Stream<DynamicTest> oneThread() {
        return kit(ONE_THREAD);
    }

    @TestFactory
    Stream<DynamicTest> twoThreads() {
        return kit(TWO_THREADS);
    }

    @TestFactory
    Stream<DynamicTest> twoThreadsInSmallBlocks() {
        return kit(SMALL_BLOCKS);
    }

    /** The kit's tests, each failure prefixed with the test's name (reports show only an index). */
    private static Stream<DynamicTest> kit(CpuDevice device) {
        return HalConformanceKit.forDevice(device).gemmInputTypes(DType.BF16, DType.F16).tests()
                .map(test -> DynamicTest.dynamicTest(test.getDisplayName(), () -> {
                    try {
                        test.getExecutable().execute();
                    } catch (AssertionError | RuntimeException e) {
                        throw new AssertionError(test.getDisplayName() + ": " + e, e);
                    }
                }));
    }
}
