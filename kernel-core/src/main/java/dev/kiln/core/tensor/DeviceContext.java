package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Gemm;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;

/** A device with its kernels and the allocation helpers every op family uses. */
final class DeviceContext {

    final Device device;
    final Kernels kernels;

    private DeviceContext(Device device) {
        this.device = device;
        this.kernels = device.kernels();
    }

    static DeviceContext of(Device device) {
        return new DeviceContext(device);
    }

    /** Starts the checks of one call of {@code op}. */
    OpCall call(String op) {
        return new OpCall(op, device);
    }

    DeviceTensor allocate(Shape shape, DType dtype) {
        return DeviceTensor.allocate(device, shape, dtype);
    }

    /** Uninitialized F32: outputs and gradients. */
    DeviceTensor allocate(Shape shape) {
        return allocate(shape, DType.F32);
    }

    DeviceTensor filled(Shape shape, float value) {
        DeviceTensor tensor = allocate(shape);
        kernels.fill(tensor.slice(), tensor.numel(), value);
        return tensor;
    }

    DeviceTensor zeros(Shape shape) {
        return filled(shape, 0f);
    }

    /** A copy of {@code source}'s elements in new memory. */
    DeviceTensor copyOf(DeviceTensor source) {
        DeviceTensor copy = allocate(source.shape(), source.dtype());
        device.copy(source.slice(), copy.slice(), source.numel());
        return copy;
    }

    /**
     * The column sums of a {@code [rows, cols]} F32 matrix as {@code [cols]}: the gradient of a
     * bias broadcast over rows, computed as {@code ones[1, rows] · matrix}.
     */
    DeviceTensor columnSums(DeviceTensor matrix, int rows, int cols) {
        DeviceTensor sums = allocate(Shape.of(cols));
        if (rows == 0) {
            kernels.fill(sums.slice(), cols, 0f);
            return sums;
        }
        try (DeviceTensor ones = filled(Shape.of(rows), 1f)) {
            kernels.gemm(Gemm.of(false, false, 1, cols, rows), ones.slice(), matrix.slice(),
                    sums.slice());
        }
        return sums;
    }
}
