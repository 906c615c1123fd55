package dev.kiln.tuners.full;

import dev.kiln.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which parameters a full fine-tune holds back, as ms-swift's options choose them: the first
 * {@code --freeze_parameters_ratio} of the model's elements (whole parameters, in the model's
 * order), then every parameter whose name starts with a {@code --freeze_parameters} prefix; a
 * {@code --trainable_parameters} prefix trains its parameters whatever froze them.
 */
record ParameterSelection(double freezeRatio, List<String> freezePrefixes,
        List<String> trainablePrefixes) {

    static ParameterSelection fromArguments(Map<String, Object> arguments) {
        Object ratio = arguments.get("freeze_parameters_ratio");
        double freezeRatio;
        try {
            freezeRatio = ratio == null ? 0 : Double.parseDouble(ratio.toString().trim());
        } catch (NumberFormatException e) {
            freezeRatio = Double.NaN;
        }
        if (!(freezeRatio >= 0 && freezeRatio <= 1)) {
            throw new IllegalArgumentException("--freeze_parameters_ratio must be a number in"
                    + " [0, 1], not '" + ratio + "'");
        }
        return new ParameterSelection(freezeRatio, names(arguments.get("freeze_parameters")),
                names(arguments.get("trainable_parameters")));
    }

    /** The names of the parameters that do not train. */
    Set<String> frozen(Map<String, Tensor> parameters) {
        Set<String> frozen = new LinkedHashSet<>();
        long total = parameters.values().stream().mapToLong(p -> p.shape().numel()).sum();
        long budget = (long) (total * freezeRatio);
        long cumulative = 0;
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            cumulative += e.getValue().shape().numel();
            if (cumulative > budget) {
                break;
            }
            frozen.add(e.getKey());
        }
        for (String name : parameters.keySet()) {
            if (freezePrefixes.stream().anyMatch(name::startsWith)) {
                frozen.add(name);
            }
        }
        frozen.removeIf(name -> trainablePrefixes.stream().anyMatch(name::startsWith));
        return frozen;
    }

    /** A list of names, or one string of names separated by spaces or commas. */
    private static List<String> names(Object value) {
        List<String> names = new ArrayList<>();
        if (value instanceof List<?> list) {
            list.forEach(item -> split(String.valueOf(item), names));
        } else if (value != null) {
            split(value.toString(), names);
        }
        return List.copyOf(names);
    }

    private static void split(String text, List<String> into) {
        for (String part : text.split("[\\s,]+")) {
            if (!part.isEmpty()) {
                into.add(part);
            }
        }
    }
}
