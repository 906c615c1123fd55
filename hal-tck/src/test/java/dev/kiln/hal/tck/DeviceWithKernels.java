package dev.kiln.hal.tck;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.function.UnaryOperator;

/** A device whose kernels are replaced, wrapping another for memory and transfers. */
final class DeviceWithKernels implements Device {

    private final Device device;
    private final Kernels kernels;

    DeviceWithKernels(Device device, UnaryOperator<Kernels> replace) {
        this.device = device;
        this.kernels = replace.apply(device.kernels());
    }

    @Override
    public String name() {
        return device.name() + " (altered kernels)";
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        return device.allocate(dtype, elements);
    }

    @Override
    public long freeBytes() {
        return device.freeBytes();
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        device.upload(src, dst);
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        device.download(src, dst);
    }

    @Override
    public void copy(Slice src, Slice dst, long n) {
        device.copy(src, dst, n);
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }
}
