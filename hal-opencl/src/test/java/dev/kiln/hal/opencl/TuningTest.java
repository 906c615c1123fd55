package dev.kiln.hal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class TuningTest {

    @Test
    void aGpuGetsLargeTilesThroughLocalMemory() {
        Tuning t = Tuning.forDevice(spec("GPU", 1024, 64 << 10));
        assertEquals(256, t.rowGroup());
        assertEquals(64, t.gemmTileM());
        assertEquals(256, t.gemmGroupSize());
        assertEquals(0, t.gemmColumns(), "the tiled GEMM");
        assertEquals(32, t.attentionTileFor(128));
        assertEquals(8, t.attentionTileFor(512), "halved for each doubling of the head past 128");
        assertEquals(64, t.attentionGroup());
    }

    @Test
    void aSmallGpuGetsSmallerWorkGroups() {
        Tuning t = Tuning.forDevice(spec("GPU", 128, 16 << 10));
        assertEquals(128, t.rowGroup());
        assertEquals(32, t.gemmTileM());
        assertEquals(64, t.gemmGroupSize());
        assertEquals(8, t.attentionTile(), "two tiles of 128-float rows in half the local memory");
    }

    @Test
    void aCpuDeviceGetsTheGemmWithoutLocalMemory() {
        Tuning t = Tuning.forDevice(spec("CPU", 4096, 1 << 20));
        assertEquals(Tuning.CPU_GEMM_ROWS, t.gemmColumns());
        assertEquals(16, t.attentionGroup());
    }

    @Test
    void halvingEndsAtTheSmallestSizes() {
        Tuning t = Tuning.forDevice(spec("GPU", 1024, 48 << 10));
        int steps = 0;
        for (Optional<Tuning> next = t.halved(); next.isPresent(); next = next.get().halved()) {
            assertTrue(next.get().rowGroup() <= t.rowGroup() && next.get().gemmGroupSize() <= t.gemmGroupSize());
            t = next.get();
            steps++;
        }
        assertEquals(1, t.rowGroup());
        assertEquals(8, t.gemmTileM());
        assertEquals(8, steps);
    }

    private static DeviceSpec spec(String type, int maxWorkGroup, long localMemory) {
        return new DeviceSpec(null, null, "test", "device", "vendor", "OpenCL 3.0", type, 8L << 30, 2L << 30,
                maxWorkGroup, localMemory, 8, true, null);
    }
}
