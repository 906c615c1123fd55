package dev.kiln.core.model.cache;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;

/**
 * The memory of a cache: per layer one tensor of keys and one of values, {@code [rows, capacity,
 * kvHeads, headDim]} of the spec's kvDType, zeroed. Its tensors belong to it: make it outside any
 * TensorScope, or the scope frees them.
 */
final class LayerTensors implements AutoCloseable {

    private final Tensor[] keys;
    private final Tensor[] values;
    private final long bytes;
    private boolean closed;

    LayerTensors(TensorOps ops, CacheSpec spec, int rows, int capacity) {
        Shape shape = Shape.of(rows, capacity, spec.kvHeads(), spec.headDim());
        keys = new Tensor[spec.layers()];
        values = new Tensor[spec.layers()];
        for (int layer = 0; layer < spec.layers(); layer++) {
            keys[layer] = ops.zeros(shape, spec.kvDType());
            values[layer] = ops.zeros(shape, spec.kvDType());
        }
        bytes = 2L * spec.layers() * shape.numel() * spec.kvDType().byteSize();
    }

    int layers() {
        return keys.length;
    }

    Tensor keys(int layer) {
        return keys[layer];
    }

    Tensor values(int layer) {
        return values[layer];
    }

    long bytes() {
        return bytes;
    }

    boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (int layer = 0; layer < keys.length; layer++) {
                keys[layer].close();
                values[layer].close();
            }
        }
    }
}
