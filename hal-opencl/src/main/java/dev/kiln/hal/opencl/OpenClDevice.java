package dev.kiln.hal.opencl;

import static org.jocl.CL.*;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.DeviceMemoryException;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_mem;

/**
 * An OpenCL device as a {@link Device}: buffers are {@code cl_mem} objects in the device's memory,
 * reached from the host only by {@link #upload}, {@link #download} and {@link #copy}; kernels are
 * queued in order on one command queue and run asynchronously, so {@link #synchronize()} waits
 * for them (a download waits by itself).
 *
 * <p>The kernels are compiled for this device when it opens (the attention kernels on first use,
 * once per head-size class), with work-group and tile sizes chosen for it ({@link Tuning}). A
 * build failure throws {@link OpenClBuildException} with the compiler's log.
 *
 * <p>Memory is counted in dtype bytes against a budget, by default {@link #DEFAULT_MEMORY_FRACTION}
 * of the device's global memory; OpenCL has no portable query for free memory. Scratch a kernel
 * needs for one call (grouped ids, score gradients' row sums) is not counted.
 *
 * <p>Every operation rejects a released buffer with an {@link IllegalStateException} and a buffer
 * of another device with an {@link IllegalArgumentException}. Thread-safe. With the system
 * property {@value #CHECK_EACH_KERNEL_PROPERTY}=true every kernel is waited for, so that a kernel
 * failing while it runs is reported with its name and shapes instead of at the next wait.
 */
public final class OpenClDevice implements Device, AutoCloseable {

    /** The share of the device's global memory it allocates by default. */
    public static final double DEFAULT_MEMORY_FRACTION = 0.9;

    static final String CHECK_EACH_KERNEL_PROPERTY = "kiln.opencl.checkEachKernel";

    /** The dtypes an OpenCL buffer holds. */
    static final Set<DType> STORED = EnumSet.of(DType.F32, DType.BF16, DType.F16, DType.I32);

    /** The kernels of rows.cl that are compiled for work-groups of exactly RWG work items. */
    private static final List<String> ROW_KERNELS = List.of("rms_norm", "rms_norm_backward", "layer_norm",
            "layer_norm_backward", "softmax", "softmax_backward", "reduce_rows", "sum_of_squares", "cross_entropy");

    /** Host transfers go in chunks a ByteBuffer can address. */
    private static final long TRANSFER_CHUNK = 1L << 30;

    private final String name;
    private final DeviceSpec spec;
    private final Tuning tuning;
    private final long memoryBudget;
    private final boolean checkEachKernel;
    private final String compileOptions;
    private final cl_context context;
    private final cl_command_queue queue;
    private final ClProgram main;
    private final Map<Integer, ClProgram> attentionPrograms = new HashMap<>();
    private final OpenClKernels kernels;
    private final Object launchLock = new Object();
    private long allocatedBytes;

    /**
     * Opens the device: a context, a queue, and the kernels compiled for it.
     *
     * @param index the device's number, for its name {@code opencl:index}
     * @throws OpenClBuildException when the compiler rejects the kernels
     */
    OpenClDevice(int index, DeviceSpec spec, Tuning tuning, long memoryBudget) {
        if (memoryBudget < 0) {
            throw new IllegalArgumentException("opencl: memory budget < 0: " + memoryBudget);
        }
        this.name = "opencl:" + index;
        this.spec = spec;
        this.memoryBudget = memoryBudget;
        this.checkEachKernel = Boolean.getBoolean(CHECK_EACH_KERNEL_PROPERTY);
        this.compileOptions = "-cl-std=CL1.2"
                + (spec.correctlyRoundedDivideSqrt() ? " -cl-fp32-correctly-rounded-divide-sqrt" : "");
        cl_context_properties properties = new cl_context_properties();
        properties.addProperty(CL_CONTEXT_PLATFORM, spec.platform());
        this.context = clCreateContext(properties, 1, new cl_device_id[] {spec.id()}, null, null, null);
        try {
            this.queue = clCreateCommandQueue(context, spec.id(), 0, null);
            try {
                Tuning fitted = tuning;
                ClProgram built = compile("main", KernelSources.main(), fitted, "");
                while (!runsWith(built, fitted)) {
                    built.close();
                    Tuning smaller = fitted.halved().orElseThrow(() -> new IllegalStateException(name + " ("
                            + spec.describe() + ") cannot run Kiln's kernels with any work-group size"));
                    fitted = smaller;
                    built = compile("main", KernelSources.main(), fitted, "");
                }
                this.tuning = fitted;
                this.main = built;
            } catch (RuntimeException e) {
                clReleaseCommandQueue(queue);
                throw e;
            }
        } catch (RuntimeException e) {
            clReleaseContext(context);
            throw e;
        }
        this.kernels = new OpenClKernels(this);
    }

