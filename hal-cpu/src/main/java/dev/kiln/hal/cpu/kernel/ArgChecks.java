package dev.kiln.hal.cpu.kernel;

/**
 * Up-front argument checks shared by the kernels. Every failure is an
 * {@link IllegalArgumentException} whose message starts with the op's name, says which argument
 * is wrong and how, so a bad call is found before any output is written.
 *
 * <p>Sizes are computed in {@code long} so that a huge row count cannot overflow into a check that
 * passes.
 */
final class ArgChecks {

    private ArgChecks() {}

    static IllegalArgumentException fail(String op, String message) {
        return new IllegalArgumentException(op + ": " + message);
    }

    /** A range [from, to) with {@code 0 <= from <= to}. */
    static void range(String op, String what, int from, int to) {
        if (from < 0 || to < from) {
            throw fail(op, what + " range [" + from + ", " + to + ") is invalid: needs 0 <= from <= to");
        }
    }

    static void positive(String op, String name, int value) {
        if (value <= 0) {
            throw fail(op, name + " must be positive, was " + value);
        }
    }

    static void finite(String op, String name, float value) {
        if (!Float.isFinite(value)) {
            throw fail(op, name + " must be finite, was " + value);
        }
    }

    /** A probability in [0, 1]. */
    static void probability(String op, String name, float value) {
        if (!(value >= 0f && value <= 1f)) {
            throw fail(op, name + " must lie in [0, 1], was " + value);
        }
    }

    /** {@code a} holds at least {@code needed} floats from {@code off}. */
    static void span(String op, String name, float[] a, int off, long needed) {
        if (a == null) {
            throw fail(op, name + " is null");
        }
        spanOf(op, name, a.length, off, needed);
    }

    static void span(String op, String name, short[] a, int off, long needed) {
        if (a == null) {
            throw fail(op, name + " is null");
        }
        spanOf(op, name, a.length, off, needed);
    }

    static void span(String op, String name, int[] a, int off, long needed) {
        if (a == null) {
            throw fail(op, name + " is null");
        }
        spanOf(op, name, a.length, off, needed);
    }

    /** {@code rowTo} rows of {@code n} floats from {@code off}: a matrix [rowTo, n] at least. */
    static void rows(String op, String name, float[] a, int off, int rowTo, int n) {
        if (a == null) {
            throw fail(op, name + " is null");
        }
        long needed = (long) rowTo * n;
        if (off < 0 || off + needed > a.length) {
            throw fail(op, name + " [" + rowTo + ", " + n + "] from offset " + off + " needs "
                    + needed + " floats past the offset, but the array holds " + a.length);
        }
    }

    private static void spanOf(String op, String name, int length, int off, long needed) {
        if (off < 0 || off + needed > length) {
            throw fail(op, name + " needs " + needed + " elements from offset " + off
                    + ", but the array holds " + length);
        }
    }
}
