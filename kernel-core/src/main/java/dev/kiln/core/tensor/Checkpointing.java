package dev.kiln.core.tensor;

import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Activation checkpointing. The forward runs the block without recording and keeps only its
 * inputs; the backward runs it again with recording on, back-propagates through that fresh graph
 * (into the inputs and into any parameters the block captures), and frees it.
 */
final class Checkpointing {

    private final DeviceContext ctx;

    Checkpointing(DeviceContext ctx) {
        this.ctx = ctx;
    }

    @SuppressWarnings("try") // the mode and scope resources act by being open
    DeviceTensor checkpoint(Function<List<Tensor>, Tensor> block, List<Tensor> tensors) {
        OpCall call = ctx.call("checkpoint");
        call.require(block != null && tensors != null, "block and inputs are required");
        List<DeviceTensor> inputs = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            inputs.add(call.operand("inputs[" + i + "]", tensors.get(i)));
        }
        if (!GradState.recording()) {
            return DeviceTensor.of(block.apply(List.copyOf(tensors)));
        }

        DeviceTensor out;
        boolean capturesParameters;
        // Recording off, training on: dropout in the block drops what the recomputation will.
        try (GradState.Probe probe = GradState.openProbe();
                GradMode unrecorded = GradState.suspendRecording();
                TensorScope blockScope = Scopes.open()) {
            out = DeviceTensor.of(block.apply(List.copyOf(tensors))).share();
            capturesParameters = probe.sawGradient();
        }
        boolean anyInputRequiresGrad = inputs.stream().anyMatch(DeviceTensor::requiresGrad);
        if (!anyInputRequiresGrad && !capturesParameters) {
            return out;
        }
        // A node even when no input needs a gradient: the captured parameters do.
        Node node = new Node("checkpoint", inputs);
        List<DeviceTensor> savedInputs = inputs.stream().map(node::save).toList();
        node.setBackward(grad -> recomputeAndBackward(block, node, savedInputs, grad));
        out.attach(node);
        return out;
    }

    @SuppressWarnings("try")
    private DeviceTensor[] recomputeAndBackward(Function<List<Tensor>, Tensor> block, Node node,
            List<DeviceTensor> savedInputs, DeviceTensor gradOutput) {
        DeviceTensor[] inputGrads = new DeviceTensor[savedInputs.size()];
        try (GradMode recording = GradState.enable(); TensorScope recomputation = Scopes.open()) {
            // Fresh leaves on the saved inputs collect the inputs' gradients.
            List<Tensor> leaves = new ArrayList<>();
            List<Leaf> sinks = new ArrayList<>();
            for (int i = 0; i < savedInputs.size(); i++) {
                DeviceTensor leaf = Scopes.register(savedInputs.get(i).share());
                Leaf sink = null;
                if (node.needsGrad(i)) {
                    sink = new Leaf(ctx.device, leaf.shape());
                    leaf.attach(sink);
                }
                leaves.add(leaf);
                sinks.add(sink);
            }
            DeviceTensor recomputed = DeviceTensor.of(block.apply(leaves));
            if (!recomputed.shape().equals(gradOutput.shape())) {
                throw new IllegalStateException("checkpoint: the recomputed block gave "
                        + recomputed.describe() + ", the forward " + gradOutput.shape()
                        + ": the block must be deterministic");
            }
            if (recomputed.requiresGrad()) {
                Autograd.backward(recomputed.origin(), gradOutput.share());
            }
            for (int i = 0; i < inputGrads.length; i++) {
                inputGrads[i] = sinks.get(i) == null ? null : sinks.get(i).takeGrad();
            }
        }
        return inputGrads;
    }
}