    /** Whether the compiled kernels with fixed work-group sizes can run with the tuning's. */
    private static boolean runsWith(ClProgram program, Tuning tuning) {
        for (String kernel : ROW_KERNELS) {
            if (program.maxWorkGroupSize(kernel) < tuning.rowGroup()) {
                return false;
            }
        }
        if (tuning.gemmColumns() == 0) {
            for (DType a : KernelSources.FLOAT_TYPES) {
                for (DType b : KernelSources.FLOAT_TYPES) {
                    if (program.maxWorkGroupSize(KernelSources.gemmKernel(a, b, false)) < tuning.gemmGroupSize()) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Override
    public String name() {
        return name;
    }

    /** The device as the driver describes it. */
    DeviceSpec spec() {
        return spec;
    }

    Tuning tuning() {
        return tuning;
    }

    /** The most bytes this device holds at a time, counted in dtype bytes. */
    public long memoryBudget() {
        return memoryBudget;
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
            if (bytes > free) {
                throw new DeviceMemoryException(name, bytes, free);
            }
            if (bytes > spec.maxAllocationBytes()) {
                throw new DeviceMemoryException(name + " (one buffer holds at most "
                        + spec.maxAllocationBytes() + " bytes)", bytes, free);
            }
            allocatedBytes += bytes;
        }
        try {
            // OpenCL has no empty buffers: an empty one still takes a few bytes, not counted.
            cl_mem memory = clCreateBuffer(context, CL_MEM_READ_WRITE, Math.max(bytes, Integer.BYTES), null, null);
            return new OpenClBuffer(this, dtype, elements, memory);
        } catch (CLException e) {
            giveBack(bytes);
            if (isOutOfMemory(e.getStatus())) {
                throw new DeviceMemoryException(name + " (" + e.getMessage() + ")", bytes, freeBytes());
            }
            throw new IllegalStateException(name + ": allocating " + elements + " " + dtype + " elements failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public synchronized long freeBytes() {
        return memoryBudget - allocatedBytes;
    }

    synchronized void giveBack(long bytes) {
        allocatedBytes -= bytes;
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        Objects.requireNonNull(src, "upload: source is null");
        OpenClBuffer buffer = own(dst, "upload", "destination");
        long count = hostElements(src, buffer.dtype(), "upload");
        dst.requireRoom(count, "upload");
        long deviceOffset = dst.offset() * buffer.dtype().byteSize();
        transfer(src, (chunk, at) -> clEnqueueWriteBuffer(queue, buffer.memory(), true, deviceOffset + at,
                chunk.byteSize(), Pointer.to(chunk.asByteBuffer()), 0, null, null), true, "upload");
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        Objects.requireNonNull(dst, "download: destination is null");
        OpenClBuffer buffer = own(src, "download", "source");
        long count = hostElements(dst, buffer.dtype(), "download");
        src.requireRoom(count, "download");
        long deviceOffset = src.offset() * buffer.dtype().byteSize();
        transfer(dst, (chunk, at) -> clEnqueueReadBuffer(queue, buffer.memory(), true, deviceOffset + at,
                chunk.byteSize(), Pointer.to(chunk.asByteBuffer()), 0, null, null), false, "download");
    }

    /** Copies on the device; an overlapping range of one buffer goes through a scratch buffer. */
    @Override
    public void copy(Slice src, Slice dst, long n) {
        OpenClBuffer from = own(src, "copy", "source");
        OpenClBuffer to = own(dst, "copy", "destination");
        if (from.dtype() != to.dtype()) {
            throw new IllegalArgumentException(name + ": copy from " + from.dtype() + " to " + to.dtype()
                    + "; use Kernels.convert to change the dtype");
        }
        src.requireRoom(n, "copy");
        dst.requireRoom(n, "copy");
        int size = from.dtype().byteSize();
        long source = src.offset() * size;
        long target = dst.offset() * size;
        long bytes = n * size;
        if (n == 0 || (from == to && source == target)) {
            return;
        }
        try {
            if (from == to && source < target + bytes && target < source + bytes) {
                cl_mem scratch = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
                try {
                    clEnqueueCopyBuffer(queue, from.memory(), scratch, source, 0, bytes, 0, null, null);
                    clEnqueueCopyBuffer(queue, scratch, to.memory(), 0, target, bytes, 0, null, null);
                } finally {
                    clReleaseMemObject(scratch); // freed once the copies have run
                }
            } else {
                clEnqueueCopyBuffer(queue, from.memory(), to.memory(), source, target, bytes, 0, null, null);
            }
        } catch (CLException e) {
            throw new IllegalStateException(name + ": copy of " + n + " " + from.dtype() + " elements failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    /** Waits for every queued kernel; a kernel that failed while running is reported here. */
    @Override
    public void synchronize() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            throw new IllegalStateException(name + ": a queued kernel failed: " + e.getMessage()
                    + " (run with -D" + CHECK_EACH_KERNEL_PROPERTY + "=true to find which)", e);
        }
    }

    /** Releases the queue, the programs and the context; buffers still held become unusable. */
    @Override
    public void close() {
        try {
            clFinish(queue);
        } catch (CLException ignored) {
            // closing anyway
        }
        synchronized (this) {
            main.close();
            attentionPrograms.values().forEach(ClProgram::close);
            attentionPrograms.clear();
        }
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }

    @Override
    public String toString() {
        return name + " (" + spec.describe() + ", " + freeBytes() + " of " + memoryBudget + " bytes free)";
    }

    // ---- what the kernels use ----------------------------------------------------------------

    ClProgram mainProgram() {
        return main;
    }

    /** The attention kernels for heads of up to {@code headCapacity} floats, compiled on first use. */
    synchronized ClProgram attentionProgram(int headCapacity) {
        ClProgram program = attentionPrograms.get(headCapacity);
        if (program == null) {
            program = compile("attention (heads up to " + headCapacity + ")", KernelSources.attention(), tuning,
                    "-DHD=" + headCapacity + " -DBK=" + tuning.attentionTileFor(headCapacity));
            attentionPrograms.put(headCapacity, program);
        }
        return program;
    }

    /**
     * Compiles OpenCL C for this device with a tuning's definitions and {@code defines}.
     *
     * @throws OpenClBuildException with the compiler's log when it is rejected
     */
    ClProgram compile(String what, String source, Tuning with, String defines) {
        return ClProgram.build(what, context, spec.id(), name + " " + spec.describe(), source,
                compileOptions + " " + with.defines() + (defines.isEmpty() ? "" : " " + defines));
    }

    /** Sets the arguments and queues the kernel, naming the call if OpenCL refuses it. */
    void enqueue(ClProgram program, String kernel, List<Launch.Argument> arguments, long[] global, long[] local,
            Supplier<String> call) {
        try {
            synchronized (launchLock) {
                var k = program.kernel(kernel);
                for (int i = 0; i < arguments.size(); i++) {
                    Launch.Argument argument = arguments.get(i);
                    clSetKernelArg(k, i, argument.size(), argument.value());
                }
                clEnqueueNDRangeKernel(queue, k, global.length, null, global, local, 0, null, null);
            }
            if (checkEachKernel) {
                clFinish(queue);
            }
        } catch (CLException e) {
            throw new IllegalStateException(name + ": " + call.get() + " failed in kernel " + kernel + ": "
                    + e.getMessage(), e);
        }
    }

    /** A scratch buffer holding {@code values}, not counted; release it once its kernels are queued. */
    cl_mem scratch(int[] values) {
        return clCreateBuffer(context, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                (long) Math.max(1, values.length) * Integer.BYTES, Pointer.to(values.length == 0 ? new int[1] : values),
                null);
    }

    /** An uninitialized scratch buffer of {@code floats} floats, not counted. */
    cl_mem scratchFloats(long floats) {
        return clCreateBuffer(context, CL_MEM_READ_WRITE, Math.max(1, floats) * Float.BYTES, null, null);
    }

    /** Reads n ints of an I32 operand to the host, after the queued kernels have run. */
    int[] readInts(Slice slice, int n) {
        int[] values = new int[n];
        if (n > 0) {
            OpenClBuffer buffer = (OpenClBuffer) slice.buffer();
            clEnqueueReadBuffer(queue, buffer.memory(), true, slice.offset() * Integer.BYTES, (long) n * Integer.BYTES,
                    Pointer.to(values), 0, null, null);
        }
        return values;
    }

    /** Reads a scratch buffer of floats to the host, after the queued kernels have run. */
    float[] readFloats(cl_mem memory, int n) {
        float[] values = new float[n];
        clEnqueueReadBuffer(queue, memory, true, 0, (long) n * Float.BYTES, Pointer.to(values), 0, null, null);
        return values;
    }

    /** The OpenCL buffer behind {@code slice}, checked to be this device's and not released. */
    OpenClBuffer own(Slice slice, String op, String operand) {
        if (slice == null) {
            throw new IllegalArgumentException(op + ": " + operand + " is null");
        }
        if (!(slice.buffer() instanceof OpenClBuffer buffer) || buffer.device() != this) {
            throw new IllegalArgumentException(op + ": " + operand + " is a buffer of another device, not "
                    + name + ": " + slice.buffer());
        }
        if (buffer.isReleased()) {
            throw new IllegalStateException(op + ": " + operand + " was released: " + buffer);
        }
        return buffer;
    }


    // ---- host transfers ----------------------------------------------------------------------

    /** One blocking transfer of a native chunk of host memory, {@code at} bytes into the operand. */
    @FunctionalInterface
    private interface ChunkTransfer {
        void run(MemorySegment chunk, long at);
    }

    /**
     * Moves {@code host} in chunks. Host memory off the Java heap is handed to OpenCL as it is;
     * a heap segment goes through a native staging chunk ({@code toDevice}: copied in before,
     * otherwise copied out after).
     */
    private void transfer(MemorySegment host, ChunkTransfer transfer, boolean toDevice, String op) {
        long total = host.byteSize();
        try {
            if (host.isNative()) {
                for (long at = 0; at < total; at += TRANSFER_CHUNK) {
                    transfer.run(host.asSlice(at, Math.min(TRANSFER_CHUNK, total - at)), at);
                }
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment staging = arena.allocate(Math.min(TRANSFER_CHUNK, Math.max(1, total)));
                for (long at = 0; at < total; at += TRANSFER_CHUNK) {
                    long length = Math.min(TRANSFER_CHUNK, total - at);
                    MemorySegment chunk = staging.asSlice(0, length);
                    if (toDevice) {
                        chunk.copyFrom(host.asSlice(at, length));
                    }
                    transfer.run(chunk, at);
                    if (!toDevice) {
                        host.asSlice(at, length).copyFrom(chunk);
                    }
                }
            }
        } catch (CLException e) {
            throw new IllegalStateException(name + ": " + op + " of " + total + " bytes failed: " + e.getMessage()
                    + " (a kernel queued before it may have failed)", e);
        }
    }

    private static long hostElements(MemorySegment host, DType dtype, String op) {
        if (host.byteSize() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException(op + ": " + host.byteSize()
                    + " host bytes are not a whole number of " + dtype.label() + " elements");
        }
        return host.byteSize() / dtype.byteSize();
    }

    private static boolean isOutOfMemory(int status) {
        return status == CL_MEM_OBJECT_ALLOCATION_FAILURE || status == CL_OUT_OF_RESOURCES
                || status == CL_OUT_OF_HOST_MEMORY || status == CL_INVALID_BUFFER_SIZE;
    }
}
