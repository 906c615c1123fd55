package dev.kiln.api.model;

import org.osgi.annotation.versioning.ConsumerType;

/** The keys and values a {@link CausalLM} has seen, per layer, for incremental decoding. */
@ConsumerType
public interface KvCache extends AutoCloseable {

    /** Tokens held per sequence. */
    int length();

    /** Tokens it can hold per sequence. */
    int capacity();

    /** Forgets everything, keeping the memory. */
    void clear();

    /** Releases the memory. */
    @Override
    void close();
}
