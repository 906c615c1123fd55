package dev.kiln.core.tensor;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Where the gradient of a tensor goes: the {@link Node} that computed it, or the {@link Leaf}
 * that accumulates it. Reference-counted by the handles that carry it and by the graph edges
 * that point to it; when the count reaches 0 it frees what it holds (saved tensors, gradients).
 */
sealed interface GradTarget permits Node, Leaf {

    void retain();

    /** Drops one reference; true when that was the last one and {@link #dispose} must follow. */
    boolean dropReference();

    /** Frees what this target holds, adding the targets it referenced to {@code released}. */
    void dispose(Deque<GradTarget> released);

    /**
     * Releases one reference to {@code target} and disposes of everything that becomes
     * unreachable. Iterative, because a graph can be thousands of nodes deep.
     */
    static void release(GradTarget target) {
        Deque<GradTarget> pending = new ArrayDeque<>();
        pending.push(target);
        while (!pending.isEmpty()) {
            GradTarget next = pending.pop();
            if (next.dropReference()) {
                next.dispose(pending);
            }
        }
    }
}
