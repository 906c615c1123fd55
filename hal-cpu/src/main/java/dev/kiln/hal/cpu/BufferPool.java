package dev.kiln.hal.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The arrays of released buffers, kept by element type and length for the next allocation of the
 * same size. A training step or a prefill allocates the same sizes every time; without the pool
 * each one is a fresh array that the JVM zeroes and the collector later reclaims (2-3.5% of a
 * Llama layer's training step, more of a prefill). A reused array keeps its old contents, which
 * the HAL allows: {@code Device.allocate} promises no contents.
 *
 * <p>The pool holds at most {@code capacityBytes}; a release that would go past it empties the
 * pool first, so that sizes a workload stopped using do not stay forever. Arrays below
 * {@link #MIN_ELEMENTS} are not kept: the JVM allocates those faster than a lookup. Thread-safe.
 */
final class BufferPool {

    static final int MIN_ELEMENTS = 4096;

    private record Size(Class<?> type, int length) {}

    private final long capacityBytes;
    private final Map<Size, ArrayDeque<Object>> free = new HashMap<>();
    private long pooledBytes;

    BufferPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** A released array of this type and length, most recently released first, or null. */
    synchronized Object take(Class<?> type, int length, long bytes) {
        if (length < MIN_ELEMENTS) {
            return null;
        }
        ArrayDeque<Object> arrays = free.get(new Size(type, length));
        Object array = arrays == null ? null : arrays.pollLast();
        if (array != null) {
            pooledBytes -= bytes;
        }
        return array;
    }

    /** Keeps a released buffer's array of {@code bytes} bytes for a later allocation of its size. */
    synchronized void put(Object array, int length, long bytes) {
        if (length < MIN_ELEMENTS || bytes > capacityBytes) {
            return;
        }
        if (pooledBytes + bytes > capacityBytes) {
            clear();
        }
        free.computeIfAbsent(new Size(array.getClass(), length), size -> new ArrayDeque<>()).addLast(array);
        pooledBytes += bytes;
    }

    /** Empties the pool when it holds more than {@code maxBytes}. */
    synchronized void trimTo(long maxBytes) {
        if (pooledBytes > maxBytes) {
            clear();
        }
    }

    /** Drops every kept array, for the collector to reclaim. */
    synchronized void clear() {
        free.clear();
        pooledBytes = 0;
    }

    synchronized long pooledBytes() {
        return pooledBytes;
    }
}
