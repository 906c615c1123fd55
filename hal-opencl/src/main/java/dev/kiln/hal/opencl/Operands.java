package dev.kiln.hal.opencl;

import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;

/**
 * The up-front checks of one kernel call, naming the kernel and the operand in every error:
 * each operand is a live buffer of this device, of the dtype the kernel takes, with room for the
 * elements the sizes ask for. A kernel is queued only once all its operands pass, so a call
 * with inconsistent sizes never reaches memory outside its buffers.
 */
final class Operands {

    private final OpenClDevice device;
    private final String kernel;

    Operands(OpenClDevice device, String kernel) {
        this.device = device;
        this.kernel = kernel;
    }

    /** An F32 operand with room for n elements. */
    Slice f32(String operand, Slice slice, long n) {
        return typed(operand, slice, n, DType.F32);
    }

    /** An I32 operand with room for n elements (ids, targets, positions). */
    Slice i32(String operand, Slice slice, long n) {
        return typed(operand, slice, n, DType.I32);
    }

    /** An operand of any stored dtype with room for n elements. */
    OpenClBuffer any(String operand, Slice slice, long n) {
        OpenClBuffer buffer = device.own(slice, kernel, operand);
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

    private Slice typed(String operand, Slice slice, long n, DType dtype) {
        OpenClBuffer buffer = any(operand, slice, n);
        if (buffer.dtype() != dtype) {
            throw fail(operand + " must be " + dtype + ", not " + buffer.dtype());
        }
        return slice;
    }
}
