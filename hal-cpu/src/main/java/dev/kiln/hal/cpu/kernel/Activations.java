package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation functions, forward and backward, over an element range [from, to) counted from each
 * array's offset: SiLU, exact GELU (erf), the tanh approximation of GELU ("gelu_new",
 * "gelu_pytorch_tanh") and fused SwiGLU.
 *
 * <p>tanh-GELU is computed as x * sigmoid(2u), u = sqrt(2/pi) (x + 0.044715 x^3): the same function
 * as x/2 (1 + tanh u), without the cancellation of 1 + tanh u for negative x, and with one exp in
 * place of a tanh.
 *
 * <p>Backward kernels take the forward's input (not its output) and the upstream gradient.
 * Outputs may alias inputs at the same offset. The tail of a range runs the same vector math under
 * a mask (not scalar code, whose exp may round differently), so an element's bits never depend on
 * where a range split falls.
 */
public final class Activations {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    /** sqrt(2 / pi), the scale inside tanh-GELU. */
    private static final float TANH_GELU_SCALE = 0.7978845608028654f;
    private static final float TANH_GELU_CUBIC = 0.044715f;
    /** 1 / sqrt(2 pi), the normal density's constant. */
    private static final float INV_SQRT_2PI = 0.3989422804014327f;

    private Activations() {}

    // ---- SiLU: x * sigmoid(x) ----

    public static void silu(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        checkForward("silu", x, xOff, y, yOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            v.mul(sigmoid(v)).intoArray(y, yOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            v.mul(sigmoid(v)).intoArray(y, yOff + i, m);
        }
    }

    /** dx = dy * sigmoid(x) * (1 + x (1 - sigmoid(x))). */
    public static void siluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                    int from, int to) {
        checkBackward("siluBackward", x, xOff, dy, dyOff, dx, dxOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            siluSlope(v, sigmoid(v)).mul(FloatVector.fromArray(F, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            siluSlope(v, sigmoid(v)).mul(FloatVector.fromArray(F, dy, dyOff + i, m)).intoArray(dx, dxOff + i, m);
        }
    }

    // ---- GELU, exact: x * Phi(x) ----

    public static void gelu(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        checkForward("gelu", x, xOff, y, yOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            v.mul(Erf.normalCdf(v)).intoArray(y, yOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            v.mul(Erf.normalCdf(v)).intoArray(y, yOff + i, m);
        }
    }

    /** dx = dy * (Phi(x) + x phi(x)), phi the standard normal density. */
    public static void geluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                    int from, int to) {
        checkBackward("geluBackward", x, xOff, dy, dyOff, dx, dxOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            geluSlope(v).mul(FloatVector.fromArray(F, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            geluSlope(v).mul(FloatVector.fromArray(F, dy, dyOff + i, m)).intoArray(dx, dxOff + i, m);
        }
    }

    // ---- GELU, tanh approximation: x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) ----

    public static void geluTanh(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        checkForward("geluTanh", x, xOff, y, yOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            v.mul(sigmoid(tanhGeluArgument(v).mul(2f))).intoArray(y, yOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            v.mul(sigmoid(tanhGeluArgument(v).mul(2f))).intoArray(y, yOff + i, m);
        }
    }

    public static void geluTanhBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                        int from, int to) {
        checkBackward("geluTanhBackward", x, xOff, dy, dyOff, dx, dxOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            geluTanhSlope(v).mul(FloatVector.fromArray(F, dy, dyOff + i)).intoArray(dx, dxOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            geluTanhSlope(v).mul(FloatVector.fromArray(F, dy, dyOff + i, m)).intoArray(dx, dxOff + i, m);
        }
    }

    // ---- ReLU: max(x, 0) ----

    /** y = x > 0 ? x : 0, as the HAL's reference defines it (so -0 and NaN give +0). */
    public static void relu(float[] x, int xOff, float[] y, int yOff, int from, int to) {
        checkForward("relu", x, xOff, y, yOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            v.blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(y, yOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            v.blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(y, yOff + i, m);
        }
    }

    /** dx = dy where x > 0, else 0: the derivative at 0 is 0, as in PyTorch. */
    public static void reluBackward(float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                    int from, int to) {
        checkBackward("reluBackward", x, xOff, dy, dyOff, dx, dxOff, from, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            FloatVector d = FloatVector.fromArray(F, dy, dyOff + i);
            d.blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(dx, dxOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector v = FloatVector.fromArray(F, x, xOff + i, m);
            FloatVector d = FloatVector.fromArray(F, dy, dyOff + i, m);
            d.blend(0f, v.compare(VectorOperators.GT, 0f).not()).intoArray(dx, dxOff + i, m);
        }
    }

    // ---- SwiGLU: out = silu(gate) * up ----

    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, float[] out, int outOff,
                              int from, int to) {
        String op = "swiglu";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "gate", gate, gateOff, to);
        ArgChecks.span(op, "up", up, upOff, to);
        ArgChecks.span(op, "out", out, outOff, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i);
            g.mul(sigmoid(g)).mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(out, outOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i, m);
            g.mul(sigmoid(g)).mul(FloatVector.fromArray(F, up, upOff + i, m)).intoArray(out, outOff + i, m);
        }
    }

    /** dGate = dOut * up * silu'(gate), dUp = dOut * silu(gate); either may alias an input. */
    public static void swigluBackward(float[] gate, int gateOff, float[] up, int upOff, float[] dOut, int dOutOff,
                                      float[] dGate, int dGateOff, float[] dUp, int dUpOff, int from, int to) {
        String op = "swigluBackward";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "gate", gate, gateOff, to);
        ArgChecks.span(op, "up", up, upOff, to);
        ArgChecks.span(op, "dOut", dOut, dOutOff, to);
        ArgChecks.span(op, "dGate", dGate, dGateOff, to);
        ArgChecks.span(op, "dUp", dUp, dUpOff, to);
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i);
            FloatVector u = FloatVector.fromArray(F, up, upOff + i);
            FloatVector d = FloatVector.fromArray(F, dOut, dOutOff + i);
            FloatVector s = sigmoid(g);
            d.mul(u).mul(siluSlope(g, s)).intoArray(dGate, dGateOff + i);
            d.mul(g.mul(s)).intoArray(dUp, dUpOff + i);
        }
        if (i < to) {
            VectorMask<Float> m = F.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i, m);
            FloatVector u = FloatVector.fromArray(F, up, upOff + i, m);
            FloatVector d = FloatVector.fromArray(F, dOut, dOutOff + i, m);
            FloatVector s = sigmoid(g);
            d.mul(u).mul(siluSlope(g, s)).intoArray(dGate, dGateOff + i, m);
            d.mul(g.mul(s)).intoArray(dUp, dUpOff + i, m);
        }
    }

