package dev.kiln.api.backend;

import dev.kiln.api.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * One device of a {@link Backend}: it owns memory and runs the {@link Kernels} of the HAL.
 * Host access to its memory is always an explicit copy.
 */
@ConsumerType
public interface Device {

    /** The backend's name and the device index: {@code cpu:0}, {@code opencl:1}. */
    String name();

    /**
     * Memory for {@code elements} elements of {@code dtype}; contents undefined.
     *
     * @throws DeviceMemoryException saying how much was asked and how much is free
     * @throws IllegalArgumentException for a dtype this device does not store
     */
    DeviceBuffer allocate(DType dtype, long elements);

    /** Bytes this device can still allocate, as well as it knows. */
    long freeBytes();

    /** Copies host bytes (the buffer's dtype, little-endian) into {@code dst}. */
    void upload(MemorySegment src, Slice dst);

    /** Copies elements from {@code src} into host memory, as many as {@code dst} holds. */
    void download(Slice src, MemorySegment dst);

    /** Copies n elements between two buffers of this device (same dtype). */
    void copy(Slice src, Slice dst, long n);

    /** The kernels, running on this device's buffers. */
    Kernels kernels();

    /** Waits until all queued work has finished; synchronous devices return at once. */
    default void synchronize() {}

    /**
     * An optional capability, such as quantized GEMM kernels, when this device offers it. New
     * capabilities are added as new extension types, so existing backends keep working.
     */
    default <T> Optional<T> extension(Class<T> type) {
        return Optional.empty();
    }
}
