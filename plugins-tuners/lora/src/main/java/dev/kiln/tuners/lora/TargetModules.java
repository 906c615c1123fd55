package dev.kiln.tuners.lora;

import dev.kiln.api.model.LinearLayer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which linear layers get an adapter, as PEFT's {@code target_modules} selects them: a list of
 * module-name suffixes (a module matches {@code q_proj} when its name is {@code q_proj} or ends
 * with {@code .q_proj}), where {@code all-linear} stands for every linear layer but the LM head
 * (PEFT's and ms-swift's meaning); or one regular expression that must match a whole module name
 * (ms-swift's {@code --target_regex}, PEFT's string form).
 *
 * @param names the suffixes, when {@code regex} is null
 * @param regex the expression, or null
 */
record TargetModules(List<String> names, String regex) {

    static final String ALL_LINEAR = "all-linear";

    /** The output head's module name: PEFT leaves the output embedding out of all-linear. */
    static final String LM_HEAD = "lm_head";

    static TargetModules names(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--target_modules names no module");
        }
        return new TargetModules(List.copyOf(names), null);
    }

    static TargetModules regex(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("--target_regex '" + regex
                    + "' is not a regular expression: " + e.getDescription(), e);
        }
        return new TargetModules(List.of(), regex);
    }

    /**
     * The names of the layers to adapt, in the model's order.
     *
     * @throws IllegalArgumentException when a name or the expression selects no layer, listing
     *     the model's linear modules
     */
    List<String> resolve(Map<String, LinearLayer> layers) {
        List<String> selected = new ArrayList<>();
        if (regex != null) {
            Pattern pattern = Pattern.compile(regex);
            layers.keySet().stream().filter(m -> pattern.matcher(m).matches()).forEach(selected::add);
            if (selected.isEmpty()) {
                throw new IllegalArgumentException("--target_regex '" + regex + "' matches no"
                        + " linear layer of this model; " + describe(layers));
            }
            return selected;
        }
        Set<String> suffixes = expanded(layers);
        for (String name : names) {
            if (!name.equals(ALL_LINEAR)
                    && layers.keySet().stream().noneMatch(m -> matches(m, name))) {
                throw new IllegalArgumentException("--target_modules '" + name + "' names no"
                        + " linear layer of this model; " + describe(layers));
            }
        }
        layers.keySet().stream().filter(m -> suffixes.stream().anyMatch(s -> matches(m, s)))
                .forEach(selected::add);
        return selected;
    }

    /**
     * What adapter_config.json's {@code target_modules} holds: the names with all-linear
     * expanded to the module names it stands for (as PEFT saves it), sorted; or the expression.
     */
    Object peftValue(Map<String, LinearLayer> layers) {
        return regex != null ? regex : List.copyOf(new TreeSet<>(expanded(layers)));
    }

    private Set<String> expanded(Map<String, LinearLayer> layers) {
        Set<String> suffixes = new LinkedHashSet<>();
        for (String name : names) {
            if (name.equals(ALL_LINEAR)) {
                for (String module : layers.keySet()) {
                    if (!lastComponent(module).equals(LM_HEAD)) {
                        suffixes.add(lastComponent(module));
                    }
                }
            } else {
                suffixes.add(name);
            }
        }
        return suffixes;
    }

    /** PEFT's list match: the whole name, or its ending after a dot. */
    static boolean matches(String module, String suffix) {
        return module.equals(suffix) || module.endsWith("." + suffix);
    }

    /** The model's linear modules, for an error message. */
    static String describe(Map<String, LinearLayer> layers) {
        if (layers.isEmpty()) {
            return "it has no linear layers";
        }
        Set<String> names = new TreeSet<>();
        layers.keySet().forEach(m -> names.add(lastComponent(m)));
        return "its linear modules are " + String.join(", ", names) + " (" + layers.size()
                + " layers, e.g. " + layers.keySet().iterator().next() + "); " + ALL_LINEAR
                + " selects all but " + LM_HEAD;
    }

    private static String lastComponent(String module) {
        return module.substring(module.lastIndexOf('.') + 1);
    }
}
