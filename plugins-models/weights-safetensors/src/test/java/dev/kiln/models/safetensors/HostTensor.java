package dev.kiln.models.safetensors;

import dev.kiln.api.backend.Device;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * A tensor held on the host, for the writer's tests: what the writer uses of a {@link Tensor}
 * (shape, dtype, the host copies) without an engine, so this bundle's tests depend on nothing
 * but the API. Its F32 copy holds values exactly representable in its dtype, as an engine's does.
 */
final class HostTensor implements Tensor {

    private final Shape shape;
    private final DType dtype;
    private final float[] floats;
    private final int[] ints;

    private HostTensor(Shape shape, DType dtype, float[] floats, int[] ints) {
        this.shape = shape;
        this.dtype = dtype;
        this.floats = floats;
        this.ints = ints;
    }

    static HostTensor floats(DType dtype, Shape shape, float... values) {
        float[] rounded = values.clone();
        for (int i = 0; i < rounded.length; i++) {
            rounded[i] = switch (dtype) {
                case F32 -> rounded[i];
                case F16 -> Float.float16ToFloat(Float.floatToFloat16(rounded[i]));
                case BF16 -> Float.intBitsToFloat(Float.floatToRawIntBits(rounded[i]) & 0xFFFF0000);
                default -> throw new IllegalArgumentException(dtype.name());
            };
        }
        return new HostTensor(shape, dtype, rounded, null);
    }

    static HostTensor ints(Shape shape, int... values) {
        return new HostTensor(shape, DType.I32, null, values.clone());
    }

    /** The tensor stored as {@code bytes} (little-endian {@code dtype}). */
    static HostTensor of(DType dtype, Shape shape, MemorySegment bytes) {
        int n = Math.toIntExact(shape.numel());
        ValueLayout.OfShort half = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.I32) {
            int[] values = new int[n];
            for (int i = 0; i < n; i++) {
                values[i] = bytes.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        4L * i);
            }
            return new HostTensor(shape, dtype, null, values);
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = switch (dtype) {
                case F32 -> bytes.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        4L * i);
                case F16 -> Float.float16ToFloat(bytes.get(half, 2L * i));
                case BF16 -> Float.intBitsToFloat(bytes.get(half, 2L * i) << 16);
                default -> throw new IllegalArgumentException(dtype.name());
            };
        }
        return new HostTensor(shape, dtype, values, null);
    }

    /** A tensor of {@code dtype} whose host copy fails, as a device error would. */
    static HostTensor failing(DType dtype, Shape shape) {
        return new HostTensor(shape, dtype, null, null);
    }

    @Override
    public Shape shape() {
        return shape;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public float[] toFloatArray() {
        if (floats == null) {
            throw new IllegalStateException("no float copy of this " + dtype + " tensor");
        }
        return floats.clone();
    }

    @Override
    public int[] toIntArray() {
        if (ints == null) {
            throw new IllegalStateException("no int copy of this " + dtype + " tensor");
        }
        return ints.clone();
    }

    @Override
    public Device device() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean requiresGrad() {
        return false;
    }

    @Override
    public Optional<Tensor> grad() {
        return Optional.empty();
    }

    @Override
    public void zeroGrad() {}

    @Override
    public void backward() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Tensor detach() {
        return this;
    }

    @Override
    public void setRequiresGrad(boolean requiresGrad) {
        throw new UnsupportedOperationException();
    }

    @Override
    public float item() {
        return toFloatArray()[0];
    }

    @Override
    public void close() {}
}
