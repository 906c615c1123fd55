package dev.kiln.hal.tck;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The tolerances leave room for F32: a backend that computes the accuracy-sensitive kernels in
 * plain float arithmetic passes the kit.
 */
class PlainFloatBackendTest {

    @Test
    void aPlainFloatImplementationPassesTheKit() {
        ReferenceDevice device = new ReferenceDevice();
        Map<String, Throwable> failures = KitRuns.failures(
                new DeviceWithKernels(device, reference -> new PlainFloatKernels(device, reference)));

        assertEquals(Map.of(), failures.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue().getMessage()))));
    }
}
