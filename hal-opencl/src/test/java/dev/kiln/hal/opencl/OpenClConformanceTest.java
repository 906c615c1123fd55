package dev.kiln.hal.opencl;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.HalConformanceKit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The HAL conformance kit against OpenCL device 0 (PoCL in CI) for every dtype the backend
 * stores: F32, BF16, F16 (GEMM inputs and conversions) and I32 (transfers, ids). It runs twice:
 * with the work sizes the backend chooses for the device, and with the smallest ones, which
 * split the kit's small operands over many tiles and work-groups, where tiling goes wrong.
 * Without an OpenCL platform the tests are skipped, with the reason.
 */
class OpenClConformanceTest {

    private static final long BUDGET = 1L << 30;

    private static final OpenClPlatforms.Probe PROBE = OpenClPlatforms.probe();
    private static OpenClDevice tuned;
    private static OpenClDevice smallest;

    @AfterAll
    static void close() {
        if (tuned != null) {
            tuned.close();
        }
        if (smallest != null) {
            smallest.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> tunedForTheDevice() {
        assumeOpenCl();
        DeviceSpec spec = PROBE.devices().getFirst();
        tuned = new OpenClDevice(0, spec, Tuning.forDevice(spec), BUDGET);
        return kit(tuned);
    }

    @TestFactory
    Stream<DynamicTest> smallestWorkSizes() {
        assumeOpenCl();
        smallest = new OpenClDevice(0, PROBE.devices().getFirst(), Tuning.small(), BUDGET);
        return kit(smallest);
    }

    static void assumeOpenCl() {
        assumeTrue(PROBE.available(), () -> "no OpenCL here: " + PROBE.unavailableReason());
    }

    /** The kit's tests, each failure prefixed with the test's name (reports show only an index). */
    private static Stream<DynamicTest> kit(OpenClDevice device) {
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
