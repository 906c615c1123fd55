package dev.kiln.hal.tck.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.BackendInfo;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ReferenceDeviceTest {

    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void allocationBeyondTheLimitSaysWhatWasAskedAndWhatIsFree() {
        ReferenceDevice device = new ReferenceDevice(1000);
        DeviceBuffer first = device.allocate(DType.F32, 200); // 800 bytes
        assertEquals(200, device.freeBytes());

        DeviceMemoryException e = assertThrows(DeviceMemoryException.class, () -> device.allocate(DType.BF16, 101));
        assertEquals(202, e.requestedBytes());
        assertEquals(200, e.freeBytes());

        first.release();
        first.release(); // idempotent
        assertEquals(1000, device.freeBytes());
        device.allocate(DType.BF16, 500);
    }

    @Test
    void hugeAllocationsFailWithDeviceMemoryException() {
        ReferenceDevice device = new ReferenceDevice(Long.MAX_VALUE);
        assertThrows(DeviceMemoryException.class, () -> device.allocate(DType.F32, Long.MAX_VALUE / 2));
        assertThrows(IllegalArgumentException.class, () -> device.allocate(DType.F32, -1));
    }

    @Test
    void releasedBuffersAreRejected() {
        ReferenceDevice device = new ReferenceDevice();
        DeviceBuffer buffer = device.allocate(DType.F32, 4);
        buffer.release();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> device.kernels().fill(Slice.of(buffer), 4, 1f));
        assertTrue(e.getMessage().contains("released"), e.getMessage());
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalStateException.class, () -> device.download(Slice.of(buffer), arena.allocate(16)));
        }
    }

    @Test
    void buffersOfAnotherDeviceAreRejected() {
        ReferenceDevice one = new ReferenceDevice();
        ReferenceDevice other = new ReferenceDevice();
        DeviceBuffer foreign = other.allocate(DType.F32, 4);
        assertThrows(IllegalArgumentException.class, () -> one.kernels().fill(Slice.of(foreign), 4, 1f));
    }

    @Test
    void bf16UploadsRoundTripAndF32ConvertsToBf16RoundingToNearestEven() {
        ReferenceDevice device = new ReferenceDevice();
        DeviceBuffer f32 = device.allocate(DType.F32, 3);
        DeviceBuffer bf16 = device.allocate(DType.BF16, 3);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(12);
            // 1 + 2^-8 is halfway between bf16 1 and 1 + 2^-7: to even, 1. 1 + 3·2^-8 is halfway
            // between 1 + 2^-7 and 1 + 2^-6: to even, 1 + 2^-6. Just above halfway rounds up.
            host.setAtIndex(LE_FLOAT, 0, 1 + 0x1p-8f);
            host.setAtIndex(LE_FLOAT, 1, 1 + 3 * 0x1p-8f);
            host.setAtIndex(LE_FLOAT, 2, 1 + 0x1p-8f + 0x1p-20f);
            device.upload(host, Slice.of(f32));
            device.kernels().convert(Slice.of(f32), Slice.of(bf16), 3);
            MemorySegment back = arena.allocate(6);
            device.download(Slice.of(bf16), back);
            assertEquals((short) 0x3F80, back.getAtIndex(LE_SHORT, 0));
            assertEquals((short) 0x3F82, back.getAtIndex(LE_SHORT, 1));
            assertEquals((short) 0x3F81, back.getAtIndex(LE_SHORT, 2));
        }
    }

    @Test
    void uploadNeedsWholeElementsThatFit() {
        ReferenceDevice device = new ReferenceDevice();
        DeviceBuffer buffer = device.allocate(DType.F32, 2);
        try (Arena arena = Arena.ofConfined()) {
            assertThrows(IllegalArgumentException.class, () -> device.upload(arena.allocate(6), Slice.of(buffer)));
            assertThrows(IllegalArgumentException.class, () -> device.upload(arena.allocate(8), new Slice(buffer, 1)));
        }
    }

    @Test
    void copyRefusesToChangeTheDtype() {
        ReferenceDevice device = new ReferenceDevice();
        assertThrows(IllegalArgumentException.class, () -> device.copy(Slice.of(device.allocate(DType.F32, 2)),
                Slice.of(device.allocate(DType.F16, 2)), 2));
    }

    @Test
    void theBackendIsAlwaysAvailableNeverPreferredAndHasOneDevice() {
        ReferenceBackend backend = new ReferenceBackend(1 << 20);
        BackendInfo info = backend.info();
        assertEquals("reference", info.name());
        assertTrue(info.available());
        assertEquals(-100, info.preference());
        assertEquals(1 << 20, info.memoryBytes());
        assertSame(backend.open(0), backend.open(0));
        assertEquals("reference:0", backend.open(0).name());
        assertThrows(IllegalArgumentException.class, () -> backend.open(1));
    }
}
