package dev.kiln.api.weights;

import java.io.IOException;
import java.nio.file.Path;
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
}
