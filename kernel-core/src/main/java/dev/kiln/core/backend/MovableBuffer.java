package dev.kiln.core.backend;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.tensor.DType;

/**
 * A buffer of a {@link MovableDevice}: it stays the same object while the memory behind it moves
 * from device to device, so the tensors holding it never notice.
 */
final class MovableBuffer implements DeviceBuffer {

    private final MovableDevice device;
    private final DType dtype;
    private final long elements;
    /** The memory on the current device; null once released. */
    private volatile DeviceBuffer inner;

    MovableBuffer(MovableDevice device, DeviceBuffer inner) {
        this.device = device;
        this.dtype = inner.dtype();
        this.elements = inner.elements();
        this.inner = inner;
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
        if (inner != null) {
            device.release(this);
        }
    }

    @Override
    public boolean isReleased() {
        return inner == null;
    }

    MovableDevice device() {
        return device;
    }

    DeviceBuffer inner() {
        return inner;
    }

    /** The memory behind it now, for a kernel call. */
    DeviceBuffer innerOrFail() {
        DeviceBuffer now = inner;
        if (now == null) {
            throw new IllegalStateException("a released buffer was used: " + this);
        }
        return now;
    }

    /** Points it at {@code replacement} (null: released) and returns what it pointed at. */
    DeviceBuffer replaceWith(DeviceBuffer replacement) {
        DeviceBuffer previous = inner;
        inner = replacement;
        return previous;
    }

    @Override
    public String toString() {
        DeviceBuffer now = inner;
        return now == null ? dtype.label() + "[" + elements + "] on " + device.name() + " (released)"
                : now + " (movable)";
    }
}
