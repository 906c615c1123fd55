package dev.kiln.core.train;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.weights.WeightFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;

/**
 * Writes a Hugging Face model directory that transformers and {@code kiln infer} load:
 * config.json, model.safetensors, and the tokenizer files and generation_config.json of the
 * model it came from. What a full fine-tune's checkpoint and {@code export --merge_lora} write.
 */
public final class ModelDirectory {

    /** The weights' file name. */
    public static final String WEIGHTS = "model.safetensors";

    /** The configuration's file name. */
    public static final String CONFIG = "config.json";

    private ModelDirectory() {}

    /**
     * @param config config.json's content
     * @param tensors the weights by their Hugging Face names, each saved in its dtype
     * @param sideFilesFrom the directory to copy the tokenizer and generation config from
     */
    public static void write(Path directory, Map<String, Object> config, Map<String, Tensor> tensors,
            Optional<Path> sideFilesFrom, WeightFormat safetensors) throws IOException {
        CheckpointWriter.writeJson(directory.resolve(CONFIG), config);
        safetensors.write(directory.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        if (sideFilesFrom.isPresent()) {
            for (String file : BaseModel.SIDE_FILES) {
                Path source = sideFilesFrom.get().resolve(file);
                if (Files.isRegularFile(source)) {
                    Files.copy(source, directory.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
