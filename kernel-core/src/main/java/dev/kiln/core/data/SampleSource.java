package dev.kiln.core.data;

import java.io.IOException;

/**
 * Samples read as they are needed, for datasets larger than memory ({@code --streaming true}).
 * Each {@link #open()} starts again from the first row, so every epoch reads the files anew.
 */
public interface SampleSource {

    /** The datasets it reads, for messages. */
    String description();

    /** A fresh pass over the samples. */
    SampleStream open() throws IOException;
}
