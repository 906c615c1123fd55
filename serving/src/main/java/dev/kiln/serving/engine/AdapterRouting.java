package dev.kiln.serving.engine;

/**
 * Which adapter each row of the forward being run uses ({@link Adapters#BASE} for none): set by
 * the engine thread before each forward, read by the {@link RoutedLinear} layers during it.
 */
final class AdapterRouting {

    private int[] rows;

    /** @param rows per row of the next forward, its adapter id; null when every row is the base's */
    void set(int[] rows) {
        this.rows = rows;
    }

    int[] rows() {
        return rows;
    }
}
