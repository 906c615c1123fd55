package dev.kiln.core.tensor;

import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.api.tensor.Tensor;
import java.util.List;

/** Pointwise activations and the fused SwiGLU; each backward needs the inputs. */
final class ActivationOps {

    private final DeviceContext ctx;

    ActivationOps(DeviceContext ctx) {
        this.ctx = ctx;
    }

    DeviceTensor activation(String op, Activation activation, Tensor tx) {
        OpCall call = ctx.call(op);
        DeviceTensor x = call.operand("x", tx);
        call.requireF32(x);
        DeviceTensor out = ctx.allocate(x.shape());
        ctx.kernels.activation(activation, x.slice(), out.slice(), x.numel());
        return Graph.record(op, out, List.of(x), node -> {
            DeviceTensor savedX = node.save(x);
            return grad -> {
                DeviceTensor dx = ctx.allocate(grad.shape());
                ctx.kernels.activationBackward(activation, savedX.slice(), grad.slice(), dx.slice(),
                        grad.numel());
                return Graph.grads(dx);
            };
        });
    }

    DeviceTensor swiglu(Tensor tGate, Tensor tUp) {
        OpCall call = ctx.call("swiglu");
        DeviceTensor gate = call.operand("gate", tGate);
        DeviceTensor up = call.operand("up", tUp);
        call.requireF32(gate, up);
        call.require(gate.shape().equals(up.shape()), "gate and up must have the same shape");
        DeviceTensor out = ctx.allocate(gate.shape());
        ctx.kernels.swiglu(gate.slice(), up.slice(), out.slice(), gate.numel());
        return Graph.record("swiglu", out, List.of(gate, up), node -> {
            DeviceTensor savedGate = node.save(gate);
            DeviceTensor savedUp = node.save(up);
            return grad -> {
                // The kernel writes both gradients; the one nobody needs is dropped.
                DeviceTensor dGate = ctx.allocate(grad.shape());
                DeviceTensor dUp = ctx.allocate(grad.shape());
                ctx.kernels.swigluBackward(savedGate.slice(), savedUp.slice(), grad.slice(),
                        dGate.slice(), dUp.slice(), grad.numel());
                return Graph.grads(keepIf(node.needsGrad(0), dGate), keepIf(node.needsGrad(1), dUp));
            };
        });
    }

    /** {@code tensor} when wanted; otherwise closes it and gives null. */
    static DeviceTensor keepIf(boolean wanted, DeviceTensor tensor) {
        if (wanted) {
            return tensor;
        }
        tensor.close();
        return null;
    }
}
