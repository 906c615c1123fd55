package dev.kiln.hal.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The device's memory accounting, transfers and the up-front checks every kernel makes. */
class CpuDeviceTest {

    private static final long MIB = 1 << 20;

    private final CpuDevice device = new CpuDevice(2, MIB);

    @AfterEach
    void stopThreads() {
        device.close();
    }

    @Test
    void anAllocationBeyondTheBudgetSaysHowMuchWasAskedAndHowMuchIsFree() {
        DeviceBuffer held = device.allocate(DType.F32, 65_536); // a quarter of the budget
        assertEquals(MIB - 262_144, device.freeBytes());
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                () -> device.allocate(DType.BF16, 400_000));
        assertEquals(800_000, e.requestedBytes());
        assertEquals(MIB - 262_144, e.freeBytes());
        assertEquals("cpu:0: out of memory: asked for 800000 bytes, 786432 bytes free", e.getMessage());
        held.release();
        held.release(); // idempotent: counted back once
        assertEquals(MIB, device.freeBytes());
        assertEquals(800_000, device.allocate(DType.BF16, 400_000).bytes(), "fits once the memory is back");
    }

    @Test
    void aReleasedBufferOfTheSameSizeIsReusedAndItsHandleStaysDead() {
        DeviceBuffer first = device.allocate(DType.F32, 10_000);
        Object array = ((CpuBuffer) first).array();
        first.release();
        assertEquals(40_000, device.pooledBytes());
        assertEquals(MIB, device.freeBytes(), "pooled memory counts as free");
        DeviceBuffer again = device.allocate(DType.F32, 10_000);
        assertSame(array, ((CpuBuffer) again).array());
        assertEquals(0, device.pooledBytes());
        assertThrows(IllegalStateException.class,
                () -> device.kernels().fill(Slice.of(first), 1, 0f), "the released handle stays released");
        DeviceBuffer otherType = device.allocate(DType.I32, 10_000);
        assertNotSame(array, ((CpuBuffer) otherType).array());
    }

    @Test
    void thePoolGivesWayToAnAllocationThatNeedsItsMemory() {
        device.allocate(DType.F32, 50_000).release(); // 200 kB pooled, under a quarter of the budget
        assertEquals(200_000, device.pooledBytes());
        DeviceBuffer big = device.allocate(DType.F32, 220_000); // 880 kB: with the pool, past the budget
        assertEquals(0, device.pooledBytes(), "emptied so that buffers and pool stay within the budget");
        big.release();
        assertEquals(0, device.pooledBytes(), "more than a quarter of the budget is not kept");
    }

    @Test
    void anArrayTheHeapCannotHoldIsADeviceMemoryException() {
        long heap = Runtime.getRuntime().maxMemory();
        assumeTrue(heap < 8L << 30, "the heap could hold the largest float array");
        try (CpuDevice unlimited = new CpuDevice(1, Long.MAX_VALUE)) {
            long elements = Integer.MAX_VALUE - 8;
            DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                    () -> unlimited.allocate(DType.F32, elements));
            assertEquals(elements * 4, e.requestedBytes());
            assertEquals(Long.MAX_VALUE, unlimited.freeBytes(), "the failed allocation is not counted");
        }
    }

    @Test
    void onlyTheStoredDtypesAreAllocated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> device.allocate(DType.I64, 4));
        assertTrue(e.getMessage().contains("does not store I64"), e.getMessage());
        for (DType dtype : CpuDevice.STORED) {
            assertEquals(4L * dtype.byteSize(), device.allocate(dtype, 4).bytes());
        }
    }

    @Test
    void aReleasedBufferIsRejectedByTransfersAndKernels() {
        DeviceBuffer buffer = device.allocate(DType.F32, 8);
        DeviceBuffer other = device.allocate(DType.F32, 8);
        Slice slice = Slice.of(buffer);
        buffer.release();
        assertTrue(buffer.isReleased());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(32);
            assertRejected(IllegalStateException.class, "upload: destination was released",
                    () -> device.upload(host, slice));
            assertRejected(IllegalStateException.class, "download: source was released",
                    () -> device.download(slice, host));
        }
        assertRejected(IllegalStateException.class, "copy: destination was released",
                () -> device.copy(Slice.of(other), slice, 8));
        assertRejected(IllegalStateException.class, "scale: x was released",
                () -> device.kernels().scale(slice, Slice.of(other), 8, 2f));
    }

    @Test
    void aBufferOfAnotherDeviceIsRejected() {
        ReferenceDevice reference = new ReferenceDevice();
        Slice foreign = Slice.of(reference.allocate(DType.F32, 8));
        Slice own = Slice.of(device.allocate(DType.F32, 8));
        assertRejected(IllegalArgumentException.class, "axpy: y is a buffer of another device, not cpu:0",
                () -> device.kernels().axpy(1f, own, foreign, 8));
    }

    @Test
    void uploadAndDownloadMoveLittleEndianBytesAtAnOffset() {
        DeviceBuffer buffer = device.allocate(DType.BF16, 6);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(4);
            host.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x80); // bf16 1.0 is 0x3F80, low byte first
            host.set(ValueLayout.JAVA_BYTE, 1, (byte) 0x3F);
            host.set(ValueLayout.JAVA_BYTE, 2, (byte) 0x00); // -2.0 is 0xC000
            host.set(ValueLayout.JAVA_BYTE, 3, (byte) 0xC0);
            device.upload(host, new Slice(buffer, 4));
            assertArrayEquals(new float[] {0, 0, 0, 0, 1, -2}, HostData.download(device, buffer));
            assertRejected(IllegalArgumentException.class, "upload: needs 2 elements from offset 5",
                    () -> device.upload(host, new Slice(buffer, 5)));
            assertRejected(IllegalArgumentException.class, "not a whole number of bf16 elements",
                    () -> device.upload(host.asSlice(0, 3), Slice.of(buffer)));
        }
    }

    @Test
    void copyWithinABufferHandlesOverlap() {
        DeviceBuffer buffer = HostData.upload(device, DType.F32, new float[] {0, 1, 2, 3, 4, 5, 6, 7});
        device.copy(Slice.of(buffer), new Slice(buffer, 2), 5);
        assertArrayEquals(new float[] {0, 1, 0, 1, 2, 3, 4, 7}, HostData.download(device, buffer));
        device.copy(new Slice(buffer, 2), Slice.of(buffer), 5);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 3, 4, 7}, HostData.download(device, buffer));
        DeviceBuffer halves = device.allocate(DType.F16, 8);
        assertRejected(IllegalArgumentException.class, "use Kernels.convert",
                () -> device.copy(Slice.of(buffer), Slice.of(halves), 8));
    }

    @Test
    void kernelsCheckTheirOperandsBeforeWritingAnything() {
        Kernels kernels = device.kernels();
        Slice x = Slice.of(HostData.upload(device, DType.F32, new float[12]));
        Slice weight = Slice.of(HostData.upload(device, DType.F32, new float[4]));
        Slice small = Slice.of(device.allocate(DType.F32, 11));
        Slice rstd = Slice.of(device.allocate(DType.F32, 3));
        assertRejected(IllegalArgumentException.class, "rmsNorm out: needs 12 elements from offset 0",
                () -> kernels.rmsNorm(x, weight, small, rstd, 3, 4, 1e-5f));
        Slice halves = Slice.of(device.allocate(DType.BF16, 12));
        assertRejected(IllegalArgumentException.class, "activation SILU: x must be F32, not BF16",
                () -> kernels.activation(Kernels.Activation.SILU, halves, x, 12));
        assertRejected(IllegalArgumentException.class, "gemm: A must be F32, BF16 or F16, not I32",
                () -> kernels.gemm(Gemm.of(false, false, 2, 2, 2),
                        Slice.of(device.allocate(DType.I32, 4)), weight, weight));

        // An id outside the vocabulary fails the call before any row is gathered.
        float[] nan = new float[12];
        Arrays.fill(nan, Float.NaN);
        DeviceBuffer out = HostData.upload(device, DType.F32, nan);
        Slice ids = Slice.of(HostData.uploadInts(device, new int[] {0, 1, 2, 9}));
        assertRejected(IllegalArgumentException.class, "embedding: id 9 of token 3 is outside the vocabulary of 4",
                () -> kernels.embedding(weight, ids, Slice.of(out), 4, 1, 4));
        for (float value : HostData.download(device, out)) {
            assertTrue(Float.isNaN(value), "nothing written");
        }
    }

    private static void assertRejected(Class<? extends RuntimeException> type, String message, Executable call) {
        RuntimeException e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(message), "message: " + e.getMessage());
    }
}
