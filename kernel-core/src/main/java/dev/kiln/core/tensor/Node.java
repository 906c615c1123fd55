package dev.kiln.core.tensor;

import dev.kiln.api.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One recorded op in the graph: where the gradients of its inputs go, the tensors its backward
 * needs (holding references to their storage), and the backward itself. Freed, saved tensors
 * first, when its backward has run or when nothing references it any more.
 */
final class Node implements GradTarget {

    /** Creation order: an op's node is always created after the nodes of its inputs. */
    private static final AtomicLong NEXT_SEQUENCE = new AtomicLong();

    private final long sequence = NEXT_SEQUENCE.getAndIncrement();
    private final String op;
    private final GradTarget[] inputs;
    private final Shape[] inputShapes;
    private final List<DeviceTensor> saved = new ArrayList<>();
    private final AtomicInteger references = new AtomicInteger();
    private BackwardFunction backward;
    private boolean spent;

    /** A node for {@code op} on {@code inputs} (null entries for absent optional operands). */
    Node(String op, List<DeviceTensor> inputs) {
        this.op = op;
        this.inputs = new GradTarget[inputs.size()];
        this.inputShapes = new Shape[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            DeviceTensor input = inputs.get(i);
            if (input != null) {
                inputShapes[i] = input.shape();
                this.inputs[i] = input.origin();
                if (this.inputs[i] != null) {
                    this.inputs[i].retain();
                }
            }
        }
    }

    String op() {
        return op;
    }

    long sequence() {
        return sequence;
    }

    int inputCount() {
        return inputs.length;
    }

    /** Where the gradient of input {@code i} goes; null when it needs none. */
    GradTarget input(int i) {
        return inputs[i];
    }

    Shape inputShape(int i) {
        return inputShapes[i];
    }

    /** Whether the backward must compute the gradient of input {@code i}. */
    boolean needsGrad(int i) {
        return inputs[i] != null;
    }

    /** Keeps the elements of {@code tensor} for the backward; returns the saved handle. */
    DeviceTensor save(DeviceTensor tensor) {
        DeviceTensor kept = tensor.share();
        saved.add(kept);
        return kept;
    }

    /** Takes ownership of a tensor only the backward needs (normalization statistics, lse). */
    void adopt(DeviceTensor tensor) {
        saved.add(tensor);
    }

    void setBackward(BackwardFunction backward) {
        this.backward = backward;
    }

    boolean isSpent() {
        return spent;
    }

    /** The gradients of the inputs (null where not needed) from the gradient of the output. */
    DeviceTensor[] runBackward(DeviceTensor gradOutput) {
        if (spent) {
            throw new IllegalStateException("backward: the graph through '" + op
                    + "' was already freed");
        }
        return backward.apply(gradOutput);
    }

    /** Frees the saved tensors: after the backward ran, or when the graph is dropped. */
    void releaseSaved() {
        spent = true;
        backward = null;
        for (DeviceTensor tensor : saved) {
            tensor.close();
        }
        saved.clear();
    }

    @Override
    public void retain() {
        references.incrementAndGet();
    }

    @Override
    public boolean dropReference() {
        return references.decrementAndGet() == 0;
    }

    @Override
    public void dispose(Deque<GradTarget> released) {
        releaseSaved();
        for (GradTarget input : inputs) {
            if (input != null) {
                released.push(input);
            }
        }
        Arrays.fill(inputs, null);
    }

    @Override
    public String toString() {
        return "Node[" + op + " #" + sequence + "]";
    }
}
