package dev.kiln.hal.cpu.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Optimizer steps over a range of parameter elements, and global gradient-norm clipping.
 *
 * <p>AdamW follows torch.optim.AdamW (decoupled weight decay, bias-corrected moments) in the order
 * of its float operations, so results track PyTorch's closely (the first moment uses the lerp form
 * torch takes for 1 - beta1 &lt; 0.5, the usual case). Hyperparameters are doubles, like
 * Python floats; the per-step constants are derived in double and rounded to float once.
 *
 * <p>Clipping follows torch.nn.utils.clip_grad_norm_: each range adds up its squares
 * ({@link #sumOfSquares}), the partials are combined in a fixed order into the global norm
 * ({@link #globalNorm}), and every gradient is multiplied by {@link #clipCoefficient}.
 */
public final class Optimizers {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorMask<Float> ALL = F.maskAll(true);

    /** Added to the norm before dividing, as torch does, so a zero gradient does not divide by zero. */
    private static final double CLIP_EPSILON = 1e-6;

    private Optimizers() {}

    /**
     * One AdamW step (1-based {@code step}) for elements [from, to) of param, grad and the two moment
     * buffers m and v:
     * <pre>
     * param *= 1 - lr * weightDecay
     * m     += (1 - beta1) * (grad - m)
     * v      = beta2 * v + (1 - beta2) * grad^2
     * param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
     * </pre>
     */
    public static void adamW(float[] param, int paramOff, float[] grad, int gradOff,
                             float[] m, int mOff, float[] v, int vOff,
                             double lr, double beta1, double beta2, double eps, double weightDecay, int step,
                             int from, int to) {
        String op = "adamW";
        ArgChecks.range(op, "element", from, to);
        ArgChecks.span(op, "param", param, paramOff, to);
        ArgChecks.span(op, "grad", grad, gradOff, to);
        ArgChecks.span(op, "m", m, mOff, to);
        ArgChecks.span(op, "v", v, vOff, to);
        checkHyperparameters(op, lr, beta1, beta2, eps, weightDecay, step);

        float decay = (float) (1.0 - lr * weightDecay);
        float gradWeight = (float) (1.0 - beta1);
        float beta2f = (float) beta2;
        float squareWeight = (float) (1.0 - beta2);
        float negStepSize = (float) -(lr / (1.0 - Math.pow(beta1, step)));
        float correction2Root = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float epsf = (float) eps;

        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            adamWStep(param, paramOff + i, grad, gradOff + i, m, mOff + i, v, vOff + i,
                    decay, gradWeight, beta2f, squareWeight, negStepSize, correction2Root, epsf, ALL);
        }
        if (i < to) {
            adamWStep(param, paramOff + i, grad, gradOff + i, m, mOff + i, v, vOff + i,
                    decay, gradWeight, beta2f, squareWeight, negStepSize, correction2Root, epsf, F.indexInRange(i, to));
        }
    }

    private static void adamWStep(float[] param, int pAt, float[] grad, int gAt, float[] m, int mAt, float[] v, int vAt,
                                  float decay, float gradWeight, float beta2, float squareWeight, float negStepSize,
                                  float correction2Root, float eps, VectorMask<Float> mask) {
        FloatVector g = FloatVector.fromArray(F, grad, gAt, mask);
        FloatVector mv = FloatVector.fromArray(F, m, mAt, mask);
        FloatVector vv = FloatVector.fromArray(F, v, vAt, mask);
        FloatVector p = FloatVector.fromArray(F, param, pAt, mask).mul(decay);
        mv = mv.add(g.sub(mv).mul(gradWeight));
        vv = vv.mul(beta2).add(g.mul(squareWeight).mul(g));
        FloatVector denom = vv.lanewise(VectorOperators.SQRT).div(correction2Root).add(eps);
        p = p.add(mv.mul(negStepSize).div(denom));
        mv.intoArray(m, mAt, mask);
        vv.intoArray(v, vAt, mask);
        p.intoArray(param, pAt, mask);
    }

    /** This range's share of the squared global norm: sum of grad[i]^2 over [from, to). */
    public static double sumOfSquares(float[] grad, int gradOff, int from, int to) {
        return Reductions.sumOfSquares(grad, gradOff, from, to);
    }

    /** The global L2 norm from per-range sums of squares, combined in index order. */
    public static double globalNorm(double[] partialSquares, int off, int count) {
        return Math.sqrt(Reductions.sumInOrder(partialSquares, off, count));
    }

    /**
     * The factor every gradient is multiplied by: min(1, maxNorm / (norm + 1e-6)). A non-finite
     * norm gives NaN or 0, as in torch without error_if_nonfinite.
     */
    public static float clipCoefficient(double globalNorm, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw ArgChecks.fail("clipCoefficient", "maxNorm must be positive and finite, was " + maxNorm);
        }
        return (float) Math.min(1.0, maxNorm / (globalNorm + CLIP_EPSILON));
    }

    /** grad[i] *= coefficient over [from, to): the clipping itself. */
    public static void scaleGradients(float[] grad, int gradOff, float coefficient, int from, int to) {
        Elementwise.scale(grad, gradOff, coefficient, grad, gradOff, from, to);
    }

    private static void checkHyperparameters(String op, double lr, double beta1, double beta2, double eps,
                                             double weightDecay, int step) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw ArgChecks.fail(op, "lr must be finite and non-negative, was " + lr);
        }
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw ArgChecks.fail(op, "beta1 must lie in [0, 1), was " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw ArgChecks.fail(op, "beta2 must lie in [0, 1), was " + beta2);
        }
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw ArgChecks.fail(op, "eps must be finite and non-negative, was " + eps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw ArgChecks.fail(op, "weightDecay must be finite and non-negative, was " + weightDecay);
        }
        if (step < 1) {
            throw ArgChecks.fail(op, "step counts from 1, was " + step);
        }
    }
}
