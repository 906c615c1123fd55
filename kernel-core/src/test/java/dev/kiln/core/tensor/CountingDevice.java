package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A device decorator that remembers every buffer it hands out, so a test can count the live
 * ones. The buffers themselves are the delegate's, so its kernels accept them unchanged.
 */
public final class CountingDevice implements Device {

    private final Device delegate;
    private final List<DeviceBuffer> allocated = new ArrayList<>();
    private int liveAtLastAllocation;

    public CountingDevice(Device delegate) {
        this.delegate = delegate;
    }

    /** Buffers allocated and not yet released. */
    public synchronized int liveBuffers() {
        allocated.removeIf(DeviceBuffer::isReleased);
        return allocated.size();
    }

    public synchronized long liveBytes() {
        allocated.removeIf(DeviceBuffer::isReleased);
        return allocated.stream().mapToLong(DeviceBuffer::bytes).sum();
    }

    /** How many buffers were live just before the latest allocation. */
    public synchronized int liveAtLastAllocation() {
        return liveAtLastAllocation;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public synchronized DeviceBuffer allocate(DType dtype, long elements) {
        liveAtLastAllocation = liveBuffers();
        DeviceBuffer buffer = delegate.allocate(dtype, elements);
        allocated.add(buffer);
        return buffer;
    }

    @Override
    public long freeBytes() {
        return delegate.freeBytes();
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        delegate.upload(src, dst);
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        delegate.download(src, dst);
    }

    @Override
    public void copy(Slice src, Slice dst, long n) {
        delegate.copy(src, dst, n);
    }

    @Override
    public Kernels kernels() {
        return delegate.kernels();
    }
}
