package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The checks of one op call, made before any kernel runs. Failures are
 * IllegalArgumentExceptions that name the op, the problem and every operand:
 * {@code "add: b must have a's shape, or be [n] with n = a's last dim: a [2, 3] F32, b [4] F32"}.
 */
final class OpCall {

    private static final Set<DType> FLOATS = Set.of(DType.F32, DType.BF16, DType.F16);

    private final String op;
    private final Device device;
    private final List<String> names = new ArrayList<>();
    private final List<DeviceTensor> operands = new ArrayList<>();

    OpCall(String op, Device device) {
        this.op = op;
        this.device = device;
    }

    /** A required operand: not null, a live engine tensor, on this device. */
    DeviceTensor operand(String name, Tensor tensor) {
        if (tensor == null) {
            names.add(name);
            operands.add(null);
            throw fail(name + " is null");
        }
        return optional(name, tensor);
    }

    /** An operand that may be null. */
    DeviceTensor optional(String name, Tensor tensor) {
        names.add(name);
        if (tensor == null) {
            operands.add(null);
            return null;
        }
        if (!(tensor instanceof DeviceTensor handle)) {
            operands.add(null);
            throw fail(name + " is not a tensor of the Kiln engine (" + tensor.getClass().getName()
                    + ")");
        }
        operands.add(handle);
        if (handle.isClosed()) {
            throw fail(name + " was closed");
        }
        if (handle.device() != device) {
            throw fail(name + " is on " + handle.device().name() + ", these ops run on "
                    + device.name());
        }
        return handle;
    }

    void require(boolean condition, String problem) {
        if (!condition) {
            throw fail(problem);
        }
    }

    /** Each named operand (non-null) must be F32. */
    void requireF32(DeviceTensor... tensors) {
        for (DeviceTensor tensor : tensors) {
            if (tensor != null && tensor.dtype() != DType.F32) {
                throw fail(nameOf(tensor) + " must be F32");
            }
        }
    }

    /** Each operand must be a floating-point type the GEMM reads: F32, BF16 or F16. */
    void requireGemmFloat(DeviceTensor... tensors) {
        for (DeviceTensor tensor : tensors) {
            if (tensor != null && !FLOATS.contains(tensor.dtype())) {
                throw fail(nameOf(tensor) + " must be F32, BF16 or F16");
            }
        }
    }

    void requireDType(DeviceTensor tensor, DType dtype) {
        if (tensor.dtype() != dtype) {
            throw fail(nameOf(tensor) + " must be " + dtype);
        }
    }

    void requireRank(DeviceTensor tensor, int rank) {
        if (tensor.shape().rank() != rank) {
            throw fail(nameOf(tensor) + " must have rank " + rank);
        }
    }

    IllegalArgumentException fail(String problem) {
        StringJoiner described = new StringJoiner(", ");
        for (int i = 0; i < names.size(); i++) {
            DeviceTensor operand = operands.get(i);
            described.add(names.get(i) + " " + (operand == null ? "null" : operand.describe()));
        }
        return new IllegalArgumentException(op + ": " + problem
                + (names.isEmpty() ? "" : ": " + described));
    }

    private String nameOf(DeviceTensor tensor) {
        for (int i = 0; i < operands.size(); i++) {
            if (operands.get(i) == tensor) {
                return names.get(i);
            }
        }
        return "operand";
    }
}
