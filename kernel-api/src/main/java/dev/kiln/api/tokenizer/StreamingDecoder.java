package dev.kiln.api.tokenizer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decodes ids one at a time into text that is always valid UTF-8: a character split over several
 * byte-level tokens is held back until it is complete. Not thread-safe: one per stream.
 */
@ConsumerType
public interface StreamingDecoder {

    /** Adds an id; returns the text that became complete (possibly empty). */
    String push(int id);

    /** Ends the stream; returns what was held back (incomplete bytes as U+FFFD). */
    String flush();
}
