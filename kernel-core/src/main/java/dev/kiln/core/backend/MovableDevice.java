package dev.kiln.core.backend;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Kernels;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A {@link Device} whose memory and work can move to another device while a job uses it: the
 * device a served model or a training run computes on, so that the backend under it can change
 * without a restart ({@code kiln backend use opencl}).
 *
 * <p>Every buffer allocated through it points to memory on the {@linkplain #current() current}
 * device. {@link #moveTo} copies every live buffer to the target through host memory, then points
 * all of them there and releases the originals, at once. Kernel calls and moves exclude each
 * other, so a move waits for the call in progress and the next call runs on the new device:
 * between any two calls the job's state is whole on one device. Parameters, KV caches, optimizer
 * moments, adapters and gradients are all buffers of the job's device, so they move together, and
 * the job keeps the same {@code Tensor} objects throughout.
 *
 * <p>A move is all or nothing: when the target cannot hold everything
 * ({@link dev.kiln.api.backend.DeviceMemoryException}) or a copy fails, the copies made so far
 * are released, nothing moves, and the job goes on where it was.
 *
 * <p>It offers no {@link #extension extensions}: an extension's kernels would be handed buffers
 * they cannot see through. A thread must not call {@link #moveTo} from inside a kernel call.
 */
public final class MovableDevice implements Device {

    /** Host memory a move copies through, per chunk. */
    private static final long STAGING_BYTES = 16L << 20;

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Set<MovableBuffer> live = ConcurrentHashMap.newKeySet();
    private final List<DeviceMove> moves = new CopyOnWriteArrayList<>();
    private final Kernels kernels = new MovableKernels(this);
    private volatile Device current;

    public MovableDevice(Device initial) {
        this.current = Objects.requireNonNull(initial, "device");
    }

    /** The device the buffers are on and the kernels run on, now. */
    public Device current() {
        return current;
    }

    /** The moves so far, oldest first. */
    public List<DeviceMove> moves() {
        return List.copyOf(moves);
    }

    /** The buffers allocated through this device and not yet released. */
    public int liveBuffers() {
        return live.size();
    }

    /**
     * Moves every live buffer to {@code target} and runs later kernels there; a move to the
     * current device does nothing.
     *
     * @throws IllegalStateException when the target cannot take everything; nothing has moved
     */
    public DeviceMove moveTo(Device target) {
        Objects.requireNonNull(target, "target");
        Lock exclusive = lock.writeLock();
        exclusive.lock();
        try {
            Device source = current;
            if (target == source) {
                return new DeviceMove(source.name(), target.name(), 0, 0, Duration.ZERO, Instant.now());
            }
            long start = System.nanoTime();
            List<MovableBuffer> buffers = new ArrayList<>(live);
            Map<MovableBuffer, DeviceBuffer> copies = copyAll(buffers, source, target);
            long bytes = 0;
            for (MovableBuffer buffer : buffers) {
                bytes += buffer.bytes();
                buffer.replaceWith(copies.get(buffer)).release();
            }
            current = target;
            DeviceMove move = new DeviceMove(source.name(), target.name(), buffers.size(), bytes,
                    Duration.ofNanos(System.nanoTime() - start), Instant.now());
            moves.add(move);
            return move;
        } finally {
            exclusive.unlock();
        }
    }

    private static Map<MovableBuffer, DeviceBuffer> copyAll(List<MovableBuffer> buffers, Device source,
            Device target) {
        Map<MovableBuffer, DeviceBuffer> copies = new IdentityHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            source.synchronize();
            MemorySegment staging = arena.allocate(STAGING_BYTES);
            for (MovableBuffer buffer : buffers) {
                DeviceBuffer copy = target.allocate(buffer.dtype(), buffer.elements());
                copies.put(buffer, copy);
                transfer(source, buffer.inner(), target, copy, staging);
            }
            target.synchronize();
            return copies;
        } catch (RuntimeException e) {
            copies.values().forEach(DeviceBuffer::release);
            throw new IllegalStateException("moving " + buffers.size() + " buffers from " + source.name() + " to "
                    + target.name() + " failed, so nothing moved: " + e.getMessage(), e);
        }
    }

    /** Copies a buffer between two devices through host memory, a staging chunk at a time. */
    private static void transfer(Device source, DeviceBuffer from, Device target, DeviceBuffer to,
            MemorySegment staging) {
        int size = from.dtype().byteSize();
        long chunk = staging.byteSize() / size;
        for (long at = 0; at < from.elements(); at += chunk) {
            long n = Math.min(chunk, from.elements() - at);
            MemorySegment host = staging.asSlice(0, n * size);
            source.download(new Slice(from, at), host);
            target.upload(host, new Slice(to, at));
        }
    }

    // ---- Device ---------------------------------------------------------------------------------

    /** The current device's name: the backend and index the job runs on now. */
    @Override
    public String name() {
        return current.name();
    }

    @Override
    public DeviceBuffer allocate(DType dtype, long elements) {
        return shared(device -> {
            MovableBuffer buffer = new MovableBuffer(this, device.allocate(dtype, elements));
            live.add(buffer);
            return buffer;
        });
    }

    @Override
    public long freeBytes() {
        return current.freeBytes();
    }

    @Override
    public void upload(MemorySegment src, Slice dst) {
        run(device -> device.upload(src, inner(dst)));
    }

    @Override
    public void download(Slice src, MemorySegment dst) {
        run(device -> device.download(inner(src), dst));
    }

    @Override
    public void copy(Slice src, Slice dst, long n) {
        run(device -> device.copy(inner(src), inner(dst), n));
    }

    @Override
    public Kernels kernels() {
        return kernels;
    }

    @Override
    public void synchronize() {
        run(Device::synchronize);
    }

    @Override
    public String toString() {
        return "movable " + current + " (" + live.size() + " buffers, " + moves.size() + " moves)";
    }

    // ---- what the buffers and kernels use -------------------------------------------------------

    /** Runs {@code call} on the current device; a move waits until it returns. */
    void run(Consumer<Device> call) {
        shared(device -> {
            call.accept(device);
            return null;
        });
    }

    <T> T shared(Function<Device, T> call) {
        Lock shared = lock.readLock();
        shared.lock();
        try {
            return call.apply(current);
        } finally {
            shared.unlock();
        }
    }

    /** The slice on the current device's buffer; a slice of another device's buffer as it is. */
    Slice inner(Slice slice) {
        if (slice != null && slice.buffer() instanceof MovableBuffer buffer && buffer.device() == this) {
            return new Slice(buffer.innerOrFail(), slice.offset());
        }
        return slice;
    }

    /** Releases a buffer's memory on the current device; no move runs meanwhile. */
    void release(MovableBuffer buffer) {
        run(device -> {
            if (live.remove(buffer)) {
                buffer.replaceWith(null).release();
            }
        });
    }
}
