package dev.kiln.core.train.job;

import dev.kiln.api.command.OptionSpec;
import java.util.List;
import java.util.Objects;

/**
 * One option of {@code kiln sft} / {@code kiln pt}: its names, kind and default, as it appears on
 * the command line and as a key of a {@code --config} YAML file. The command line declares it
 * without a default (the default applies after the YAML file), and booleans take a value
 * ({@code --packing true}), as ms-swift spells them.
 *
 * @param name the name without dashes, also the YAML key ({@code learning_rate})
 * @param alias another name, or null ({@code tuner_type}, ms-swift 4's {@code train_type})
 * @param kind how the value converts
 * @param defaultValue the default as text, or null for none
 * @param label the value's placeholder in the help
 * @param description the help text
 */
record Option(String name, String alias, Kind kind, String defaultValue, String label,
        String description) {

    /** How an option's text converts to its value. */
    enum Kind { STRING, INT, LONG, DOUBLE, BOOL, LIST, PATH }

    Option {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(description, "description");
    }

    static Option of(String name, Kind kind, String defaultValue, String label, String description) {
        return new Option(name, null, kind, defaultValue, label, description);
    }

    Option withAlias(String other) {
        return new Option(name, other, kind, defaultValue, label, description);
    }

    /** The picocli-facing declaration: no default, so an option not given stays absent. */
    OptionSpec spec() {
        OptionSpec.Builder b = alias == null ? OptionSpec.of("--" + name)
                : OptionSpec.of("--" + name, "--" + alias);
        b.paramLabel(label == null ? switch (kind) {
            case BOOL -> "true|false";
            case INT, LONG -> "N";
            case DOUBLE -> "X";
            case PATH -> "PATH";
            default -> "VALUE";
        } : label);
        b.description(description + (defaultValue == null ? "" : " (default: " + defaultValue + ")"));
        if (kind == Kind.LIST) {
            b.repeatable(true);
        }
        return b.build();
    }

    /** Every name, without dashes. */
    List<String> names() {
        return alias == null ? List.of(name) : List.of(name, alias);
    }
}
