package dev.kiln.hal.opencl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.ReferenceDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What the conformance kit does not reach: host memory on the heap, overlapping copies, and errors. */
class OpenClDeviceTest {

    private static final long BUDGET = 64L << 20;
    private static OpenClDevice device;

    @BeforeAll
    static void open() {
        OpenClConformanceTest.assumeOpenCl();
        DeviceSpec spec = OpenClPlatforms.probe().devices().getFirst();
        device = new OpenClDevice(0, spec, Tuning.forDevice(spec), BUDGET);
    }

    @AfterAll
    static void close() {
        if (device != null) {
            device.close();
        }
    }

    @Test
    void hostMemoryOnTheJavaHeapGoesThroughStaging() {
        float[] values = {1.5f, -2f, 3.25f, 0f, 7f};
        DeviceBuffer buffer = device.allocate(DType.F32, 8);
        try {
            device.upload(MemorySegment.ofArray(values), new Slice(buffer, 2));
            float[] back = new float[5];
            device.download(new Slice(buffer, 2), MemorySegment.ofArray(back));
            assertArrayEquals(values, back);
        } finally {
            buffer.release();
        }
    }

    @Test
    void overlappingCopiesWithinABufferMoveTheOriginalValues() {
        DeviceBuffer buffer = device.allocate(DType.I32, 10);
        try {
            device.upload(MemorySegment.ofArray(IntStream.range(0, 10).toArray()), Slice.of(buffer));
            device.copy(new Slice(buffer, 0), new Slice(buffer, 2), 6); // forwards, overlapping
            assertArrayEquals(new int[] {0, 1, 0, 1, 2, 3, 4, 5, 8, 9}, ints(buffer));
            device.copy(new Slice(buffer, 3), new Slice(buffer, 1), 5); // backwards, overlapping
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 4, 5, 8, 9}, ints(buffer));
        } finally {
            buffer.release();
        }
    }

    @Test
    void memoryIsCountedAgainstTheBudgetAndGivenBack() {
        long free = device.freeBytes();
        DeviceBuffer buffer = device.allocate(DType.BF16, 1000);
        assertEquals(free - 2000, device.freeBytes());
        buffer.release();
        buffer.release(); // idempotent
        assertEquals(free, device.freeBytes());
        DeviceMemoryException e = assertThrows(DeviceMemoryException.class,
                () -> device.allocate(DType.F32, BUDGET / 4 + 1));
        assertEquals(BUDGET + 4, e.requestedBytes());
        assertThrows(IllegalArgumentException.class, () -> device.allocate(DType.I64, 1));
    }

    @Test
    void releasedBuffersAndBuffersOfOtherDevicesAreRejected() {
        DeviceBuffer released = device.allocate(DType.F32, 4);
        released.release();
        IllegalStateException gone = assertThrows(IllegalStateException.class,
                () -> device.kernels().fill(Slice.of(released), 4, 1f));
        assertTrue(gone.getMessage().startsWith("fill: out was released"), gone.getMessage());
        ReferenceDevice other = new ReferenceDevice();
        DeviceBuffer foreign = other.allocate(DType.F32, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> device.kernels().fill(Slice.of(foreign), 4, 1f));
        assertTrue(e.getMessage().startsWith("fill: out is a buffer of another device, not opencl:0"), e.getMessage());
    }

    @Test
    void sizesBeyondAnOperandAreRejectedBeforeAnyKernelRuns() {
        DeviceBuffer x = device.allocate(DType.F32, 10);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.kernels().softmax(Slice.of(x), Slice.of(x), 3, 4));
            assertTrue(e.getMessage().startsWith("softmax x: needs 12 elements from offset 0"), e.getMessage());
        } finally {
            x.release();
        }
    }

    @Test
    void idsOutsideTheVocabularyNameTheTokenAndTheId() {
        DeviceBuffer table = device.allocate(DType.F32, 10 * 4);
        DeviceBuffer ids = device.allocate(DType.I32, 3);
        DeviceBuffer out = device.allocate(DType.F32, 3 * 4);
        try {
            device.upload(MemorySegment.ofArray(new int[] {2, 10, 0}), Slice.of(ids));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.kernels().embedding(Slice.of(table), Slice.of(ids), Slice.of(out), 3, 4, 10));
            assertEquals("embedding: id 10 of token 1 is outside the vocabulary of 10", e.getMessage());
            IllegalArgumentException loss = assertThrows(IllegalArgumentException.class,
                    () -> device.kernels().crossEntropy(Slice.of(out), Slice.of(ids), Slice.of(table),
                            new Slice(table, 3), 3, 4, -100));
            assertTrue(loss.getMessage().startsWith("crossEntropy: target 10 of row 1 is outside the vocabulary of 4"),
                    loss.getMessage());
        } finally {
            table.release();
            ids.release();
            out.release();
        }
    }

    @Test
    void aKernelOpenClRefusesIsReportedWithItsCallAndShapes() {
        DeviceBuffer x = device.allocate(DType.F32, 4);
        try {
            // scale takes six arguments; given two, OpenCL refuses the launch.
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> new Launch(device, device.mainProgram(), "scale", () -> "scale n=4")
                            .slice(Slice.of(x)).run1d(4, 4));
            assertTrue(e.getMessage().startsWith("opencl:0: scale n=4 failed in kernel scale: CL_INVALID_"),
                    e.getMessage());
        } finally {
            x.release();
        }
    }

    @Test
    void aBuildFailureShowsTheCompilersLogAndTheDevice() {
        OpenClBuildException e = assertThrows(OpenClBuildException.class,
                () -> device.compile("broken", "__kernel void broken(__global float* x) { x[0] = undeclared; }",
                        device.tuning(), ""));
        assertTrue(e.getMessage().startsWith("opencl: building the broken kernels for opencl:0 "
                + device.spec().describe() + " failed"), e.getMessage());
        assertTrue(e.log().contains("undeclared"), e.log());
        assertTrue(e.getMessage().contains(e.log().strip()), e.getMessage());
    }

    @Test
    void dropoutRejectsAProbabilityOutsideZeroToOne() {
        DeviceBuffer x = device.allocate(DType.F32, 4);
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> device.kernels().dropout(Slice.of(x), Slice.of(x), 4, 1.5f, 1));
            assertEquals("dropout: p must be in [0, 1]: 1.5", e.getMessage());
        } finally {
            x.release();
        }
    }

    /**
     * The CPU GEMM writes a transposed B out first for products of 16 rows or more; the kit's
     * batched products are smaller, so here batches with their own B and with one shared B.
     */
    @Test
    void batchedProductsWithATransposedBMatchTheReference() {
        for (long strideB : new long[] {0, 9L * 13 + 4}) {
            Gemm g = new Gemm(false, true, 20, 9, 13, 1.5f, 0f, 13, 13, 9, 3, 20L * 13, strideB, 20L * 9);
            float[] a = random(3 * 20 * 13, 1);
            float[] b = random((int) (2 * strideB + 9 * 13), 2);
            ReferenceDevice reference = new ReferenceDevice();
            assertArrayEquals(product(reference, g, a, b), product(device, g, a, b), 1e-4f, "strideB " + strideB);
        }
    }

    private static float[] product(Device on, Gemm g, float[] a, float[] b) {
        DeviceBuffer as = on.allocate(DType.F32, a.length);
        DeviceBuffer bs = on.allocate(DType.F32, b.length);
        DeviceBuffer cs = on.allocate(DType.F32, 3 * 20 * 9);
        try {
            on.upload(MemorySegment.ofArray(a), Slice.of(as));
            on.upload(MemorySegment.ofArray(b), Slice.of(bs));
            on.kernels().gemm(g, Slice.of(as), Slice.of(bs), Slice.of(cs));
            float[] c = new float[3 * 20 * 9];
            on.download(Slice.of(cs), MemorySegment.ofArray(c));
            return c;
        } finally {
            as.release();
            bs.release();
            cs.release();
        }
    }

    private static float[] random(int n, long seed) {
        Random random = new Random(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static int[] ints(DeviceBuffer buffer) {
        MemorySegment host = MemorySegment.ofArray(new int[(int) buffer.elements()]);
        device.download(Slice.of(buffer), host);
        return host.toArray(ValueLayout.JAVA_INT);
    }
}
