package dev.kiln.hal.cpu.kernel;

/**
 * Up-front validation of an attention call, so that bad input fails with a message naming the
 * operand, its expected layout and the shape, never with an index error deep in a kernel.
 */
final class AttentionChecks {

    private AttentionChecks() {}

    static void spec(AttentionSpec spec) {
        if (spec == null) {
            throw new IllegalArgumentException("attention: the spec is null");
        }
    }

    static void queryLike(AttentionSpec spec, String name, float[] array, int offset) {
        operand(spec, name, array, offset, spec.queryElements(), "[batch, seqQ, numHeads, headDim] = ["
                + spec.batch() + ", " + spec.seqQ() + ", " + spec.numHeads() + ", " + spec.headDim() + "]");
    }

    static void keyLike(AttentionSpec spec, String name, float[] array, int offset) {
        operand(spec, name, array, offset, spec.keyElements(), "[batch, seqK, numKvHeads, headDim] = ["
                + spec.batch() + ", " + spec.seqK() + ", " + spec.numKvHeads() + ", " + spec.headDim() + "]");
    }

    /** A key-like operand kept in bfloat16. */
    static void keyLike(AttentionSpec spec, String name, short[] array, int offset) {
        operand(spec, name, array == null ? -1 : array.length, "bfloat16s", offset, spec.keyElements(),
                "[batch, seqK, numKvHeads, headDim] = [" + spec.batch() + ", " + spec.seqK() + ", "
                        + spec.numKvHeads() + ", " + spec.headDim() + "]");
    }

    static void lse(AttentionSpec spec, float[] array, int offset) {
        operand(spec, "lse", array, offset, spec.lseElements(), "[batch, numHeads, seqQ] = ["
                + spec.batch() + ", " + spec.numHeads() + ", " + spec.seqQ() + "]");
    }

    /** The mask is optional: null means none. */
    static void mask(AttentionSpec spec, float[] array, int offset) {
        if (array != null) {
            operand(spec, "mask", array, offset, spec.maskElements(), "[batch, seqQ, seqK] = ["
                    + spec.batch() + ", " + spec.seqQ() + ", " + spec.seqK() + "]");
        }
    }

    static void range(AttentionSpec spec, String unit, int from, int to, int items) {
        if (from < 0 || from > to || to > items) {
            throw new IllegalArgumentException("attention: work range [" + from + ", " + to + ") is not within [0, "
                    + items + ") " + unit + " pairs (" + spec + ")");
        }
    }

    static void scratch(AttentionScratch scratch) {
        if (scratch == null) {
            throw new IllegalArgumentException("attention: the scratch is null");
        }
    }

    private static void operand(AttentionSpec spec, String name, float[] array, int offset, long elements,
                                String layout) {
        operand(spec, name, array == null ? -1 : array.length, "floats", offset, elements, layout);
    }

    /** {@code length} -1 for a null array. */
    private static void operand(AttentionSpec spec, String name, int length, String units, int offset,
                                long elements, String layout) {
        if (length < 0) {
            throw new IllegalArgumentException("attention: " + name + " is null; expected " + layout
                    + " (" + spec + ")");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("attention: " + name + " offset " + offset + " is negative ("
                    + spec + ")");
        }
        if (offset + elements > length) {
            throw new IllegalArgumentException("attention: " + name + " " + layout + " needs " + elements
                    + " " + units + " from offset " + offset + ", but the array has " + length + " (" + spec + ")");
        }
    }
}
