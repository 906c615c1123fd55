package dev.kiln.hal.opencl;

import static org.jocl.CL.clReleaseMemObject;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.tensor.DType;
import org.jocl.cl_mem;

/**
 * A buffer of an OpenCL device: a {@code cl_mem} in the device's memory, not the JVM's. F32 is
 * seen by kernels as {@code float}, BF16 and F16 as {@code ushort} bit patterns, I32 as
 * {@code int}. The device counts {@link #bytes()} against its budget until {@link #release()};
 * OpenCL frees the memory once the kernels queued on it have finished.
 */
final class OpenClBuffer implements DeviceBuffer {

    private final OpenClDevice device;
    private final DType dtype;
    private final long elements;
    private volatile cl_mem memory;

    OpenClBuffer(OpenClDevice device, DType dtype, long elements, cl_mem memory) {
        this.device = device;
        this.dtype = dtype;
        this.elements = elements;
        this.memory = memory;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long elements() {
        return elements;
    }

    @Override
    public void release() {
        cl_mem released;
        synchronized (this) {
            released = memory;
            memory = null;
        }
        if (released != null) {
            clReleaseMemObject(released);
            device.giveBack(bytes());
        }
    }

    @Override
    public boolean isReleased() {
        return memory == null;
    }

    OpenClDevice device() {
        return device;
    }

    /** The memory object, or null once released. */
    cl_mem memory() {
        return memory;
    }

    @Override
    public String toString() {
        return dtype.label() + "[" + elements + "] on " + device.name() + (isReleased() ? " (released)" : "");
    }
}
