package dev.kiln.hal.tck.reference.math;

import dev.kiln.api.backend.AdamWStep;

/** One AdamW step as torch.optim.AdamW takes it (decoupled weight decay, bias correction). */
public final class AdamW {

    private AdamW() {}

    /**
     * In place, per element: {@code p -= lr wd p}; {@code m = beta1 m + (1 - beta1) g};
     * {@code v = beta2 v + (1 - beta2) g^2}; {@code p -= lr (m / (1 - beta1^t)) /
     * (sqrt(v / (1 - beta2^t)) + eps)}.
     */
    public static void step(AdamWStep s, double[] param, double[] grad, double[] m, double[] v) {
        double biasCorrection1 = 1 - Math.pow(s.beta1(), s.step());
        double biasCorrection2 = 1 - Math.pow(s.beta2(), s.step());
        for (int i = 0; i < param.length; i++) {
            param[i] -= (double) s.lr() * s.weightDecay() * param[i];
            m[i] = s.beta1() * m[i] + (1 - (double) s.beta1()) * grad[i];
            v[i] = s.beta2() * v[i] + (1 - (double) s.beta2()) * grad[i] * grad[i];
            param[i] -= s.lr() * (m[i] / biasCorrection1) / (Math.sqrt(v[i] / biasCorrection2) + s.eps());
        }
    }

    /** The size of the Adam update of one element, {@code lr m̂ / (sqrt(v̂) + eps)}, for tolerances. */
    public static double updateSize(AdamWStep s, double m, double v) {
        double mHat = m / (1 - Math.pow(s.beta1(), s.step()));
        double vHat = v / (1 - Math.pow(s.beta2(), s.step()));
        return Math.abs(s.lr() * mHat / (Math.sqrt(vHat) + s.eps()));
    }
}
