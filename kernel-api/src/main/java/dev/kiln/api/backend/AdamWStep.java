package dev.kiln.api.backend;

/**
 * The hyper-parameters of one AdamW step, as torch.optim.AdamW defines them.
 *
 * @param step the 1-based step number, for bias correction
 */
public record AdamWStep(float lr, float beta1, float beta2, float eps, float weightDecay, long step) {

    public AdamWStep {
        if (step < 1) {
            throw new IllegalArgumentException("adamw: step must be >= 1: " + step);
        }
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("adamw: betas must be in [0, 1): " + beta1 + ", " + beta2);
        }
    }
}
