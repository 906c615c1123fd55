package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One test: operands held on both the device under test and a fresh reference device, kernel
 * calls run on both, and comparisons of what the device under test computed with what the
 * reference did (or with values a check computed, such as finite differences). Every operand
 * sits between guard elements, and every comparison also checks that the guards are intact.
 */
public final class Trial implements AutoCloseable {

    /** Guard elements after every operand; before it, {@link #GUARD_BEFORE} on every other one. */
    private static final int GUARD_AFTER = 4;
    private static final int GUARD_BEFORE = 3;
    private static final int MISMATCHES_SHOWN = 6;

    /** A kernel call, written once and run on each side. */
    @FunctionalInterface
    public interface KernelCall {
        void run(Kernels kernels, Side on);
    }

    /** A kernel call that returns a value to the host (sumOfSquares). */
    @FunctionalInterface
    public interface ScalarCall {
        double run(Kernels kernels, Side on);
    }

    /** The value each side returned. */
    public record Scalars(double expected, double actual) {}

    private final Device underTest;
    private final ReferenceDevice reference = new ReferenceDevice("reference:conformance", Long.MAX_VALUE);
    private final KitOptions options;
    private final Random random;
    private final Arena arena = Arena.ofShared();
    private final List<Twin> twins = new ArrayList<>();
    private final Side onDevice;
    private final Side onReference;

    Trial(Device underTest, KitOptions options, String name) {
        this.underTest = underTest;
        this.options = options;
        this.random = new Random(options.seed() * 1_000_003L + name.hashCode());
        this.onDevice = new Side(underTest, false);
        this.onReference = new Side(reference, true);
    }

    /** Random numbers for this test's inputs, the same every run. */
    public Random random() {
        return random;
    }

    /** An F32 operand holding {@code values}. */
    public Twin input(float[] values) {
        return input(DType.F32, values);
    }

    /** An operand of {@code dtype} holding {@code values} (rounded to the dtype). */
    public Twin input(DType dtype, float[] values) {
        return create(dtype, values, Float.NaN);
    }

