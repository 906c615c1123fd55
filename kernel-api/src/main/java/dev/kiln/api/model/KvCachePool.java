package dev.kiln.api.model;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * KV-cache slots for continuous batching: each slot holds one sequence at its own length, so
 * sequences can join and leave a running batch between two decoding steps. A server keeps its
 * running sequences in the slots {@code [0, n)} (moving the last one into a slot that a finished
 * sequence left) and runs each step as one forward over {@link #rows rows(0, n)}.
 *
 * <p>The memory of every slot is allocated up front: {@link #bytes()} is what the pool costs
 * whatever its use. Make it outside any TensorScope, or the scope frees its tensors.
 */
@ConsumerType
public interface KvCachePool extends AutoCloseable {

    /** How many sequences it holds at most. */
    int slots();

    /** Tokens each slot can hold. */
    int capacity();

    /** Tokens slot {@code slot} holds now. */
    int length(int slot);

    /** Empties a slot (keeping its memory). */
    void clear(int slot);

    /**
     * Copies slot {@code from}'s keys, values and length into slot {@code to}, replacing what
     * {@code to} held: to move a sequence, or to give {@code n} samples of one prompt the same
     * prefilled prompt.
     */
    void copy(int from, int to);

    /**
     * The slots {@code [first, first + count)} as the cache of one forward of a
     * {@code [count, seq]} batch: row r is slot {@code first + r}, its {@code seq} new tokens are
     * written at that slot's own length, and each of its queries sees that slot's keys up to
     * its own position and nothing else. The forward's {@code positions} are the caller's
     * (usually the slot's length onward) and its {@code attentionMask} must be null: the
     * slots' lengths replace padding. The view's {@link KvCache#length()} is its longest slot's;
     * closing it closes nothing of the pool.
     *
     * @throws IllegalArgumentException when the range is outside the pool
     */
    KvCache rows(int first, int count);

    /** Device memory its keys and values take. */
    long bytes();

    /** Releases the memory. */
    @Override
    void close();
}
