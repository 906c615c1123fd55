package dev.kiln.api.tuner;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A way of fine-tuning, as PEFT structures one: a configuration, layers, and their injection into
 * a model. {@code full} trains every parameter; {@code lora} wraps the target linear layers;
 * QLoRA, DoRA, ... are bundles beside it. Register with a {@link TunerName}.
 */
@ConsumerType
public interface Tuner {

    /**
     * Prepares {@code model} for training with the user's arguments ({@code --lora_rank 8},
     * {@code --target_modules all-linear}, ... as parsed option values by name without dashes):
     * wraps or freezes what it must.
     *
     * @return the parameters to train and how to save them
     * @throws IllegalArgumentException naming the argument that is wrong
     */
    TunedModel apply(CausalLM model, Map<String, Object> arguments, TensorOps ops, long seed);

    /**
     * Puts a saved adapter on {@code model}: the directory a {@link TunedModel} was saved to
     * ({@code adapter_config.json} with {@link TunedModel#adapterConfig()}, and its
     * {@link TunedModel#stateToSave()} as {@code adapter_model.safetensors}), or one PEFT wrote.
     * The adapter's {@code peft_type}, lower-cased, is the name of the tuner that loads it
     * ({@code LORA}: {@code lora}). The result is trainable as {@link #apply}'s (resuming a
     * run); for inference, run the model inside {@link TensorOps#noGrad()}. {@code --adapters}
     * and {@code export --merge_lora} ({@link TunedModel#merge()}) come this way.
     *
     * @throws IOException naming the file that is missing or malformed
     * @throws IllegalArgumentException when the adapter does not fit the model (a module it
     *     targets is not there, a tensor has another shape), naming both
     * @throws UnsupportedOperationException when this tuner saves no adapter (the default;
     *     {@code full} saves the whole model, which loads as a model)
     */
    default TunedModel load(CausalLM model, Path adapterDirectory, TensorOps ops)
            throws IOException {
        throw new UnsupportedOperationException("this tuner has no adapters to load from "
                + adapterDirectory);
    }

    /** A model made trainable by a {@link Tuner}. */
    @ConsumerType
    interface TunedModel {

        /** The parameters the optimizer updates, by name. */
        Map<String, Tensor> trainableParameters();

        /** Names of trainable parameters that must not get weight decay (biases, norms). */
        List<String> noWeightDecay();

        /**
         * The factor of the learning rate for the trainable parameter {@code name}: the optimizer
         * steps it with {@code --learning_rate} times this, and the scheduler scales both alike
         * (as torch's schedulers scale each parameter group's own rate). 1 unless the tuner wants
         * otherwise: LoRA+ ({@code --lorap_lr_ratio}) trains the B matrices faster than A.
         *
         * @param name a key of {@link #trainableParameters()}
         * @return a finite factor {@code >= 0}
         */
        default double learningRateScale(String name) {
            return 1;
        }

        /**
         * What to save in a checkpoint, by the names the interchange format uses (PEFT's
         * {@code base_model.model....lora_A.weight} for adapters), with the config to save beside
         * it ({@code adapter_config.json}), or the full model's names for {@code full}.
         */
        Map<String, Tensor> stateToSave();

        /** The adapter configuration file's content, or empty for a full fine-tune. */
        Map<String, Object> adapterConfig();

        /** Folds the adapters into the base weights (for export with {@code --merge_lora}). */
        void merge();
    }
}
