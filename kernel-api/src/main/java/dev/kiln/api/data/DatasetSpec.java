package dev.kiln.api.data;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A dataset as the user names it, in ms-swift's syntax {@code id_or_path[:subset]#N}:
 * {@code data/train.jsonl#500}, {@code builtin:self-cognition#100}, {@code org/name:zh}.
 * {@code #N} takes N rows (sampled with the seed; more than the dataset holds oversamples).
 * What the source part means is up to the {@link DatasetSource} that claims it.
 */
public final class DatasetSpec {

    private final String text;
    private final String source;
    private final Integer sampleCount;

    private DatasetSpec(String text, String source, Integer sampleCount) {
        this.text = text;
        this.source = source;
        this.sampleCount = sampleCount;
    }

    /**
     * Parses a spec.
     *
     * @throws IllegalArgumentException for an empty source or a {@code #N} that is not a
     *     positive integer, quoting the spec
     */
    public static DatasetSpec parse(String text) {
        Objects.requireNonNull(text, "dataset spec");
        String source = text;
        Integer count = null;
        int hash = text.lastIndexOf('#');
        if (hash >= 0) {
            source = text.substring(0, hash);
            String n = text.substring(hash + 1);
            try {
                count = Integer.parseInt(n);
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (count <= 0) {
                throw new IllegalArgumentException("dataset '" + text + "': '#" + n
                        + "' must be a positive number of rows");
            }
        }
        if (source.isBlank()) {
            throw new IllegalArgumentException("dataset '" + text + "' names no source");
        }
        return new DatasetSpec(text, source, count);
    }

    /** The spec as the user wrote it. */
    public String text() { return text; }

    /** Everything before {@code #N}: a path, {@code builtin:NAME}, or a hub id with subsets. */
    public String source() { return source; }

    /** N of {@code #N}, when given. */
    public OptionalInt sampleCount() {
        return sampleCount == null ? OptionalInt.empty() : OptionalInt.of(sampleCount);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatasetSpec s && text.equals(s.text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
