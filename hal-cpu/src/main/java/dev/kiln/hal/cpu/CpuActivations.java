package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Activations;

/** activation, swiglu and their backwards, split into element blocks. */
final class CpuActivations {

    private final CpuDevice device;
    private final Blocks blocks;

    CpuActivations(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void activation(Activation act, Slice x, Slice out, long n) {
        Operands op = new Operands(device, "activation " + act);
        float[] xs = op.f32("x", x, n);
        float[] outs = op.f32("out", out, n);
        int xo = at(x), oo = at(out);
        blocks.elements(n, (from, to) -> {
            switch (act) {
                case SILU -> Activations.silu(xs, xo, outs, oo, from, to);
                case GELU_ERF -> Activations.gelu(xs, xo, outs, oo, from, to);
                case GELU_TANH -> Activations.geluTanh(xs, xo, outs, oo, from, to);
                case RELU -> Activations.relu(xs, xo, outs, oo, from, to);
            }
        });
    }

    void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n) {
        Operands op = new Operands(device, "activationBackward " + act);
        float[] xs = op.f32("x", x, n);
        float[] dOuts = op.f32("dOut", dOut, n);
        float[] dxs = op.f32("dx", dx, n);
        int xo = at(x), go = at(dOut), dxo = at(dx);
        blocks.elements(n, (from, to) -> {
            switch (act) {
                case SILU -> Activations.siluBackward(xs, xo, dOuts, go, dxs, dxo, from, to);
                case GELU_ERF -> Activations.geluBackward(xs, xo, dOuts, go, dxs, dxo, from, to);
                case GELU_TANH -> Activations.geluTanhBackward(xs, xo, dOuts, go, dxs, dxo, from, to);
                case RELU -> Activations.reluBackward(xs, xo, dOuts, go, dxs, dxo, from, to);
            }
        });
    }

    void swiglu(Slice gate, Slice up, Slice out, long n) {
        Operands op = new Operands(device, "swiglu");
        float[] gates = op.f32("gate", gate, n);
        float[] ups = op.f32("up", up, n);
        float[] outs = op.f32("out", out, n);
        int go = at(gate), uo = at(up), oo = at(out);
        blocks.elements(n, (from, to) -> Activations.swiglu(gates, go, ups, uo, outs, oo, from, to));
    }

    void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n) {
        Operands op = new Operands(device, "swigluBackward");
        float[] gates = op.f32("gate", gate, n);
        float[] ups = op.f32("up", up, n);
        float[] dOuts = op.f32("dOut", dOut, n);
        float[] dGates = op.f32("dGate", dGate, n);
        float[] dUps = op.f32("dUp", dUp, n);
        int go = at(gate), uo = at(up), doo = at(dOut), dgo = at(dGate), duo = at(dUp);
        blocks.elements(n, (from, to) -> Activations.swigluBackward(gates, go, ups, uo, dOuts, doo,
                dGates, dgo, dUps, duo, from, to));
    }
}
