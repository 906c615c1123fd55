package dev.kiln.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.cpu.CpuDevice;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Moves between two different devices: the scalar reference and the CPU backend. */
class MovableDeviceTest {

    private final ReferenceDevice reference = new ReferenceDevice();
    private final CpuDevice cpu = new CpuDevice(2);

    @AfterEach
    void stop() {
        cpu.close();
    }

    @Test
    void buffersKeepTheirValuesAndKernelsFollowTheMove() {
        MovableDevice device = new MovableDevice(reference);
        DeviceBuffer x = device.allocate(DType.F32, 5);
        DeviceBuffer ids = device.allocate(DType.I32, 3);
        upload(device, x, 1f, -2f, 3.5f, 0.25f, 8f);
        device.upload(MemorySegment.ofArray(new int[] {7, -1, 42}), Slice.of(ids));

        DeviceMove move = device.moveTo(cpu);
        assertSame(cpu, device.current());
        assertEquals("cpu:0", device.name());
        assertEquals(new DeviceMove("reference:0", "cpu:0", 2, 5 * 4 + 3 * 4, move.took(), move.at()), move);
        assertTrue(x.toString().contains("on cpu:0"), x.toString());
        device.kernels().scale(Slice.of(x), Slice.of(x), 5, 2f); // runs on the CPU's buffers
        assertArrayEquals(new float[] {2f, -4f, 7f, 0.5f, 16f}, download(device, x));

        device.moveTo(reference);
        assertArrayEquals(new float[] {2f, -4f, 7f, 0.5f, 16f}, download(device, x));
        int[] back = new int[3];
        device.download(Slice.of(ids), MemorySegment.ofArray(back));
        assertArrayEquals(new int[] {7, -1, 42}, back);
        assertEquals(2, device.moves().size());
        assertEquals(0, cpu.memoryBudget() - cpu.freeBytes(), "the CPU copies were given back");
    }

    @Test
    void releasedBuffersStayBehind() {
        MovableDevice device = new MovableDevice(reference);
        DeviceBuffer kept = device.allocate(DType.F32, 4);
        DeviceBuffer dropped = device.allocate(DType.F32, 4);
        dropped.release();
        dropped.release();
        assertEquals(1, device.liveBuffers());
        assertEquals(1, device.moveTo(cpu).buffers());
        assertTrue(dropped.isReleased());
        assertTrue(!kept.isReleased());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> device.kernels().fill(Slice.of(dropped), 4, 0f));
        assertTrue(e.getMessage().startsWith("a released buffer was used"), e.getMessage());
    }

    @Test
    void aMoveTheTargetCannotHoldMovesNothing() {
        MovableDevice device = new MovableDevice(reference);
        DeviceBuffer small = device.allocate(DType.F32, 2);
        DeviceBuffer large = device.allocate(DType.F32, 100);
        upload(device, small, 1f, 2f);
        ReferenceDevice tiny = new ReferenceDevice("tiny:0", 64);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> device.moveTo(tiny));
        assertTrue(e.getMessage().startsWith("moving 2 buffers from reference:0 to tiny:0 failed, so nothing moved: "
                + "tiny:0: out of memory"), e.getMessage());
        assertSame(reference, device.current());
        assertEquals(64, tiny.freeBytes(), "the copies made before the failure were released");
        assertArrayEquals(new float[] {1f, 2f}, download(device, small));
        device.kernels().fill(Slice.of(large), 100, 1f); // still usable where it was
        assertEquals(0, device.moves().size());
    }

    @Test
    void kernelCallsDuringMovesLoseNoUpdate() throws Exception {
        MovableDevice device = new MovableDevice(reference);
        int n = 257;
        int calls = 600;
        DeviceBuffer ones = device.allocate(DType.F32, n);
        DeviceBuffer sum = device.allocate(DType.F32, n);
        device.kernels().fill(Slice.of(ones), n, 1f);
        device.kernels().fill(Slice.of(sum), n, 0f);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = Thread.ofPlatform().start(() -> {
            try {
                for (int i = 0; i < calls; i++) {
                    device.kernels().axpy(1f, Slice.of(ones), Slice.of(sum), n);
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        int moves = 0;
        while (worker.isAlive()) {
            device.moveTo(moves++ % 2 == 0 ? cpu : reference);
        }
        worker.join();
        if (failure.get() != null) {
            throw new AssertionError("a kernel call failed during the moves", failure.get());
        }
        assertTrue(moves >= 2, "moves made: " + moves);
        float[] expected = new float[n];
        java.util.Arrays.fill(expected, calls);
        assertArrayEquals(expected, download(device, sum), "every axpy landed on the memory that moved on");
    }

    private static void upload(Device device, DeviceBuffer buffer, float... values) {
        device.upload(MemorySegment.ofArray(values), Slice.of(buffer));
    }

    private static float[] download(Device device, DeviceBuffer buffer) {
        MemorySegment host = MemorySegment.ofArray(new float[(int) buffer.elements()]);
        device.download(Slice.of(buffer), host);
        return host.toArray(ValueLayout.JAVA_FLOAT);
    }
}