    /** An I32 operand holding {@code ids}. */
    public Twin ids(int[] ids) {
        float[] values = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            values[i] = ids[i];
        }
        return create(DType.I32, values, 0);
    }

    /** An F32 output the kernel must overwrite: it holds NaN until then. */
    public Twin output(int length) {
        return output(DType.F32, length);
    }

    /** An output of {@code dtype} the kernel must overwrite: it holds NaN until then. */
    public Twin output(DType dtype, int length) {
        float[] nan = new float[length];
        Arrays.fill(nan, Float.NaN);
        return input(dtype, nan);
    }

    /** Runs the call on the reference, then on the device under test, and waits for it. */
    public void run(KernelCall call) {
        call.run(reference.kernels(), onReference);
        call.run(underTest.kernels(), onDevice);
        underTest.synchronize();
    }

    /** Runs the call on the device under test only. */
    public void runOnDevice(KernelCall call) {
        call.run(underTest.kernels(), onDevice);
        underTest.synchronize();
    }

    /** Runs a call that returns a value on both devices. */
    public Scalars evaluate(ScalarCall call) {
        double expected = call.run(reference.kernels(), onReference);
        double actual = call.run(underTest.kernels(), onDevice);
        return new Scalars(expected, actual);
    }

    /** Puts the operand's initial values back on the device under test. */
    public void restore(Twin twin) {
        upload(underTest, twin.underTest, twin.dtype(), twin.initialBuffer());
    }

    /** The operand on the device under test, now. */
    public double[] actual(Twin twin) {
        return operand(twin, download(underTest, twin.underTest, twin.dtype()));
    }

    /** The operand on the device under test must match the reference's within the tolerance. */
    public void check(String what, Twin twin, Tolerance tolerance) {
        float[] expected = download(reference, twin.reference, twin.dtype());
        float[] actual = download(underTest, twin.underTest, twin.dtype());
        StringBuilder problems = new StringBuilder();
        checkGuards(twin, expected, actual, problems);
        compare(operand(twin, expected), operand(twin, actual), scaled(tolerance), problems);
        fail(what, problems);
    }

    /** The operand on the device under test must match values the check computed. */
    public void checkAgainst(String what, Twin twin, double[] expected, Tolerance tolerance) {
        StringBuilder problems = new StringBuilder();
        compare(expected, actual(twin), scaled(tolerance), problems);
        fail(what, problems);
    }

    /** Two results of the device under test must be the same bit for bit. */
    public void checkIdentical(String what, double[] first, double[] second) {
        StringBuilder problems = new StringBuilder();
        compareArrays(first, second, Tolerance.exact(), problems, "first run", "second run");
        fail(what, problems);
    }

    public void checkValue(String what, Scalars values, Tolerance tolerance) {
        Tolerance t = scaled(tolerance);
        if (!t.accepts(0, values.expected(), values.actual())) {
            throw new AssertionError(String.format(Locale.ROOT, "%s: expected %s, got %s (tolerance %s)",
                    what, values.expected(), values.actual(), t));
        }
    }

    @Override
    public void close() {
        try {
            underTest.synchronize();
            for (Twin twin : twins) {
                twin.underTest.release();
                twin.reference.release();
            }
        } finally {
            arena.close();
        }
    }

    private Tolerance scaled(Tolerance tolerance) {
        return tolerance.isExact() ? tolerance : tolerance.times(options.toleranceScale());
    }

    private Twin create(DType dtype, float[] values, float guard) {
        int before = twins.size() % 2 == 1 ? GUARD_BEFORE : 0;
        float[] initial = new float[before + values.length + GUARD_AFTER];
        Arrays.fill(initial, guard);
        for (int i = 0; i < values.length; i++) {
            initial[before + i] = HostArrays.stored(dtype, values[i]);
        }
        DeviceBuffer onTest = underTest.allocate(dtype, initial.length);
        DeviceBuffer onRef;
        try {
            onRef = reference.allocate(dtype, initial.length);
        } catch (RuntimeException e) {
            onTest.release();
            throw e;
        }
        Twin twin = new Twin(dtype, before, values.length, initial, onTest, onRef);
        twins.add(twin);
        upload(underTest, onTest, dtype, initial);
        upload(reference, onRef, dtype, initial);
        return twin;
    }

    private void upload(Device device, DeviceBuffer buffer, DType dtype, float[] values) {
        device.upload(HostArrays.encode(arena, dtype, values), Slice.of(buffer));
    }

    private float[] download(Device device, DeviceBuffer buffer, DType dtype) {
        device.synchronize();
        MemorySegment host = arena.allocate(buffer.bytes());
        device.download(Slice.of(buffer), host);
        return HostArrays.decode(dtype, host);
    }

    private static double[] operand(Twin twin, float[] whole) {
        double[] values = new double[twin.length()];
        for (int i = 0; i < values.length; i++) {
            values[i] = whole[twin.guardBefore() + i];
        }
        return values;
    }

    /** Guards must hold what they held: a kernel wrote outside its operand otherwise. */
    private static void checkGuards(Twin twin, float[] expected, float[] actual, StringBuilder problems) {
        for (int i = 0; i < actual.length; i++) {
            boolean guard = i < twin.guardBefore() || i >= twin.guardBefore() + twin.length();
            if (guard && Float.compare(expected[i], actual[i]) != 0) {
                problems.append(String.format(Locale.ROOT,
                        "%n  wrote outside the operand: buffer element %d, a guard %s the operand, changed from %s to %s",
                        i, i < twin.guardBefore() ? "before" : "after", expected[i], actual[i]));
            }
        }
    }

    private static void compare(double[] expected, double[] actual, Tolerance tolerance,
            StringBuilder problems) {
        compareArrays(expected, actual, tolerance, problems, "expected", "got");
    }

    private static void compareArrays(double[] expected, double[] actual, Tolerance tolerance,
            StringBuilder problems, String expectedLabel, String actualLabel) {
        int mismatches = 0;
        double worstExcess = 0;
        int worst = -1;
        StringBuilder shown = new StringBuilder();
        for (int i = 0; i < expected.length; i++) {
            if (tolerance.accepts(i, expected[i], actual[i])) {
                continue;
            }
            mismatches++;
            double excess = Math.abs(actual[i] - expected[i]) / Math.max(tolerance.allowed(i, expected[i]), Double.MIN_VALUE);
            if (worst < 0 || !(excess <= worstExcess)) {
                worst = i;
                worstExcess = excess;
            }
            if (mismatches <= MISMATCHES_SHOWN) {
                shown.append(describe(i, expected, actual, tolerance, expectedLabel, actualLabel));
            }
        }
        if (mismatches > 0) {
            problems.append(String.format(Locale.ROOT, "%n  %d of %d elements differ beyond the tolerance (%s):",
                    mismatches, expected.length, tolerance)).append(shown);
            if (mismatches > MISMATCHES_SHOWN) {
                problems.append("\n  ... the worst:").append(describe(worst, expected, actual, tolerance,
                        expectedLabel, actualLabel));
            }
        }
    }

    private static String describe(int i, double[] expected, double[] actual, Tolerance tolerance,
            String expectedLabel, String actualLabel) {
        return String.format(Locale.ROOT, "%n    [%d] %s %.9g, %s %.9g (difference %.3g, allowed %.3g)", i,
                expectedLabel, expected[i], actualLabel, actual[i], Math.abs(actual[i] - expected[i]),
                tolerance.allowed(i, expected[i]));
    }

    private static void fail(String what, StringBuilder problems) {
        if (!problems.isEmpty()) {
            throw new AssertionError(what + ":" + problems);
        }
    }
}
