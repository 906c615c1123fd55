package dev.kiln.hal.tck.reference;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.math.FloatFormats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The reference {@link Device}: buffers on the Java heap and {@link ReferenceKernels}, run at
 * once on the calling thread. It stores every {@link DType}; memory is counted in the dtype's
 * bytes (a BF16 element counts 2 bytes, whatever the heap spends on it) against a limit, beyond
 * which {@link #allocate} throws {@link DeviceMemoryException}. A buffer holds at most
 * {@link Integer#MAX_VALUE} - 8 elements (a Java array).
 *
 * <p>Every operation rejects a released buffer with an {@link IllegalStateException} and a buffer
 * of another device with an {@link IllegalArgumentException}. Thread-safe for allocation; kernels
 * on disjoint buffers may run concurrently.
 */
public final class ReferenceDevice implements Device {

    /** The memory limit of {@link #ReferenceDevice()}: 1 GiB. */
    public static final long DEFAULT_MEMORY_LIMIT = 1L << 30;

    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    // Host memory holds the dtype's bytes little-endian, at any alignment.
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name;
    private final long memoryLimit;
    private final ReferenceKernels kernels = new ReferenceKernels(this);
    private long allocatedBytes;

    /** A device named {@code reference:0} with {@link #DEFAULT_MEMORY_LIMIT}. */
    public ReferenceDevice() {
        this("reference:0", DEFAULT_MEMORY_LIMIT);
    }

    /** A device named {@code reference:0} that allocates at most {@code memoryLimit} bytes. */
    public ReferenceDevice(long memoryLimit) {
        this("reference:0", memoryLimit);
    }

    public ReferenceDevice(String name, long memoryLimit) {
        if (memoryLimit < 0) {
            throw new IllegalArgumentException("memory limit < 0: " + memoryLimit);
        }
        this.name = Objects.requireNonNull(name, "name");
        this.memoryLimit = memoryLimit;
    }

    @Override
    public String name() {
        return name;
    }

    /** The most bytes this device holds at a time, counted in dtype bytes. */
    public long memoryLimit() {
        return memoryLimit;
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        Objects.requireNonNull(dtype, "dtype");
        if (elements < 0) {
            throw new IllegalArgumentException(name + ": cannot allocate " + elements + " elements");
        }
        long bytes = elements > Long.MAX_VALUE / dtype.byteSize() ? Long.MAX_VALUE : elements * dtype.byteSize();
        synchronized (this) {
            long free = memoryLimit - allocatedBytes;
            if (bytes > free || elements > MAX_ELEMENTS) {
                throw new DeviceMemoryException(name, bytes, free);
            }
            allocatedBytes += bytes;
        }
        try {
            return new ReferenceBuffer(this, dtype, (int) elements);
        } catch (OutOfMemoryError e) {
            // One large array the heap cannot hold: the device is out of memory, the JVM is not.
            giveBack(bytes);
            throw new DeviceMemoryException(name, bytes, Runtime.getRuntime().maxMemory()
                    - (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()));
        }
    }

    @Override
    public synchronized long freeBytes() {
        return memoryLimit - allocatedBytes;
    }

    synchronized void giveBack(long bytes) {
        allocatedBytes -= bytes;
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        ReferenceBuffer buffer = own(dst, "upload", "destination");
        long n = wholeElements(src, buffer.dtype(), "upload");
        dst.requireRoom(n, "upload");
        for (long i = 0; i < n; i++) {
            long at = dst.offset() + i;
            switch (buffer.dtype()) {
                case F32 -> buffer.set(at, src.getAtIndex(LE_FLOAT, i));
                case BF16 -> buffer.set(at, FloatFormats.bf16ToFloat(src.getAtIndex(LE_SHORT, i)));
                case F16 -> buffer.set(at, Float.float16ToFloat(src.getAtIndex(LE_SHORT, i)));
                case I64 -> buffer.setLong(at, src.getAtIndex(LE_LONG, i));
                case I32 -> buffer.setLong(at, src.getAtIndex(LE_INT, i));
                case I8 -> buffer.setLong(at, src.get(ValueLayout.JAVA_BYTE, i));
                case U8, BOOL -> buffer.setLong(at, Byte.toUnsignedLong(src.get(ValueLayout.JAVA_BYTE, i)));
            }
        }
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        ReferenceBuffer buffer = own(src, "download", "source");
        long n = wholeElements(dst, buffer.dtype(), "download");
        src.requireRoom(n, "download");
        for (long i = 0; i < n; i++) {
            long at = src.offset() + i;
            switch (buffer.dtype()) {
                case F32 -> dst.setAtIndex(LE_FLOAT, i, (float) buffer.get(at));
                case BF16 -> dst.setAtIndex(LE_SHORT, i, FloatFormats.bf16Bits((float) buffer.get(at)));
                case F16 -> dst.setAtIndex(LE_SHORT, i, Float.floatToFloat16((float) buffer.get(at)));
                case I64 -> dst.setAtIndex(LE_LONG, i, buffer.getLong(at));
                case I32 -> dst.setAtIndex(LE_INT, i, (int) buffer.getLong(at));
                case I8, U8, BOOL -> dst.set(ValueLayout.JAVA_BYTE, i, (byte) buffer.getLong(at));
            }
        }
    }

    @Override
    public void copy(Slice src, Slice dst, long n) {
        ReferenceBuffer from = own(src, "copy", "source");
        ReferenceBuffer to = own(dst, "copy", "destination");
        if (from.dtype() != to.dtype()) {
            throw new IllegalArgumentException(name + ": copy from " + from.dtype() + " to " + to.dtype()
                    + "; use Kernels.convert to change the dtype");
        }
        src.requireRoom(n, "copy");
        dst.requireRoom(n, "copy");
        from.copyTo(src.offset(), to, dst.offset(), n);
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    /** The reference buffer behind {@code slice}, checked to be this device's and not released. */
    ReferenceBuffer own(Slice slice, String op, String operand) {
        Objects.requireNonNull(slice, () -> op + ": " + operand + " is null");
        if (!(slice.buffer() instanceof ReferenceBuffer buffer) || buffer.device() != this) {
            throw new IllegalArgumentException(op + ": " + operand + " is a buffer of another device, not "
                    + name + ": " + slice.buffer());
        }
        if (buffer.isReleased()) {
            throw new IllegalStateException(op + ": " + operand + " was released: " + buffer);
        }
        return buffer;
    }


    private static long wholeElements(MemorySegment host, DType dtype, String op) {
        if (host.byteSize() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException(op + ": " + host.byteSize() + " host bytes are not a whole number of "
                    + dtype.label() + " elements");
        }
        return host.byteSize() / dtype.byteSize();
    }

    @Override
    public String toString() {
        return name + " (reference, " + freeBytes() + " of " + memoryLimit + " bytes free)";
    }
}
