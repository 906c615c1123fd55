package dev.kiln.api.tensor;

import java.util.Arrays;

/** The sizes of a tensor's dimensions, outermost first. Immutable. */
public final class Shape {

    private static final Shape SCALAR = new Shape(new int[0]);

    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /** A shape with the given dimension sizes; each must be ≥ 0. */
    public static Shape of(int... dims) {
        if (dims.length == 0) {
            return SCALAR;
        }
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException("dimension " + i + " of " + Arrays.toString(dims)
                        + " is negative");
            }
        }
        return new Shape(dims.clone());
    }

    public static Shape scalar() {
        return SCALAR;
    }

    public int rank() {
        return dims.length;
    }

    /** The size of dimension {@code i}; negative {@code i} counts from the end, as in PyTorch. */
    public int dim(int i) {
        int index = i < 0 ? dims.length + i : i;
        if (index < 0 || index >= dims.length) {
            throw new IndexOutOfBoundsException("dimension " + i + " of a rank-" + dims.length
                    + " shape " + this);
        }
        return dims[index];
    }

    /** The number of elements. */
    public long numel() {
        long n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    public int[] toArray() {
        return dims.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape other && Arrays.equals(dims, other.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** {@code [2, 3, 4]}, as error messages print it. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
