package dev.kiln.core.tensor;

import dev.kiln.api.tensor.Shape;
import java.util.Arrays;

/** Shape arithmetic shared by the ops: a tensor {@code [..., n]} seen as rows of n. */
final class Dims {

    private Dims() {}

    /** The size of the last dim; 1 for a scalar. */
    static int last(Shape shape) {
        return shape.rank() == 0 ? 1 : shape.dim(-1);
    }

    /** The number of rows of {@code last(shape)}: the product of all dims but the last. */
    static int rows(Shape shape) {
        return product(shape, 0, Math.max(0, shape.rank() - 1));
    }

    /** The product of dims {@code from} (inclusive) to {@code to} (exclusive), as an int. */
    static int product(Shape shape, int from, int to) {
        long product = 1;
        for (int i = from; i < to; i++) {
            product *= shape.dim(i);
        }
        return toInt(product);
    }

    /** {@code shape} with its last dim replaced by {@code size}. */
    static Shape withLast(Shape shape, int size) {
        int[] dims = shape.toArray();
        dims[dims.length - 1] = size;
        return Shape.of(dims);
    }

    /** {@code shape} with {@code size} appended. */
    static Shape append(Shape shape, int size) {
        int[] dims = Arrays.copyOf(shape.toArray(), shape.rank() + 1);
        dims[shape.rank()] = size;
        return Shape.of(dims);
    }

    /** {@code shape} with dim {@code dim} replaced by {@code size}. */
    static Shape with(Shape shape, int dim, int size) {
        int[] dims = shape.toArray();
        dims[dim] = size;
        return Shape.of(dims);
    }

    static int toInt(long count) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(count + " elements: more than a kernel call takes");
        }
        return (int) count;
    }
}
