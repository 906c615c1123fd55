package dev.kiln.api.backend;

import dev.kiln.api.tensor.DType;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Memory a {@link Device} owns: {@link #elements()} elements of {@link #dtype()}, on its device.
 * Nothing above the HAL reads it directly; host access is an explicit
 * {@link Device#upload upload} or {@link Device#download download}.
 */
@ConsumerType
public interface DeviceBuffer {

    DType dtype();

    long elements();

    default long bytes() {
        return elements() * dtype().byteSize();
    }

    /** Gives the memory back to the device; the buffer must not be used afterwards. Idempotent. */
    void release();

    boolean isReleased();
}
