package dev.kiln.core.tensor;

import java.util.List;

/** Records ops into the graph when gradients are being recorded and an operand needs one. */
final class Graph {

    private Graph() {}

    /** Builds the backward of a node, saving what it needs through {@link Node#save}. */
    @FunctionalInterface
    interface BackwardBuilder {
        BackwardFunction build(Node node);
    }

    /** {@link #record(String, DeviceTensor, List, List, BackwardBuilder)} with no temporaries. */
    static DeviceTensor record(String op, DeviceTensor out, List<DeviceTensor> inputs,
            BackwardBuilder builder) {
        return record(op, out, inputs, List.of(), builder);
    }

    /**
     * Makes {@code out} the result of a new node for {@code op} when the graph is wanted.
     *
     * @param inputs the operands, in the order the backward returns their gradients (null for
     *     an absent optional operand)
     * @param temporaries tensors the forward made only for the backward (statistics, lse): the
     *     node keeps them, or they are closed at once when no node is made
     * @return {@code out}
     */
    static DeviceTensor record(String op, DeviceTensor out, List<DeviceTensor> inputs,
            List<DeviceTensor> temporaries, BackwardBuilder builder) {
        if (!wantsNode(inputs)) {
            temporaries.forEach(DeviceTensor::close);
            return out;
        }
        Node node = new Node(op, inputs);
        temporaries.forEach(node::adopt);
        node.setBackward(builder.build(node));
        out.attach(node);
        return out;
    }

    /** Whether an op on {@code inputs} records a node now. */
    static boolean wantsNode(List<DeviceTensor> inputs) {
        boolean needsGradient = false;
        for (DeviceTensor input : inputs) {
            needsGradient |= input != null && input.requiresGrad();
        }
        if (needsGradient && !GradState.recording()) {
            GradState.noteUnrecordedGradient();
            return false;
        }
        return needsGradient;
    }

    /** Wraps the backward's results, for readability at the call. */
    static DeviceTensor[] grads(DeviceTensor... perInput) {
        return perInput;
    }
}
