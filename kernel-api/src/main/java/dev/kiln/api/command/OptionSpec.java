package dev.kiln.api.command;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An option of a {@link Command}, such as {@code --lora_rank 8}. Types are the ones the kernel
 * knows how to convert: {@code String}, {@code Integer}, {@code Long}, {@code Double},
 * {@code Boolean} (a flag when it takes no value), {@code java.nio.file.Path}.
 */
public final class OptionSpec {

    private final List<String> names;
    private final String description;
    private final Class<?> type;
    private final String defaultValue;
    private final String paramLabel;
    private final boolean required;
    private final boolean repeatable;

    private OptionSpec(Builder b) {
        this.names = List.copyOf(b.names);
        this.description = b.description;
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.paramLabel = b.paramLabel;
        this.required = b.required;
        this.repeatable = b.repeatable;
    }

    /** Starts an option with its names, longest first by convention: {@code "--output_dir", "-o"}. */
    public static Builder of(String... names) {
        return new Builder(List.of(names));
    }

    /** A flag: a boolean option that takes no value. */
    public static OptionSpec flag(String name, String description) {
        return of(name).type(Boolean.class).description(description).build();
    }

    public List<String> names() { return names; }
    public String description() { return description; }
    public Class<?> type() { return type; }
    public Optional<String> defaultValue() { return Optional.ofNullable(defaultValue); }
    public String paramLabel() { return paramLabel; }
    public boolean required() { return required; }
    public boolean repeatable() { return repeatable; }

    /** Builds an {@link OptionSpec}. */
    public static final class Builder {
        private final List<String> names;
        private String description = "";
        private Class<?> type = String.class;
        private String defaultValue;
        private String paramLabel;
        private boolean required;
        private boolean repeatable;

        private Builder(List<String> names) {
            if (names.isEmpty()) {
                throw new IllegalArgumentException("an option needs at least one name");
            }
            for (String n : names) {
                if (!n.startsWith("-")) {
                    throw new IllegalArgumentException("option name must start with '-': " + n);
                }
            }
            this.names = names;
        }

        public Builder description(String description) {
            this.description = Objects.requireNonNull(description);
            return this;
        }

        public Builder type(Class<?> type) {
            this.type = Objects.requireNonNull(type);
            return this;
        }

        public Builder defaultValue(String defaultValue) {
            this.defaultValue = defaultValue;
            return this;
        }

        public Builder paramLabel(String paramLabel) {
            this.paramLabel = paramLabel;
            return this;
        }

        public Builder required(boolean required) {
            this.required = required;
            return this;
        }

        /** The option may be given several times, or with several values after it. */
        public Builder repeatable(boolean repeatable) {
            this.repeatable = repeatable;
            return this;
        }

        public OptionSpec build() {
            return new OptionSpec(this);
        }
    }
}
