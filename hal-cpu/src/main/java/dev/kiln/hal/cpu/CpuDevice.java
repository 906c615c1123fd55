package dev.kiln.hal.cpu;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.cpu.kernel.Parallelism;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The CPU as a {@link Device}: buffers are Java arrays on the heap ({@link CpuBuffer}) and the
 * kernels run synchronously on the calling thread plus a fixed pool of helpers
 * ({@link Parallelism}), so {@link #synchronize()} has nothing to wait for.
 *
 * <p>Memory is counted in dtype bytes against a budget, by default {@link #DEFAULT_MEMORY_FRACTION}
 * of the JVM's maximum heap: the rest of the heap is left to everything else the JVM holds. An
 * allocation beyond the budget, or one the heap cannot hold after all, throws
 * {@link DeviceMemoryException}. Released buffers' arrays are kept for reuse ({@link BufferPool})
 * within the same budget: a new array empties the pool first when the two would not fit together,
 * and a reused one keeps its old contents. What kernels keep for themselves (partial sums, converted GEMM
 * operands, RoPE tables) is not counted.
 *
 * <p>Every operation rejects a released buffer with an {@link IllegalStateException} and a buffer
 * of another device with an {@link IllegalArgumentException}. Thread-safe; kernels on disjoint
 * buffers may run concurrently. {@link #close()} stops the helper threads.
 */
public final class CpuDevice implements Device, AutoCloseable {

    /** The share of the JVM's maximum heap a device allocates by default. */
    public static final double DEFAULT_MEMORY_FRACTION = 0.8;

    /**
     * The released arrays kept for reuse hold at most the budget over this: enough for the
     * temporaries of a training step or a prefill, little enough to leave the heap its room.
     */
    private static final long POOL_FRACTION_OF_BUDGET = 4;

    /** The dtypes a CPU buffer can hold. */
    static final Set<DType> STORED = EnumSet.of(DType.F32, DType.BF16, DType.F16, DType.I32);

    /** The most elements a Java array holds, on every JVM. */
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    // Host memory holds the dtype's bytes little-endian, at any alignment.
    private static final ValueLayout.OfFloat LE_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String name = "cpu:0";
    private final Parallelism parallelism;
    private final long memoryBudget;
    private final CpuKernels kernels;
    private final BufferPool pool;
    private long allocatedBytes;

    /** Device {@code cpu:0} on all cores, with the default memory budget. */
    public CpuDevice() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** Device {@code cpu:0} on {@code threads} threads (the caller among them). */
    public CpuDevice(int threads) {
        this(threads, defaultMemoryBudget());
    }

    /** Device {@code cpu:0} on {@code threads} threads that allocates at most {@code memoryBudget} bytes. */
    public CpuDevice(int threads, long memoryBudget) {
        this(threads, memoryBudget, Blocks.DEFAULT_GRAIN);
    }

    /** With {@code grain} elements per block of work: tests make it small to split small calls. */
    CpuDevice(int threads, long memoryBudget, int grain) {
        if (memoryBudget < 0) {
            throw new IllegalArgumentException("cpu: memory budget < 0: " + memoryBudget);
        }
        if (grain < 1) {
            throw new IllegalArgumentException("cpu: grain must be positive: " + grain);
        }
        this.memoryBudget = memoryBudget;
        this.pool = new BufferPool(memoryBudget / POOL_FRACTION_OF_BUDGET);
        this.parallelism = Parallelism.fixed(threads);
        this.kernels = new CpuKernels(this, parallelism, grain);
    }

    /** {@link #DEFAULT_MEMORY_FRACTION} of the JVM's maximum heap. */
    public static long defaultMemoryBudget() {
        return memoryBudget(Runtime.getRuntime().maxMemory(), DEFAULT_MEMORY_FRACTION);
    }

    static long memoryBudget(long heapBytes, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("cpu: memory fraction must be in (0, 1]: " + fraction);
        }
        return (long) (heapBytes * fraction);
    }

    @Override
    public String name() {
        return name;
    }

    /** The most bytes this device holds at a time, counted in dtype bytes. */
    public long memoryBudget() {
        return memoryBudget;
    }

    /** How many threads run a kernel, the caller included. */
    public int threads() {
        return parallelism.threads();
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        Objects.requireNonNull(dtype, "dtype");
        if (!STORED.contains(dtype)) {
            throw new IllegalArgumentException(name + " does not store " + dtype + "; it stores " + STORED);
        }
        if (elements < 0) {
            throw new IllegalArgumentException(name + ": cannot allocate " + elements + " elements");
        }
        long bytes = elements > Long.MAX_VALUE / dtype.byteSize() ? Long.MAX_VALUE : elements * dtype.byteSize();
        synchronized (this) {
            long free = memoryBudget - allocatedBytes;
            if (bytes > free || elements > MAX_ELEMENTS) {
                throw new DeviceMemoryException(name, bytes, free);
            }
            allocatedBytes += bytes;
        }
        Object array = pool.take(CpuBuffer.arrayType(dtype), (int) elements, bytes);
        if (array != null) {
            return CpuBuffer.create(this, dtype, (int) elements, array);
        }
        // The pool lives inside the budget: what the buffers and it hold together stays within it.
        pool.trimTo(freeBytes());
        try {
            return CpuBuffer.create(this, dtype, (int) elements, newArray(dtype, (int) elements));
        } catch (OutOfMemoryError e) {
            // The budget allowed it but the heap is fuller than the budget knows (other data,
            // fragmentation, the pool): this device is out of memory, the JVM is not.
            giveBack(bytes);
            Runtime runtime = Runtime.getRuntime();
            long heapFree = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
            throw new DeviceMemoryException(name, bytes, Math.min(freeBytes(), heapFree));
        }
    }

    @Override
    public synchronized long freeBytes() {
        return memoryBudget - allocatedBytes;
    }

    synchronized void giveBack(long bytes) {
        allocatedBytes -= bytes;
    }

    /** A released buffer's bytes back to the budget, and its array to the pool. */
    void giveBack(long bytes, Object array, int elements) {
        giveBack(bytes);
        pool.put(array, elements, bytes);
    }

    /** A new array, after emptying the pool if the heap has no room for it otherwise. */
    private Object newArray(DType dtype, int elements) {
        try {
            return CpuBuffer.newArray(dtype, elements);
        } catch (OutOfMemoryError e) {
            if (pool.pooledBytes() == 0) {
                throw e;
            }
            pool.clear();
            return CpuBuffer.newArray(dtype, elements);
        }
    }

    /** Bytes the pool keeps from released buffers (heap the budget counts as free). */
    long pooledBytes() {
        return pool.pooledBytes();
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        Objects.requireNonNull(src, "upload: source is null");
        CpuBuffer buffer = own(dst, "upload", "destination");
        Object array = buffer.array();
        long count = hostElements(src, buffer.dtype(), "upload");
        dst.requireRoom(count, "upload");
        int n = (int) count;
        int at = (int) dst.offset();
        switch (array) {
            case float[] floats -> MemorySegment.copy(src, LE_FLOAT, 0, floats, at, n);
            case short[] shorts -> MemorySegment.copy(src, LE_SHORT, 0, shorts, at, n);
            case int[] ints -> MemorySegment.copy(src, LE_INT, 0, ints, at, n);
            default -> throw new IllegalStateException("unexpected storage " + array.getClass());
        }
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        Objects.requireNonNull(dst, "download: destination is null");
        CpuBuffer buffer = own(src, "download", "source");
        Object array = buffer.array();
        long count = hostElements(dst, buffer.dtype(), "download");
        src.requireRoom(count, "download");
        int n = (int) count;
        int at = (int) src.offset();
        switch (array) {
            case float[] floats -> MemorySegment.copy(floats, at, dst, LE_FLOAT, 0, n);
            case short[] shorts -> MemorySegment.copy(shorts, at, dst, LE_SHORT, 0, n);
            case int[] ints -> MemorySegment.copy(ints, at, dst, LE_INT, 0, n);
            default -> throw new IllegalStateException("unexpected storage " + array.getClass());
        }
    }

    /** Like System.arraycopy, so overlapping ranges of one buffer copy correctly. */
    @Override
    public void copy(Slice src, Slice dst, long n) {
        CpuBuffer from = own(src, "copy", "source");
        CpuBuffer to = own(dst, "copy", "destination");
        if (from.dtype() != to.dtype()) {
            throw new IllegalArgumentException(name + ": copy from " + from.dtype() + " to " + to.dtype()
                    + "; use Kernels.convert to change the dtype");
        }
        src.requireRoom(n, "copy");
        dst.requireRoom(n, "copy");
        System.arraycopy(from.array(), (int) src.offset(), to.array(), (int) dst.offset(), (int) n);
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    /** Stops the helper threads; kernels called afterwards fail. */
    @Override
    public void close() {
        parallelism.close();
    }

    /** The CPU buffer behind {@code slice}, checked to be this device's and not released. */
    CpuBuffer own(Slice slice, String op, String operand) {
        if (slice == null) {
            throw new IllegalArgumentException(op + ": " + operand + " is null");
        }
        if (!(slice.buffer() instanceof CpuBuffer buffer) || buffer.device() != this) {
            throw new IllegalArgumentException(op + ": " + operand + " is a buffer of another device, not "
                    + name + ": " + slice.buffer());
        }
        if (buffer.isReleased()) {
            throw new IllegalStateException(op + ": " + operand + " was released: " + buffer);
        }
        return buffer;
    }

    private static long hostElements(MemorySegment host, DType dtype, String op) {
        if (host.byteSize() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException(op + ": " + host.byteSize()
                    + " host bytes are not a whole number of " + dtype.label() + " elements");
        }
        return host.byteSize() / dtype.byteSize();
    }

    @Override
    public String toString() {
        return name + " (cpu, " + threads() + " threads, " + freeBytes() + " of " + memoryBudget + " bytes free)";
    }
}
