package dev.kiln.api.backend;

import java.util.Objects;

/**
 * A place in a {@link DeviceBuffer}: the buffer and the element offset where an operand starts.
 * Kernels take slices so that a tensor can live inside a larger buffer (a view, a KV cache).
 */
public record Slice(DeviceBuffer buffer, long offset) {

    public Slice {
        Objects.requireNonNull(buffer, "buffer");
        if (offset < 0 || offset > buffer.elements()) {
            throw new IllegalArgumentException("offset " + offset + " outside a buffer of "
                    + buffer.elements() + " elements");
        }
    }

    /** The whole buffer, from its first element. */
    public static Slice of(DeviceBuffer buffer) {
        return new Slice(buffer, 0);
    }

    /** Elements from the offset to the end of the buffer. */
    public long available() {
        return buffer.elements() - offset;
    }

    /**
     * Checks that {@code n} elements fit from the offset, for backends validating an operand.
     *
     * @param what the op and operand, for the message ("copy", "gemm a")
     * @throws IllegalArgumentException naming both sizes when they do not
     */
    public void requireRoom(long n, String what) {
        if (n < 0 || n > available()) {
            throw new IllegalArgumentException(what + ": needs " + n + " elements from offset " + offset
                    + " of " + buffer + ", which has " + available() + " there");
        }
    }
}
