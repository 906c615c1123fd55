package dev.kiln.benchmarks.inference;

/**
 * One engine's greedy generation, batch 1, as {@link InferenceRun} times it: the same calls on
 * every Java side, so the sides differ only in the engine underneath.
 */
interface GreedyDecoder extends AutoCloseable {

    /** Runs {@code tokens} at positions 0.. into an empty cache (whatever it held is forgotten)
     * and returns the argmax of the last position's logits. */
    int prefill(int[] tokens);

    /** Runs one token at {@code position}, appending to the cache, and returns the argmax of its
     * logits. */
    int next(int token, int position);

    @Override
    void close();
}
