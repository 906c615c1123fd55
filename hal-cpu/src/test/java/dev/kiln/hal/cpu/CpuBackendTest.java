package dev.kiln.hal.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.BackendInfo;
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
        assertEquals(6L << 30, info.memoryBytes());
        assertEquals(Set.of(DType.F32, DType.BF16, DType.F16), info.dtypes());
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
}
