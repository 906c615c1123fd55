package dev.kiln.api.command;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link Command} accepts: a one-line summary for {@code kiln --help}, an optional longer
 * description, its options and its positional parameters.
 */
public final class CommandSpec {

    private final String summary;
    private final List<String> description;
    private final List<OptionSpec> options;
    private final String parametersLabel;
    private final String parametersDescription;
    private final boolean acceptsParameters;

    private CommandSpec(Builder b) {
        this.summary = b.summary;
        this.description = List.copyOf(b.description);
        this.options = List.copyOf(b.options);
        this.parametersLabel = b.parametersLabel;
        this.parametersDescription = b.parametersDescription;
        this.acceptsParameters = b.acceptsParameters;
    }

    /** Starts a spec with the command's one-line summary. */
    public static Builder summary(String summary) {
        return new Builder(summary);
    }

    public String summary() { return summary; }
    public List<String> description() { return description; }
    public List<OptionSpec> options() { return options; }
    public boolean acceptsParameters() { return acceptsParameters; }
    public String parametersLabel() { return parametersLabel; }
    public String parametersDescription() { return parametersDescription; }

    /** Builds a {@link CommandSpec}. */
    public static final class Builder {
        private final String summary;
        private final List<String> description = new ArrayList<>();
        private final List<OptionSpec> options = new ArrayList<>();
        private String parametersLabel = "ARG";
        private String parametersDescription = "";
        private boolean acceptsParameters;

        private Builder(String summary) {
            this.summary = Objects.requireNonNull(summary);
        }

        /** Adds a paragraph to the command's help text. */
        public Builder description(String paragraph) {
            description.add(paragraph);
            return this;
        }

        public Builder option(OptionSpec option) {
            options.add(option);
            return this;
        }

        /** The command takes positional parameters (any number), shown as {@code label...}. */
        public Builder parameters(String label, String description) {
            this.acceptsParameters = true;
            this.parametersLabel = label;
            this.parametersDescription = description;
            return this;
        }

        public CommandSpec build() {
            return new CommandSpec(this);
        }
    }
}
