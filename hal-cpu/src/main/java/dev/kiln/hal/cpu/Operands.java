package dev.kiln.hal.cpu;

import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;

/**
 * The up-front checks of one kernel call, naming the kernel and the operand in every error:
 * each operand is a live buffer of this device, of the dtype the kernel takes, with room for the
 * elements the sizes ask for. Checks run before any output is written.
 */
final class Operands {

    private final CpuDevice device;
    private final String kernel;

    Operands(CpuDevice device, String kernel) {
        this.device = device;
        this.kernel = kernel;
    }

    String kernel() {
        return kernel;
    }

    /** The float array behind an F32 operand of n elements. */
    float[] f32(String operand, Slice slice, long n) {
        return (float[]) typed(operand, slice, n, DType.F32).array();
    }

    /** The int array behind an I32 operand of n elements (ids, targets, positions). */
    int[] i32(String operand, Slice slice, long n) {
        return (int[]) typed(operand, slice, n, DType.I32).array();
    }

    /** The buffer behind an operand of any stored dtype, with room for n elements. */
    CpuBuffer any(String operand, Slice slice, long n) {
        CpuBuffer buffer = device.own(slice, kernel, operand);
        slice.requireRoom(n, kernel + " " + operand);
        return buffer;
    }

    /** A size argument that must not be negative. */
    void size(String name, long value) {
        if (value < 0) {
            throw fail(name + " must not be negative: " + value);
        }
    }

    IllegalArgumentException fail(String message) {
        return new IllegalArgumentException(kernel + ": " + message);
    }

    /** Where an operand starts in its array (buffers hold at most an int's worth of elements). */
    static int at(Slice slice) {
        return (int) slice.offset();
    }

    private CpuBuffer typed(String operand, Slice slice, long n, DType dtype) {
        CpuBuffer buffer = any(operand, slice, n);
        if (buffer.dtype() != dtype) {
            throw fail(operand + " must be " + dtype + ", not " + buffer.dtype());
        }
        return buffer;
    }
}
