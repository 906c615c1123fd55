package dev.kiln.core.train;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tuner.Tuner.TunedModel;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightFormat;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.core.json.Json;
import dev.kiln.core.optim.AdamW;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads back what {@link CheckpointWriter} wrote, for {@code --resume_from_checkpoint}: the
 * trainer state and the optimizer's moments, and the trained weights into the model.
 */
public final class CheckpointReader {

    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What a resumed run starts from. */
    public record Resumed(Path checkpoint, TrainerState state, AdamW.State optimizer) {}

    private CheckpointReader() {}

    /**
     * Reads the trainer state and the optimizer state of {@code checkpoint} for the trainable
     * parameters of {@code tuned}.
     *
     * @throws IOException naming the file that is missing or unreadable
     * @throws IllegalArgumentException naming the file and the parameter when the checkpoint
     *     does not fit the model (another tuner, another shape)
     */
    public static Resumed read(Path checkpoint, TunedModel tuned, WeightFormat safetensors)
            throws IOException {
        Path stateFile = require(checkpoint, CheckpointWriter.TRAINER_STATE_FILE);
        TrainerState state = TrainerState.fromJson(Json.parseObject(
                Files.readString(stateFile, StandardCharsets.UTF_8), stateFile.toString()),
                stateFile.toString());
        Path optimizerFile = require(checkpoint, CheckpointWriter.OPTIMIZER_FILE);
        try (WeightSource source = safetensors.open(optimizerFile)) {
            Map<String, Object> metadata = source.metadata();
            List<AdamW.ParameterState> parameters = new ArrayList<>();
            for (Map.Entry<String, Tensor> p : tuned.trainableParameters().entrySet()) {
                String name = p.getKey();
                long numel = p.getValue().shape().numel();
                float[] m = moment(source, CheckpointWriter.EXP_AVG + name, numel, optimizerFile);
                float[] v = moment(source, CheckpointWriter.EXP_AVG_SQ + name, numel, optimizerFile);
                parameters.add(new AdamW.ParameterState(
                        count(metadata, CheckpointWriter.STEP + name, optimizerFile), m, v));
            }
            int expected = 2 * parameters.size();
            if (source.tensors().size() != expected) {
                throw new IllegalArgumentException(optimizerFile + ": holds " + source.tensors().size()
                        + " moments, but the model trains " + parameters.size() + " parameters ("
                        + expected + " moments): was the checkpoint made with other --train_type or"
                        + " tuner arguments?");
            }
            return new Resumed(checkpoint, state, new AdamW.State(count(metadata, "steps",
                    optimizerFile), parameters));
        }
    }

    /**
     * Copies the trained weights saved in {@code checkpoint} (adapter_model.safetensors or
     * model.safetensors) into the tensors {@code tuned.stateToSave()} names, in place.
     *
     * @throws IOException naming the file that is missing or unreadable
     * @throws IllegalArgumentException naming the tensor that is missing or has another shape
     */
    public static void restoreWeights(Path checkpoint, TunedModel tuned, TensorOps ops,
            WeightFormat safetensors) throws IOException {
        Path file = require(checkpoint, tuned.adapterConfig().isEmpty()
                ? CheckpointWriter.MODEL_WEIGHTS : CheckpointWriter.ADAPTER_WEIGHTS);
        try (WeightSource source = safetensors.open(file)) {
            for (Map.Entry<String, Tensor> entry : tuned.stateToSave().entrySet()) {
                TensorInfo info = source.tensors().get(entry.getKey());
                if (info == null || !info.shape().equals(entry.getValue().shape())) {
                    throw new IllegalArgumentException(file + ": " + (info == null
                            ? "no tensor '" + entry.getKey() + "'"
                            : "tensor '" + entry.getKey() + "' is " + info.shape())
                            + ", but the model has it as " + entry.getValue().shape());
                }
                ops.copyFrom(entry.getValue(), source.data(entry.getKey()), info.dtype());
            }
        }
    }

    private static float[] moment(WeightSource source, String name, long numel, Path file)
            throws IOException {
        TensorInfo info = source.tensors().get(name);
        if (info == null) {
            throw new IllegalArgumentException(file + ": no optimizer state '" + name + "' for a"
                    + " trainable parameter of the model: was the checkpoint made with other"
                    + " --train_type or tuner arguments?");
        }
        if (info.dtype() != DType.F32 || info.shape().numel() != numel) {
            throw new IllegalArgumentException(file + ": '" + name + "' is " + info.dtype()
                    + info.shape() + ", the parameter has " + numel + " F32 elements");
        }
        return source.data(name).toArray(F32);
    }

    private static long count(Map<String, Object> metadata, String key, Path file) {
        Object value = metadata.get(key);
        try {
            return Long.parseLong(String.valueOf(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' is missing or not a"
                    + " number: " + value);
        }
    }

    private static Path require(Path checkpoint, String file) throws IOException {
        Path path = checkpoint.resolve(file);
        if (!Files.isRegularFile(path)) {
            throw new IOException(checkpoint + ": no " + file + "; --resume_from_checkpoint needs"
                    + " a checkpoint-N directory that kiln wrote");
        }
        return path;
    }
}
