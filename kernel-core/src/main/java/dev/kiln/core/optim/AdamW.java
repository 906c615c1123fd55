package dev.kiln.core.optim;

import dev.kiln.api.backend.AdamWStep;
import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.core.tensor.DeviceTensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * AdamW as torch.optim.AdamW, on the device's {@code adamW} kernel: per parameter the moments m
 * and v (F32 tensors of the parameter's shape, created at its first step) and a step count for
 * bias correction. Parameters come in groups with weight decay on or off (norms and biases
 * usually off) and a learning-rate scale (LoRA+ trains B faster than A); the learning rate can
 * change before every step, for schedulers, and each group steps with it times its scale, as a
 * torch parameter group with its own {@code lr} under a scheduler. A parameter without a gradient
 * is skipped, its step count unchanged.
 *
 * <p>The state lives outside any {@code TensorScope} until {@link #close()}.
 */
public final class AdamW implements AutoCloseable {

    /** Hyper-parameters, with torch's meaning. */
    public record Settings(double learningRate, double beta1, double beta2, double eps,
            double weightDecay) {

        public Settings {
            if (!(learningRate >= 0) || !(eps >= 0) || !(weightDecay >= 0)) {
                throw new IllegalArgumentException("adamw: learning rate, eps and weight decay"
                        + " must be >= 0: " + learningRate + ", " + eps + ", " + weightDecay);
            }
            if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1)) {
                throw new IllegalArgumentException("adamw: betas must be in [0, 1): " + beta1 + ", "
                        + beta2);
            }
        }

        /** torch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01. */
        public static Settings defaults() {
            return new Settings(1e-3, 0.9, 0.999, 1e-8, 0.01);
        }

        public Settings withLearningRate(double lr) {
            return new Settings(lr, beta1, beta2, eps, weightDecay);
        }

        public Settings withWeightDecay(double decay) {
            return new Settings(learningRate, beta1, beta2, eps, decay);
        }
    }

    /** The state of one parameter, as host arrays: for checkpoints. */
    public record ParameterState(long step, float[] m, float[] v) {
        public ParameterState {
            Objects.requireNonNull(m, "m");
            Objects.requireNonNull(v, "v");
        }
    }

    /**
     * The whole optimizer state: the number of {@link #step()} calls and one entry per parameter,
     * in the order the parameters were added.
     */
    public record State(long steps, List<ParameterState> parameters) {
        public State {
            parameters = List.copyOf(parameters);
        }
    }

    private final Settings settings;
    private final List<Slot> slots = new ArrayList<>();
    private final Map<Tensor, Slot> byParameter = new IdentityHashMap<>();
    private double learningRate;
    private long steps;
    private boolean closed;

    public AdamW(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.learningRate = settings.learningRate();
    }

    /**
     * Adds a group of parameters (F32 tensors that require gradients), with the settings' weight
     * decay or none, stepped with the learning rate.
     *
     * @throws IllegalArgumentException for a tensor that is no parameter or is already added
     */
    public AdamW addGroup(List<? extends Tensor> parameters, boolean weightDecay) {
        return addGroup(parameters, weightDecay, 1);
    }

    /**
     * Adds a group of parameters stepped with {@code learningRateScale} times the learning rate
     * ({@link #setLearningRate}); its decoupled weight decay scales with it, as torch's
     * {@code p *= 1 - lr · weight_decay} uses the group's own rate.
     *
     * @throws IllegalArgumentException for a tensor that is no parameter or is already added, or
     *     a scale that is negative or not finite
     */
    public AdamW addGroup(List<? extends Tensor> parameters, boolean weightDecay,
            double learningRateScale) {
        checkOpen();
        if (!(learningRateScale >= 0) || Double.isInfinite(learningRateScale)) {
            throw new IllegalArgumentException("adamw: a learning-rate scale must be finite and"
                    + " >= 0: " + learningRateScale);
        }
        for (Tensor parameter : parameters) {
            DeviceTensor handle = DeviceTensor.of(parameter);
            if (!handle.requiresGrad() || handle.dtype() != DType.F32) {
                throw new IllegalArgumentException("adamw: parameters must be F32 and require"
                        + " gradients: " + handle);
            }
            if (byParameter.containsKey(parameter)) {
                throw new IllegalArgumentException("adamw: parameter added twice: " + handle);
            }
            Slot slot = new Slot(handle, weightDecay ? settings.weightDecay() : 0,
                    learningRateScale);
            slots.add(slot);
            byParameter.put(parameter, slot);
        }
        return this;
    }

    /** The learning rate of the next steps (a scheduler sets it before each step). */
    public void setLearningRate(double learningRate) {
        if (!(learningRate >= 0)) {
            throw new IllegalArgumentException("adamw: learning rate must be >= 0: " + learningRate);
        }
        this.learningRate = learningRate;
    }

    public double learningRate() {
        return learningRate;
    }

    /** How many times {@link #step()} ran (restored by {@link #importState}). */
    public long steps() {
        return steps;
    }

    /** The parameters, in the order they were added. */
    public List<Tensor> parameters() {
        return slots.stream().map(slot -> (Tensor) slot.parameter).toList();
    }

    /** The learning rate {@code parameter} steps with now: the rate times its group's scale. */
    public double learningRate(Tensor parameter) {
        Slot slot = byParameter.get(parameter);
        if (slot == null) {
            throw new IllegalArgumentException("adamw: not a parameter of this optimizer: "
                    + parameter);
        }
        return slot.learningRate(learningRate);
    }

    /** Updates every parameter that has a gradient. */
    public void step() {
        checkOpen();
        for (Slot slot : slots) {
            Optional<Tensor> grad = slot.parameter.grad();
            if (grad.isPresent()) {
                slot.update(DeviceTensor.of(grad.get()), slot.learningRate(learningRate));
            }
        }
        steps++;
    }

    /** Clears the gradients of all parameters. */
    public void zeroGrad() {
        for (Slot slot : slots) {
            slot.parameter.zeroGrad();
        }
    }

    /** A host copy of the state; parameters not yet stepped have step 0 and zero moments. */
    public State exportState() {
        checkOpen();
        List<ParameterState> states = new ArrayList<>();
        for (Slot slot : slots) {
            states.add(slot.export());
        }
        return new State(steps, states);
    }

    /**
     * Restores a state from {@link #exportState()}, for the same parameters in the same order.
     *
     * @throws IllegalArgumentException when the count or sizes do not match
     */
    public void importState(State state) {
        checkOpen();
        if (state.parameters().size() != slots.size()) {
            throw new IllegalArgumentException("adamw: the state has " + state.parameters().size()
                    + " parameters, this optimizer " + slots.size());
        }
        for (int i = 0; i < slots.size(); i++) {
            ParameterState entry = state.parameters().get(i);
            long numel = slots.get(i).parameter.numel();
            if (entry.m().length != numel || entry.v().length != numel || entry.step() < 0) {
                throw new IllegalArgumentException("adamw: the state of parameter " + i + " has "
                        + entry.m().length + "/" + entry.v().length + " moments and step "
                        + entry.step() + "; the parameter " + slots.get(i).parameter.shape()
                        + " has " + numel + " elements");
            }
        }
        for (int i = 0; i < slots.size(); i++) {
            slots.get(i).restore(state.parameters().get(i));
        }
        steps = state.steps();
    }

    /** Frees the moments on the device. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            slots.forEach(Slot::free);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("adamw: the optimizer is closed");
        }
    }

    /** One parameter and its moments. */
    private final class Slot {
        final DeviceTensor parameter;
        final double weightDecay;
        final double learningRateScale;
        DeviceTensor m;
        DeviceTensor v;
        long step;

        Slot(DeviceTensor parameter, double weightDecay, double learningRateScale) {
            this.parameter = parameter;
            this.weightDecay = weightDecay;
            this.learningRateScale = learningRateScale;
        }

        /** (A scale of 1 keeps the rate's bits exactly: runs without LoRA+ are unchanged.) */
        double learningRate(double rate) {
            return rate * learningRateScale;
        }

        void update(DeviceTensor grad, double lr) {
            allocateMoments();
            step++;
            AdamWStep hyper = new AdamWStep((float) lr, (float) settings.beta1(),
                    (float) settings.beta2(), (float) settings.eps(), (float) weightDecay, step);
            parameter.device().kernels().adamW(hyper, parameter.slice(), grad.slice(), m.slice(),
                    v.slice(), parameter.numel());
        }

        ParameterState export() {
            if (m == null) {
                int n = Math.toIntExact(parameter.numel());
                return new ParameterState(0, new float[n], new float[n]);
            }
            return new ParameterState(step, m.toFloatArray(), v.toFloatArray());
        }

        void restore(ParameterState state) {
            allocateMoments();
            m.copyFrom(state.m());
            v.copyFrom(state.v());
            step = state.step();
        }

        private void allocateMoments() {
            if (m == null) {
                m = zeros();
                v = zeros();
            }
        }

        private DeviceTensor zeros() {
            DeviceTensor zeros = DeviceTensor.allocate(parameter.device(), parameter.shape(),
                    DType.F32);
            parameter.device().kernels().fill(zeros.slice(), zeros.numel(), 0f);
            return zeros;
        }

        void free() {
            if (m != null) {
                m.close();
                v.close();
                m = null;
                v = null;
            }
        }
    }
}
