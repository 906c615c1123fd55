package dev.kiln.core.tensor;

import dev.kiln.api.backend.Kernels;
import dev.kiln.api.tensor.DType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reverse pass: runs the backward of every node that leads to the root, newest first, sums
 * the gradients that meet at a node, adds the ones that reach leaves into their {@code grad},
 * and frees each node's saved tensors as soon as its backward has run.
 */
final class Autograd {

    private Autograd() {}

    /**
     * Back-propagates {@code seed}, the gradient of the tensor whose origin is {@code root}.
     * Takes ownership of {@code seed}. Single-threaded and in a fixed order, hence deterministic.
     */
    static void backward(GradTarget root, DeviceTensor seed) {
        if (root instanceof Leaf leaf) {
            leaf.accumulate(seed);
            return;
        }
        List<Node> order;
        try {
            order = nodesNewestFirst((Node) root);
        } catch (RuntimeException e) {
            seed.close();
            throw e;
        }
        Map<Node, DeviceTensor> pending = new IdentityHashMap<>();
        pending.put((Node) root, seed);
        try {
            for (Node node : order) {
                DeviceTensor grad = pending.remove(node);
                if (grad == null) {
                    node.releaseSaved(); // no gradient reached it: nothing to propagate
                    continue;
                }
                DeviceTensor[] inputGrads;
                try {
                    inputGrads = node.runBackward(grad);
                } finally {
                    grad.close();
                    node.releaseSaved(); // eager: the activations go as soon as they are used
                }
                distribute(node, inputGrads, pending);
            }
        } finally {
            pending.values().forEach(DeviceTensor::close);
            for (Node node : order) {
                node.releaseSaved();
                GradTarget.release(node);
            }
        }
    }

    /** Every node reachable from {@code root}, retained for the pass, newest first. */
    private static List<Node> nodesNewestFirst(Node root) {
        List<Node> found = new ArrayList<>();
        Map<Node, Boolean> seen = new IdentityHashMap<>();
        Deque<Node> toVisit = new ArrayDeque<>();
        toVisit.push(root);
        seen.put(root, true);
        while (!toVisit.isEmpty()) {
            Node node = toVisit.pop();
            if (node.isSpent()) {
                throw new IllegalStateException("backward: the graph through '" + node.op()
                        + "' was already freed by an earlier backward(); compute the loss again");
            }
            found.add(node);
            for (int i = 0; i < node.inputCount(); i++) {
                if (node.input(i) instanceof Node input && seen.put(input, true) == null) {
                    toVisit.push(input);
                }
            }
        }
        // An op's node is created after its inputs' nodes, so newest-first is a topological order.
        found.sort(Comparator.comparingLong(Node::sequence).reversed());
        found.forEach(Node::retain);
        return found;
    }

    private static void distribute(Node node, DeviceTensor[] inputGrads,
            Map<Node, DeviceTensor> pending) {
        if (inputGrads.length != node.inputCount()) {
            closeAll(inputGrads);
            throw new IllegalStateException("backward of '" + node.op() + "' returned "
                    + inputGrads.length + " gradients for " + node.inputCount() + " inputs");
        }
        for (int i = 0; i < inputGrads.length; i++) {
            DeviceTensor grad = inputGrads[i];
            inputGrads[i] = null;
            if (grad == null) {
                continue;
            }
            GradTarget target = node.input(i);
            if (target == null) {
                grad.close();
                continue;
            }
            if (!grad.shape().equals(node.inputShape(i)) || grad.dtype() != DType.F32) {
                grad.close();
                closeAll(inputGrads);
                throw new IllegalStateException("backward of '" + node.op() + "' gave input " + i
                        + " a gradient " + grad.describe() + " for an input of shape "
                        + node.inputShape(i));
            }
            switch (target) {
                case Leaf leaf -> leaf.accumulate(grad);
                case Node producer -> pending.merge(producer, grad, Autograd::sum);
            }
        }
    }

    /** The sum of two gradients, in place in whichever nobody else shares. */
    private static DeviceTensor sum(DeviceTensor a, DeviceTensor b) {
        Kernels kernels = a.device().kernels();
        if (a.ownsAllOfItsStorage()) {
            kernels.axpy(1f, b.slice(), a.slice(), a.numel());
            b.close();
            return a;
        }
        if (b.ownsAllOfItsStorage()) {
            kernels.axpy(1f, a.slice(), b.slice(), b.numel());
            a.close();
            return b;
        }
        DeviceTensor total = DeviceTensor.allocate(a.device(), a.shape(), DType.F32);
        a.device().copy(a.slice(), total.slice(), a.numel());
        kernels.axpy(1f, b.slice(), total.slice(), total.numel());
        a.close();
        b.close();
        return total;
    }

    private static void closeAll(DeviceTensor[] tensors) {
        for (DeviceTensor tensor : tensors) {
            if (tensor != null) {
                tensor.close();
            }
        }
    }
}
