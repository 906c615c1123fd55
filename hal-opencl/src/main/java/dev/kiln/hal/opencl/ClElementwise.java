package dev.kiln.hal.opencl;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.backend.Kernels.Activation;
import dev.kiln.api.backend.Kernels.BinaryOp;
import dev.kiln.api.backend.Slice;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The elementwise kernels (elementwise.cl): arithmetic, activations, SwiGLU, dropout and the
 * AdamW step, one work item per element.
 */
final class ClElementwise {

    private final OpenClDevice device;
    private final int group;

    ClElementwise(OpenClDevice device) {
        this.device = device;
        this.group = device.tuning().elementGroup();
    }

    void binary(BinaryOp op, Slice a, Slice b, Slice out, int rows, int cols, boolean broadcastB) {
        String kernel = "binary " + op;
        Operands check = new Operands(device, kernel);
        check.size("rows", rows);
        check.size("cols", cols);
        long n = (long) rows * cols;
        check.f32("a", a, n);
        check.f32("b", b, broadcastB ? cols : n);
        check.f32("out", out, n);
        launch("binary_op", () -> kernel + " rows=" + rows + " cols=" + cols + (broadcastB ? " broadcast b" : ""))
                .slice(a).slice(b).slice(out).longValue(n).longValue(Math.max(1, cols)).intValue(op.ordinal())
                .flag(broadcastB).run1d(n, group);
    }

    void scale(Slice x, Slice out, long n, float alpha) {
        Operands check = new Operands(device, "scale");
        check.size("n", n);
        check.f32("x", x, n);
        check.f32("out", out, n);
        launch("scale", () -> "scale n=" + n).slice(x).slice(out).longValue(n).floatValue(alpha).run1d(n, group);
    }

    void axpy(float alpha, Slice x, Slice y, long n) {
        Operands check = new Operands(device, "axpy");
        check.size("n", n);
        check.f32("x", x, n);
        check.f32("y", y, n);
        launch("axpy", () -> "axpy n=" + n).floatValue(alpha).slice(x).slice(y).longValue(n).run1d(n, group);
    }

    void fill(Slice out, long n, float value) {
        Operands check = new Operands(device, "fill");
        check.size("n", n);
        check.f32("out", out, n);
        launch("fill", () -> "fill n=" + n).slice(out).longValue(n).floatValue(value).run1d(n, group);
    }

    void activation(Activation act, Slice x, Slice out, long n) {
        Operands check = new Operands(device, "activation " + act);
        check.size("n", n);
        check.f32("x", x, n);
        check.f32("out", out, n);
        launch("activation", () -> "activation " + act + " n=" + n).slice(x).slice(out).longValue(n)
                .intValue(act.ordinal()).run1d(n, group);
    }

    void activationBackward(Activation act, Slice x, Slice dOut, Slice dx, long n) {
        Operands check = new Operands(device, "activationBackward " + act);
        check.size("n", n);
        check.f32("x", x, n);
        check.f32("dOut", dOut, n);
        check.f32("dx", dx, n);
        launch("activation_backward", () -> "activationBackward " + act + " n=" + n).slice(x).slice(dOut).slice(dx)
                .longValue(n).intValue(act.ordinal()).run1d(n, group);
    }

    void swiglu(Slice gate, Slice up, Slice out, long n) {
        Operands check = new Operands(device, "swiglu");
        check.size("n", n);
        check.f32("gate", gate, n);
        check.f32("up", up, n);
        check.f32("out", out, n);
        launch("swiglu", () -> "swiglu n=" + n).slice(gate).slice(up).slice(out).longValue(n).run1d(n, group);
    }

    void swigluBackward(Slice gate, Slice up, Slice dOut, Slice dGate, Slice dUp, long n) {
        Operands check = new Operands(device, "swigluBackward");
        check.size("n", n);
        check.f32("gate", gate, n);
        check.f32("up", up, n);
        check.f32("dOut", dOut, n);
        check.f32("dGate", dGate, n);
        check.f32("dUp", dUp, n);
        launch("swiglu_backward", () -> "swigluBackward n=" + n).slice(gate).slice(up).slice(dOut).slice(dGate)
                .slice(dUp).longValue(n).run1d(n, group);
    }

    /** dropout and its backward are the same kernel: scale what the mask keeps, zero the rest. */
    void dropout(String kernel, Slice x, Slice out, long n, float p, long seed) {
        Operands check = new Operands(device, kernel);
        check.size("n", n);
        if (!(p >= 0 && p <= 1)) {
            throw check.fail("p must be in [0, 1]: " + p);
        }
        check.f32(kernel.equals("dropout") ? "x" : "dOut", x, n);
        check.f32(kernel.equals("dropout") ? "out" : "dx", out, n);
        float keptScale = (float) (1 / (1 - (double) p)); // infinite at p = 1, where nothing is kept
        launch("dropout", () -> String.format(Locale.ROOT, "%s p=%s n=%d seed=%d", kernel, p, n, seed))
                .slice(x).slice(out).longValue(n).floatValue(p).floatValue(keptScale).longValue(mix64(seed))
                .run1d(n, group);
    }

    void adamW(AdamWStep step, Slice param, Slice grad, Slice m, Slice v, long n) {
        Operands check = new Operands(device, "adamW");
        check.size("n", n);
        check.f32("param", param, n);
        check.f32("grad", grad, n);
        check.f32("m", m, n);
        check.f32("v", v, n);
        float biasCorrection1 = (float) (1 - Math.pow(step.beta1(), step.step()));
        float biasCorrection2 = (float) (1 - Math.pow(step.beta2(), step.step()));
        launch("adamw", () -> "adamW n=" + n + " step=" + step.step()).slice(param).slice(grad).slice(m).slice(v)
                .longValue(n).floatValue(step.lr()).floatValue(step.beta1()).floatValue(step.beta2())
                .floatValue(step.eps()).floatValue(step.weightDecay()).floatValue(biasCorrection1)
                .floatValue(biasCorrection2).run1d(n, group);
    }

    /** SplitMix64's finalizer, as ReferenceKernels.dropoutKeep applies it to the seed. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private Launch launch(String kernel, Supplier<String> call) {
        return new Launch(device, device.mainProgram(), kernel, call);
    }
}
