package dev.kiln.api.tokenizer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Learns a tokenizer from text and writes it as files that a {@link TokenizerFactory} loads, so
 * a model can be trained from scratch on a tokenizer made for its data.
 */
@ConsumerType
public interface TokenizerTrainer {

    /** A short name for messages and lookup: {@code bpe}, ... */
    String name();

    /**
     * Trains on the text of {@code files} and writes the tokenizer into {@code directory}
     * (created if needed; files of the same names are replaced).
     *
     * @return the trained tokenizer, as the written files load
     * @throws IOException naming the file that cannot be read or written
     * @throws IllegalArgumentException when the options do not fit the text (a vocabulary smaller
     *     than the alphabet and the special tokens, ...)
     */
    Tokenizer train(List<Path> files, TokenizerTrainingOptions options, Path directory)
            throws IOException;
}
