package dev.kiln.hal.tck.reference;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.tensor.DType;
import dev.kiln.hal.tck.reference.math.FloatFormats;

/**
 * A buffer of the reference device on the Java heap: floating-point dtypes as float values
 * already rounded to the dtype, integer dtypes as long values in the dtype's range.
 */
final class ReferenceBuffer implements DeviceBuffer {

    private final ReferenceDevice device;
    private final DType dtype;
    private final float[] floats;
    private final long[] integers;
    private volatile boolean released;

    ReferenceBuffer(ReferenceDevice device, DType dtype, int elements) {
        this.device = device;
        this.dtype = dtype;
        this.floats = dtype.isFloatingPoint() ? new float[elements] : null;
        this.integers = dtype.isFloatingPoint() ? null : new long[elements];
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long elements() {
        return dtype.isFloatingPoint() ? floats.length : integers.length;
    }

    @Override
    public void release() {
        if (!released) {
            released = true;
            device.giveBack(bytes());
        }
    }

    @Override
    public boolean isReleased() {
        return released;
    }

    ReferenceDevice device() {
        return device;
    }

    double get(long index) {
        return dtype.isFloatingPoint() ? floats[(int) index] : integers[(int) index];
    }

    /** Stores {@code value} rounded to this buffer's dtype. */
    void set(long index, double value) {
        double rounded = FloatFormats.round(dtype, value);
        if (dtype.isFloatingPoint()) {
            floats[(int) index] = (float) rounded;
        } else {
            integers[(int) index] = (long) rounded;
        }
    }

    /** Integer dtypes exactly (an I64 beyond 2^53 does not survive a trip through double). */
    long getLong(long index) {
        return dtype.isFloatingPoint() ? (long) floats[(int) index] : integers[(int) index];
    }

    void setLong(long index, long value) {
        if (dtype.isFloatingPoint()) {
            set(index, value);
        } else {
            integers[(int) index] = fitInteger(value);
        }
    }

    /** An integer in this integer dtype's range: saturated, BOOL as 0 or 1. */
    private long fitInteger(long value) {
        return switch (dtype) {
            case I32 -> Math.clamp(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case I8 -> Math.clamp(value, Byte.MIN_VALUE, Byte.MAX_VALUE);
            case U8 -> Math.clamp(value, 0, 255);
            case BOOL -> value != 0 ? 1 : 0;
            default -> value;
        };
    }

    /** Copies like System.arraycopy, so overlapping ranges of one buffer copy correctly. */
    void copyTo(long from, ReferenceBuffer target, long to, long n) {
        if (dtype.isFloatingPoint()) {
            System.arraycopy(floats, (int) from, target.floats, (int) to, (int) n);
        } else {
            System.arraycopy(integers, (int) from, target.integers, (int) to, (int) n);
        }
    }

    @Override
    public String toString() {
        return dtype.label() + "[" + elements() + "] on " + device.name() + (released ? " (released)" : "");
    }
}
