package dev.kiln.api.weights;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import java.util.Objects;

/**
 * A tensor stored in a checkpoint: its name, element type and shape. Quantized storage (GGUF's
 * Q8_0, ...) is named by {@link #storage()}; {@link #dtype()} is then the type it dequantizes to.
 */
public final class TensorInfo {

    private final String name;
    private final DType dtype;
    private final Shape shape;
    private final String storage;

    public TensorInfo(String name, DType dtype, Shape shape, String storage) {
        this.name = Objects.requireNonNull(name);
        this.dtype = Objects.requireNonNull(dtype);
        this.shape = Objects.requireNonNull(shape);
        this.storage = Objects.requireNonNull(storage);
    }

    /** A tensor stored plainly as {@code dtype}. */
    public TensorInfo(String name, DType dtype, Shape shape) {
        this(name, dtype, shape, dtype.name());
    }

    public String name() { return name; }
    public DType dtype() { return dtype; }
    public Shape shape() { return shape; }

    /** How the bytes are stored: a {@link DType} name, or a quantized format such as {@code Q8_0}. */
    public String storage() { return storage; }

    @Override
    public String toString() {
        return name + " " + storage + shape;
    }
}