    // ---- the math, one vector at a time ----

    private static FloatVector sigmoid(FloatVector x) {
        return x.broadcast(1f).div(VectorExp.exp(x.neg()).add(1f));
    }

    /** d silu / dx = s (1 + x (1 - s)) with s = sigmoid(x). */
    private static FloatVector siluSlope(FloatVector x, FloatVector s) {
        return s.mul(x.mul(s.neg().add(1f)).add(1f));
    }

    /** Phi(x) + x phi(x), with one exp serving both the density and Phi's tail. */
    private static FloatVector geluSlope(FloatVector x) {
        FloatVector gaussian = Erf.gaussian(x);
        return x.fma(gaussian.mul(INV_SQRT_2PI), Erf.normalCdf(x, gaussian));
    }

    /**
     * With s = sigmoid(2u) = (1 + tanh u) / 2, so that 1 - tanh^2 u = 4 s (1 - s):
     * d/dx = s + 2 x s (1 - s) du/dx, du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
     */
    private static FloatVector geluTanhSlope(FloatVector x) {
        FloatVector s = sigmoid(tanhGeluArgument(x).mul(2f));
        FloatVector du = x.mul(x).mul(3f * TANH_GELU_CUBIC).add(1f).mul(TANH_GELU_SCALE);
        return x.mul(2f).mul(s).mul(s.neg().add(1f)).mul(du).add(s);
    }

    /** u = sqrt(2/pi) (x + 0.044715 x^3). */
    private static FloatVector tanhGeluArgument(FloatVector x) {
        return x.mul(x).mul(TANH_GELU_CUBIC).add(1f).mul(x).mul(TANH_GELU_SCALE);
    }

    private static void checkForward(String op, float[] x, int xOff, float[] y, int yOff, int from, int to) {
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "x", x, xOff, to);
        ArgChecks.span(op, "y", y, yOff, to);
    }

    private static void checkBackward(String op, float[] x, int xOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                      int from, int to) {
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "x", x, xOff, to);
        ArgChecks.span(op, "dy", dy, dyOff, to);
        ArgChecks.span(op, "dx", dx, dxOff, to);
    }
}
