package dev.kiln.hal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OpenClBackendTest {

    private static final String NO_PLATFORM = "no OpenCL platform: the ICD loader found no driver";

    @Test
    void withoutOpenClTheBackendRegistersUnavailableAndSaysWhy() {
        OpenClBackend backend = new OpenClBackend(() -> new OpenClPlatforms.Probe(List.of(), NO_PLATFORM));
        BackendInfo info = backend.info();
        assertEquals("opencl", info.name());
        assertFalse(info.available());
        assertEquals(NO_PLATFORM, info.unavailableReason().orElseThrow());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> backend.open(0));
        assertEquals("backend 'opencl' cannot run here: " + NO_PLATFORM, e.getMessage());
    }

    @Test
    void aCpuDeviceRanksBelowTheCpuBackendAndAGpuAboveIt() {
        BackendInfo pocl = OpenClBackend.describe(probe(spec("pthread-skylake", "CPU", 16L << 30)), 0.5);
        assertTrue(pocl.available());
        assertTrue(pocl.preference() < 0, "hal-cpu (preference 0) outruns PoCL on the same cores: " + pocl.preference());
        assertEquals("pthread-skylake (CPU, Portable Computing Language)", pocl.device());
        assertEquals(8L << 30, pocl.memoryBytes(), "the share of global memory it may allocate");
        assertEquals(Set.of(DType.F32, DType.BF16, DType.F16, DType.I32), pocl.dtypes());

        BackendInfo gpu = OpenClBackend.describe(probe(spec("Radeon", "GPU", 8L << 30), spec("pthread", "CPU", 1)), 1);
        assertTrue(gpu.preference() > 0, "accelerators rank above the CPU backend");
        assertEquals("Radeon (GPU, Portable Computing Language); also opencl:1 pthread (CPU, Portable Computing Language)",
                gpu.device());
    }

    @Test
    void anIndexBeyondTheDevicesNamesThoseThereAre() {
        OpenClConformanceTest.assumeOpenCl();
        OpenClBackend backend = new OpenClBackend();
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> backend.open(7));
            assertTrue(e.getMessage().startsWith("backend 'opencl' has no device 7; it has opencl:0 "), e.getMessage());
        } finally {
            backend.deactivate();
        }
    }

    @Test
    void deviceZeroOpensOnceAndIsShared() {
        OpenClConformanceTest.assumeOpenCl();
        OpenClBackend backend = new OpenClBackend();
        try {
            assertTrue(backend.info().available(), backend.info().toString());
            Device device = backend.open(0);
            assertEquals("opencl:0", device.name());
            assertSame(device, backend.open(0));
        } finally {
            backend.deactivate();
        }
    }

    private static OpenClPlatforms.Probe probe(DeviceSpec... specs) {
        return new OpenClPlatforms.Probe(List.of(specs), null);
    }

    private static DeviceSpec spec(String name, String type, long memory) {
        return new DeviceSpec(null, null, "Portable Computing Language", name, "AuthenticAMD", "OpenCL 3.0", type,
                memory, memory / 4, 4096, 1 << 20, 2, true, null);
    }
}
