package dev.kiln.hal.tck.checks;

import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.tensor.DType;

/**
 * One operand, held the same on both devices: a buffer on the device under test and one on the
 * reference, each with guard elements before and after the operand that no kernel may touch.
 * The operand starts {@link #guardBefore()} elements into its buffer.
 */
public final class Twin {

    private final DType dtype;
    private final int guardBefore;
    private final int length;
    private final float[] initial;
    final DeviceBuffer underTest;
    final DeviceBuffer reference;

    Twin(DType dtype, int guardBefore, int length, float[] initial, DeviceBuffer underTest,
            DeviceBuffer reference) {
        this.dtype = dtype;
        this.guardBefore = guardBefore;
        this.length = length;
        this.initial = initial;
        this.underTest = underTest;
        this.reference = reference;
    }

    public DType dtype() {
        return dtype;
    }

    /** Elements of the operand, without the guards. */
    public int length() {
        return length;
    }

    int guardBefore() {
        return guardBefore;
    }

    /** The operand's values before any kernel ran, as the devices hold them, in double. */
    public double[] values() {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = initial[guardBefore + i];
        }
        return values;
    }

    /** The whole buffer as it was uploaded, guards included. */
    float[] initialBuffer() {
        return initial.clone();
    }
}
