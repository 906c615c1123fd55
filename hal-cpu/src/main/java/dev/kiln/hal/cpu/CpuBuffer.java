package dev.kiln.hal.cpu;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.tensor.DType;

/**
 * A buffer of the CPU device: a Java array on the heap, so that the kernels work on it directly.
 * F32 is a {@code float[]}, BF16 and F16 a {@code short[]} of bit patterns, I32 an {@code int[]}.
 * The device counts {@link #bytes()} against its budget until {@link #release()}.
 */
final class CpuBuffer implements DeviceBuffer {

    private final CpuDevice device;
    private final DType dtype;
    private final int elements;
    /** float[], short[] or int[]; dropped on release so the heap can take it back. */
    private volatile Object array;

    private CpuBuffer(CpuDevice device, DType dtype, int elements, Object array) {
        this.device = device;
        this.dtype = dtype;
        this.elements = elements;
        this.array = array;
    }

    /**
     * A buffer on {@code array}, a fresh one (zeroed) or one of the pool's (old contents); the
     * caller has checked the dtype and counted the bytes.
     */
    static CpuBuffer create(CpuDevice device, DType dtype, int elements, Object array) {
        return new CpuBuffer(device, dtype, elements, array);
    }

    /** The type of array that holds {@code dtype}. */
    static Class<?> arrayType(DType dtype) {
        return switch (dtype) {
            case F32 -> float[].class;
            case BF16, F16 -> short[].class;
            case I32 -> int[].class;
            default -> throw new IllegalArgumentException("cpu does not store " + dtype);
        };
    }

    /** A new, zeroed array for {@code elements} of {@code dtype}. */
    static Object newArray(DType dtype, int elements) {
        return switch (dtype) {
            case F32 -> new float[elements];
            case BF16, F16 -> new short[elements];
            case I32 -> new int[elements];
            default -> throw new IllegalArgumentException("cpu does not store " + dtype);
        };
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
        Object released;
        synchronized (this) {
            released = array;
            array = null;
        }
        if (released != null) {
            device.giveBack(bytes(), released, elements);
        }
    }

    @Override
    public boolean isReleased() {
        return array == null;
    }

    CpuDevice device() {
        return device;
    }

    /** The backing array, or null once released. */
    Object array() {
        return array;
    }

    @Override
    public String toString() {
        return dtype.label() + "[" + elements + "] on " + device.name() + (isReleased() ? " (released)" : "");
    }
}
