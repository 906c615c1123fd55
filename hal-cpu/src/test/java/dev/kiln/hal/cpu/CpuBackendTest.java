package dev.kiln.hal.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuBackendTest {

    @Test
    void withTheVectorApiTheCpuIsAvailableAndDescribed() {
        BackendInfo info = CpuBackend.describe(new CpuProbe("AMD EPYC 9B14", "AMD", 2, 6L << 30, 512));
        assertTrue(info.available());
        assertEquals("cpu", info.name());
        assertEquals("AMD EPYC 9B14, 2 cores, 512-bit vectors", info.device());
        assertEquals("AMD", info.vendor());
        assertEquals((long) ((6L << 30) * CpuDevice.DEFAULT_MEMORY_FRACTION), info.memoryBytes(),
                "what its device may allocate");
        assertEquals(Set.of(DType.F32, DType.BF16, DType.F16, DType.I32), info.dtypes());
    }

    @Test
    void withoutTheVectorApiItIsUnavailableAndSaysWhatIsMissing() {
        BackendInfo info = CpuBackend.describe(new CpuProbe("aarch64", "Oracle", 1, 1L << 30, 0));
        assertFalse(info.available());
        assertTrue(info.unavailableReason().orElseThrow().contains("--add-modules jdk.incubator.vector"),
                info.toString());
        assertEquals("aarch64, 1 core", info.device());
    }

    @Test
    void thisJvmHasTheVectorApiAsTheBuildConfiguresIt() {
        CpuProbe probe = CpuProbe.local();
        assertTrue(probe.vectorBits() >= 128, "vector bits: " + probe.vectorBits());
        assertEquals(Runtime.getRuntime().availableProcessors(), probe.cores());
        assertTrue(new CpuBackend().info().available());
    }

    @Test
    void deviceZeroIsTheWholeCpuSharedByEveryCaller() {
        CpuBackend backend = new CpuBackend();
        try {
            Device device = backend.open(0);
            assertEquals("cpu:0", device.name());
            assertSame(device, backend.open(0));
            assertEquals(Runtime.getRuntime().availableProcessors(), ((CpuDevice) device).threads());
        } finally {
            backend.deactivate();
        }
    }

    @Test
    void anotherIndexNamesTheDeviceThereIs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend().open(1));
        assertEquals("backend 'cpu' has no device 1; it has one device, cpu:0 (all cores)", e.getMessage());
    }

    @Test
    void withoutTheVectorApiOpeningSaysWhy() {
        CpuBackend backend = new CpuBackend(new CpuProbe("aarch64", "Oracle", 1, 1L << 30, 0));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> backend.open(0));
        assertTrue(e.getMessage().startsWith("backend 'cpu' cannot run here: the Vector API is missing"),
                e.getMessage());
    }
}
