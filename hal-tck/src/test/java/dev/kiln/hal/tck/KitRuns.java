package dev.kiln.hal.tck;

import dev.kiln.api.backend.Device;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.DynamicTest;

/** Runs the kit outside JUnit's engine, to look at which tests fail. */
final class KitRuns {

    private KitRuns() {}

    /** The failures of the kit against {@code device}: test name to what went wrong. */
    static Map<String, Throwable> failures(Device device) {
        Map<String, Throwable> failures = new TreeMap<>();
        HalConformanceKit.forDevice(device).tests().forEach(test -> run(test, failures));
        return failures;
    }

    /** The kernel a test checks: the first word of its name. */
    static String kernelOf(String testName) {
        int space = testName.indexOf(' ');
        return space < 0 ? testName : testName.substring(0, space);
    }

    private static void run(DynamicTest test, Map<String, Throwable> failures) {
        try {
            test.getExecutable().execute();
        } catch (Throwable failure) {
            failures.put(test.getDisplayName(), failure);
        }
    }
}
