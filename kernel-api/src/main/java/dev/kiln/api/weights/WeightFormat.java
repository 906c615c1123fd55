package dev.kiln.api.weights;

import dev.kiln.api.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/** Recognises and opens one checkpoint format: safetensors (single or sharded), GGUF, ... */
@ConsumerType
public interface WeightFormat {

    /** A short name for messages: {@code safetensors}, {@code gguf}. */
    String name();

    /** Whether {@code location} (a model directory or a file) is in this format. */
    boolean canOpen(Path location);

    /**
     * Opens {@code location}, reading and checking its headers (not its tensor data).
     *
     * @throws IOException naming the file and what is wrong (malformed header, bogus length, ...)
     */
    WeightSource open(Path location) throws IOException;

    /**
     * Writes {@code tensors} into the single file {@code file} in this format, each in its own
     * dtype, with {@code metadata} (safetensors' {@code __metadata__}; may be empty). The file
     * appears whole or not at all: it is written under a temporary name in the same directory
     * and renamed over {@code file}, so a failed write (a full disk) leaves what was there
     * before. Tensors are copied to the host one at a time, so memory stays bounded by the
     * largest tensor. This is how checkpoints, adapters and exported models are saved.
     *
     * @throws IOException naming the file when it cannot be written
     * @throws IllegalArgumentException naming the tensor when the format cannot store its dtype
     * @throws UnsupportedOperationException when this format is read-only (the default)
     */
    default void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        throw new UnsupportedOperationException("the " + name() + " weight format cannot write "
                + file);
    }
}
