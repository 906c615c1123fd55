package dev.kiln.models.gpt2;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The MLP activations of transformers' ACT2FN that GPT-2 checkpoints name in activation_function. */
enum Activation {

    /** {@code gelu_new}: the tanh approximation, GPT-2's own. */
    GELU_NEW("gelu_new"),
    /** {@code gelu_pytorch_tanh}: the same function, computed by torch. */
    GELU_PYTORCH_TANH("gelu_pytorch_tanh"),
    /** {@code gelu_fast}: the same tanh approximation, written with x·x. */
    GELU_FAST("gelu_fast"),
    /** {@code gelu}: exact, with erf. */
    GELU("gelu"),
    RELU("relu"),
    SILU("silu"),
    SWISH("swish");

    private final String configName;

    Activation(String configName) {
        this.configName = configName;
    }

    Tensor apply(TensorOps ops, Tensor x) {
        return switch (this) {
            case GELU_NEW, GELU_PYTORCH_TANH, GELU_FAST -> ops.gelu(x, true);
            case GELU -> ops.gelu(x, false);
            case RELU -> ops.relu(x);
            case SILU, SWISH -> ops.silu(x);
        };
    }

    /** @throws IllegalArgumentException naming {@code origin}, the key and the supported names */
    static Activation of(String configName, String origin) {
        for (Activation a : values()) {
            if (a.configName.equals(configName)) {
                return a;
            }
        }
        throw new IllegalArgumentException(origin + ": 'activation_function' " + configName
                + " is not supported; supported: " + Arrays.stream(values())
                        .map(a -> a.configName).collect(Collectors.joining(", ")));
    }
}
