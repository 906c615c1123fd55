package dev.kiln.core.tensor;

import dev.kiln.api.backend.Device;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.util.Optional;

/**
 * The engine's {@link Tensor}: a handle on a contiguous run of a reference-counted
 * {@link Storage}, starting {@link #offset} elements in. Views (reshape, narrow of a leading dim)
 * are further handles on the same storage. The {@linkplain #origin() origin} says where the
 * gradient goes: the graph {@link Node} that produced the tensor, a {@link Leaf} (a parameter),
 * or nothing when no gradient is needed.
 *
 * <p>Public only so that other kernel-core packages (the optimizers) can reach the device memory
 * of a tensor; the package is private to the bundle.
 */
public final class DeviceTensor implements Tensor {

    private final Device device;
    private final Storage storage;
    private final long offset;
    private final Shape shape;
    private final DType dtype;
    private GradTarget origin;
    private boolean closed;
    /** Set on the handle a {@link Leaf} keeps as its gradient: only the leaf closes it. */
    private boolean ownedByLeaf;
    /** The scope that will close this handle, if any. */
    Scope owner;

    private DeviceTensor(Device device, Storage storage, long offset, Shape shape, DType dtype) {
        this.device = device;
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.dtype = dtype;
    }

    /**
     * A handle on fresh, uninitialized device memory, owned by the caller: no scope closes it and
     * it records no gradient.
     */
    public static DeviceTensor allocate(Device device, Shape shape, DType dtype) {
        return new DeviceTensor(device, new Storage(device.allocate(dtype, shape.numel())), 0, shape,
                dtype);
    }

    /**
     * The engine's handle behind {@code tensor}.
     *
     * @throws IllegalArgumentException for another implementation of Tensor, or a closed handle
     */
    public static DeviceTensor of(Tensor tensor) {
        if (!(tensor instanceof DeviceTensor handle)) {
            throw new IllegalArgumentException("not a tensor of the Kiln engine: "
                    + (tensor == null ? "null" : tensor.getClass().getName()));
        }
        if (handle.closed) {
            throw new IllegalArgumentException("tensor " + handle.describe() + " was closed");
        }
        return handle;
    }

    /** Where the elements start in device memory, for a kernel call. */
    public Slice slice() {
        return slice(0);
    }

    /** The place {@code elements} elements past the start, for a kernel call. */
    public Slice slice(long elements) {
        checkOpen();
        return new Slice(storage.buffer(), offset + elements);
    }

    public long numel() {
        return shape.numel();
    }

    /** Copies host values into this F32 tensor. */
    public void copyFrom(float[] values) {
        checkOpen();
        if (dtype != DType.F32 || values.length != numel()) {
            throw new IllegalArgumentException("copyFrom: " + values.length + " values into "
                    + describe());
        }
        HostCopies.upload(device, values, slice());
    }

    // ---- views and graph wiring, for the engine ------------------------------------------

    /** A further handle on the same elements, shaped {@code newShape}, starting {@code at} elements in. */
    DeviceTensor view(Shape newShape, long at) {
        checkOpen();
        if (at < 0 || at + newShape.numel() > numel()) {
            throw new IllegalStateException("view " + newShape + " at " + at + " outside " + describe());
        }
        storage.retain();
        return new DeviceTensor(device, storage, offset + at, newShape, dtype);
    }

    /** A further handle on the same elements, without gradient. */
    DeviceTensor share() {
        return view(shape, 0);
    }

    /** A further handle on the same elements that also leads to the same gradient. */
    DeviceTensor alias() {
        DeviceTensor alias = share();
        if (origin != null) {
            alias.attach(origin);
        }
        return alias;
    }

    /** Makes this handle lead to {@code target}; called once, on a new handle. */
    void attach(GradTarget target) {
        if (origin != null) {
            throw new IllegalStateException("tensor already has a gradient origin");
        }
        target.retain();
        origin = target;
    }

    GradTarget origin() {
        return origin;
    }

    /** While set, {@link #close()} leaves this handle open: a leaf's gradient. */
    void markOwnedByLeaf(boolean owned) {
        ownedByLeaf = owned;
    }

    /** Whether this handle alone holds its memory, all of it, so it can be updated in place. */
    boolean ownsAllOfItsStorage() {
        return storage.exclusive() && offset == 0 && storage.buffer().elements() == numel();
    }

    boolean isClosed() {
        return closed;
    }

    // ---- Tensor ---------------------------------------------------------------------------

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public boolean requiresGrad() {
        return origin != null;
    }

    /**
     * The accumulated gradient of a leaf (F32, the leaf's shape). The handle belongs to the leaf:
     * it stays valid until {@link #zeroGrad()}, and closing it has no effect.
     */
    @Override
    public Optional<Tensor> grad() {
        checkOpen();
        return origin instanceof Leaf leaf ? Optional.ofNullable(leaf.grad()) : Optional.empty();
    }

    @Override
    public void zeroGrad() {
        checkOpen();
        if (origin instanceof Leaf leaf) {
            leaf.clearGrad();
        }
    }

    @Override
    public void backward() {
        checkOpen();
        if (numel() != 1) {
            throw new IllegalArgumentException("backward: needs a scalar (one element), got "
                    + describe());
        }
        if (origin == null) {
            throw new IllegalStateException("backward: " + describe() + " does not require"
                    + " gradients: no parameter contributed to it, or it was computed under noGrad");
        }
        Autograd.backward(origin, DeviceContext.of(device).filled(shape, 1f));
    }

    @Override
    public Tensor detach() {
        return Scopes.register(share());
    }

    /**
     * Attaches a fresh {@link Leaf} or lets go of this handle's, so ops record (or skip) the graph
     * from now on; nodes recorded before keep the leaf they reference.
     */
    @Override
    public void setRequiresGrad(boolean requiresGrad) {
        checkOpen();
        if (requiresGrad == requiresGrad()) {
            return;
        }
        if (origin instanceof Node) {
            throw new IllegalStateException("setRequiresGrad: " + describe() + " was computed by"
                    + " an op that recorded the graph; only a leaf (a parameter) can be frozen or"
                    + " unfrozen; use detach() to cut a computed tensor from the graph");
        }
        if (requiresGrad) {
            attach(new Leaf(device, shape));
        } else {
            GradTarget target = origin;
            origin = null;
            GradTarget.release(target);
        }
    }

    @Override
    public float[] toFloatArray() {
        checkOpen();
        return HostCopies.downloadFloats(device, slice(), dtype, numel());
    }

    @Override
    public int[] toIntArray() {
        checkOpen();
        return HostCopies.downloadInts(device, slice(), dtype, numel());
    }

    @Override
    public float item() {
        checkOpen();
        if (numel() != 1) {
            throw new IllegalArgumentException("item: needs one element, got " + describe());
        }
        return toFloatArray()[0];
    }

    /**
     * Releases this handle's reference to the memory and to the graph. Idempotent. The handle of
     * a leaf's gradient belongs to the leaf and is not closed this way.
     */
    @Override
    public void close() {
        if (closed || ownedByLeaf) {
            return;
        }
        closed = true;
        if (owner != null) {
            owner.forget(this);
        }
        storage.release();
        if (origin != null) {
            GradTarget target = origin;
            origin = null;
            GradTarget.release(target);
        }
    }

    /** {@code [2, 3] F32}, as error messages print a tensor. */
    String describe() {
        return shape + " " + dtype;
    }

    @Override
    public String toString() {
        return "Tensor" + describe() + (closed ? " (closed)" : "") + " on " + device.name();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("tensor " + describe() + " was closed");
        }
    }
}
