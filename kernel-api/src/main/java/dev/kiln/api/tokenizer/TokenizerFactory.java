package dev.kiln.api.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Recognises and loads one kind of tokenizer files. The kernel asks every factory in turn, so a
 * plugin can add a format without the others knowing.
 */
@ConsumerType
public interface TokenizerFactory {

    /** A short name for messages: {@code tokenizer.json}, {@code gguf}, ... */
    String name();

    /** Whether {@code location} (a model directory or a file) holds a tokenizer this factory reads. */
    boolean canLoad(Path location);

    /**
     * Loads the tokenizer at {@code location}.
     *
     * @throws IOException naming the file and what is wrong with it
     */
    Tokenizer load(Path location) throws IOException;
}
