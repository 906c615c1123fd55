package dev.kiln.core.tensor;

import dev.kiln.api.backend.DeviceBuffer;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Device memory shared by tensor handles, views and the tensors a graph saves for backward. Each
 * holder owns one reference; the buffer goes back to the device when the last one is released.
 */
final class Storage {

    private final DeviceBuffer buffer;
    private final AtomicInteger references = new AtomicInteger(1);

    /** Takes ownership of {@code buffer}, with one reference for the caller. */
    Storage(DeviceBuffer buffer) {
        this.buffer = buffer;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    void retain() {
        // A count that reached 0 has freed its buffer: it must not come back to life.
        references.updateAndGet(n -> {
            if (n <= 0) {
                throw new IllegalStateException("tensor storage was already freed");
            }
            return n + 1;
        });
    }

    void release() {
        int left = references.decrementAndGet();
        if (left == 0) {
            buffer.release();
        } else if (left < 0) {
            throw new IllegalStateException("tensor storage released more often than retained");
        }
    }

    /** Whether one holder alone references this memory, so it may be updated in place. */
    boolean exclusive() {
        return references.get() == 1;
    }
}
