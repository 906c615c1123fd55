package dev.kiln.tuners.lora;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A LoRA configuration, as PEFT's {@code LoraConfig} holds one: from the command line (ms-swift's
 * option names and defaults) or from an adapter_config.json, and back into one.
 *
 * @param rank        {@code r}: the adapters' inner dimension
 * @param alpha       {@code lora_alpha}: the update is scaled by alpha / r
 * @param dropout     {@code lora_dropout}: dropout on the adapter's input while training
 * @param useRslora   {@code use_rslora}: scale by alpha / sqrt(r) instead (rank-stabilized LoRA)
 * @param targets     {@code target_modules}
 * @param init        {@code init_lora_weights}, for new adapters
 * @param baseModel   {@code base_model_name_or_path}, or null
 * @param rankPattern {@code rank_pattern}: ranks of particular modules (PEFT's per-module override)
 * @param alphaPattern {@code alpha_pattern}: their alphas
 * @param useDora     {@code use_dora}: weight-decomposed adapters (DoRA), a trained magnitude per
 *     output row
 * @param loraPlusRatio {@code --lorap_lr_ratio}: LoRA+'s learning-rate factor of B (and of the
 *     DoRA magnitudes) over A; 1 without LoRA+. A training choice, not saved with the adapter
 */
record LoraSettings(int rank, double alpha, double dropout, boolean useRslora,
        TargetModules targets, LoraInit init, String baseModel, Map<String, Integer> rankPattern,
        Map<String, Double> alphaPattern, boolean useDora, double loraPlusRatio) {

    /** ms-swift's defaults: --lora_rank 8 --lora_alpha 32 --lora_dropout 0.05 --target_modules all-linear. */
    static LoraSettings fromArguments(Map<String, Object> values) {
        Arguments args = new Arguments(values);
        int rank = args.integer("lora_rank", 8);
        if (rank <= 0) {
            throw Arguments.invalid("lora_rank", "a positive integer", rank);
        }
        double alpha = args.decimal("lora_alpha", 32);
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw Arguments.invalid("lora_alpha", "a positive number", alpha);
        }
        double dropout = args.decimal("lora_dropout", 0.05);
        if (!(dropout >= 0 && dropout < 1)) {
            throw Arguments.invalid("lora_dropout", "a probability in [0, 1)", dropout);
        }
        refuseUnsupported(args);
        double loraPlusRatio = args.decimal("lorap_lr_ratio", 1);
        if (!(loraPlusRatio > 0) || Double.isInfinite(loraPlusRatio)) {
            throw Arguments.invalid("lorap_lr_ratio", "a positive number", loraPlusRatio);
        }
        Optional<String> regex = args.string("target_regex");
        List<String> names = args.strings("target_modules");
        TargetModules targets = regex.isPresent() ? TargetModules.regex(regex.get())
                : TargetModules.names(names.isEmpty() ? List.of(TargetModules.ALL_LINEAR) : names);
        String initOption = args.value("init_weights").isPresent() ? "init_weights"
                : "init_lora_weights";
        LoraInit init = args.value(initOption).map(v -> LoraInit.parse(initOption, v))
                .orElse(LoraInit.KAIMING);
        return new LoraSettings(rank, alpha, dropout, args.bool("use_rslora", false), targets,
                init, args.string("model").orElse(null), Map.of(), Map.of(),
                args.bool("use_dora", false), loraPlusRatio);
    }

    /** What this tuner does not do (yet), refused rather than silently ignored. */
    private static void refuseUnsupported(Arguments args) {
        Optional<String> bias = args.string("lora_bias");
        if (bias.isPresent() && !bias.get().equals("none")) {
            throw Arguments.invalid("lora_bias", "none (training biases is not supported)",
                    bias.get());
        }
        if (!args.strings("modules_to_save").isEmpty()) {
            throw new IllegalArgumentException("--modules_to_save " + args.strings("modules_to_save")
                    + ": training whole modules beside the adapters is not supported");
        }
    }

    /**
     * Reads PEFT's adapter_config.json (already parsed). Keys PEFT writes that do not change
     * what the adapter computes (task_type, inference_mode, revision, ...) are not checked.
     *
     * @throws IOException naming the file and the key for what is not LoRA or not supported
     */
    static LoraSettings fromAdapterConfig(Map<String, Object> config, Path file)
            throws IOException {
        try {
            return parseAdapterConfig(config, file);
        } catch (UncheckedConfigException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static LoraSettings parseAdapterConfig(Map<String, Object> config, Path file)
            throws IOException {
        ConfigReader read = new ConfigReader(config, file);
        String type = read.string("peft_type", "");
        if (!type.equals("LORA")) {
            throw new IOException(file + ": peft_type is '" + type + "', not LORA: not a LoRA"
                    + " adapter");
        }
        if (!read.string("bias", "none").equals("none")) {
            throw new IOException(file + ": bias '" + read.string("bias", "none")
                    + "': adapters that train biases are not supported");
        }
        if (config.get("modules_to_save") instanceof List<?> list && !list.isEmpty()) {
            throw new IOException(file + ": modules_to_save " + list
                    + ": adapters with whole trained modules are not supported");
        }
        Object target = config.get("target_modules");
        TargetModules targets;
        if (target instanceof List<?> list && !list.isEmpty()) {
            targets = TargetModules.names(list.stream().map(String::valueOf).toList());
        } else if (target instanceof String s && !s.isEmpty()) {
            try {
                targets = s.equals(TargetModules.ALL_LINEAR) ? TargetModules.names(List.of(s))
                        : TargetModules.regex(s);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + ": target_modules: " + e.getMessage(), e);
            }
        } else {
            throw new IOException(file + ": target_modules must be a list of module names or a"
                    + " regular expression, not " + target);
        }
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        read.map("rank_pattern").forEach((k, v) -> rankPattern.put(k, read.integer(v, "rank_pattern " + k)));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        read.map("alpha_pattern").forEach((k, v) -> alphaPattern.put(k, read.number(v, "alpha_pattern " + k)));
        double dropout = read.number(config.getOrDefault("lora_dropout", 0.0), "lora_dropout");
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IOException(file + ": lora_dropout must be in [0, 1), not " + dropout);
        }
        // PEFT's defaults for absent keys: r 8, lora_alpha 8
        return new LoraSettings(read.integer(config.getOrDefault("r", 8), "r"),
                read.number(config.getOrDefault("lora_alpha", 8), "lora_alpha"), dropout,
                read.bool("use_rslora", false), targets, LoraInit.KAIMING,
                read.string("base_model_name_or_path", null), rankPattern, alphaPattern,
                read.bool("use_dora", false), 1);
    }

    /** The rank of {@code module}: {@code rank_pattern}'s, else {@link #rank()}. */
    int rankOf(String module) {
        return patternKey(rankPattern, module).map(rankPattern::get).orElse(rank);
    }

    double alphaOf(String module) {
        return patternKey(alphaPattern, module).map(alphaPattern::get).orElse(alpha);
    }

    /** The factor of the adapter's output: alpha / r, or alpha / sqrt(r) with rsLoRA (PEFT's {@code scaling}). */
    double scaling(String module) {
        int r = rankOf(module);
        return useRslora ? alphaOf(module) / Math.sqrt(r) : alphaOf(module) / r;
    }

    /**
     * adapter_config.json's content, with PEFT's keys (sorted, as PEFT writes them).
     *
     * @param targetModules what {@code target_modules} holds (the resolved names)
     * @param fanInFanOut whether the adapted layers store their weights {@code [in, out]}
     */
    Map<String, Object> toAdapterConfig(Object targetModules, boolean fanInFanOut) {
        Map<String, Object> config = new TreeMap<>();
        config.put("alpha_pattern", new TreeMap<>(alphaPattern));
        config.put("auto_mapping", null);
        config.put("base_model_name_or_path", baseModel);
        config.put("bias", "none");
        config.put("fan_in_fan_out", fanInFanOut);
        config.put("inference_mode", true);
        config.put("init_lora_weights", init.peftValue());
        config.put("layer_replication", null);
        config.put("layers_pattern", null);
        config.put("layers_to_transform", null);
        config.put("loftq_config", Map.of());
        config.put("lora_alpha", alpha == Math.rint(alpha) ? (Object) (long) alpha : alpha);
        config.put("lora_dropout", dropout);
        config.put("megatron_config", null);
        config.put("megatron_core", "megatron.core");
        config.put("modules_to_save", null);
        config.put("peft_type", "LORA");
        config.put("r", rank);
        config.put("rank_pattern", new TreeMap<>(rankPattern));
        config.put("revision", null);
        config.put("target_modules", targetModules);
        config.put("task_type", "CAUSAL_LM");
        config.put("use_dora", useDora);
        config.put("use_rslora", useRslora);
        return config;
    }

    /** PEFT's get_pattern_key: the first key equal to the module's name or matching its end. */
    private static Optional<String> patternKey(Map<String, ?> pattern, String module) {
        for (String key : pattern.keySet()) {
            if (key.equals(module) || Pattern.compile("(.*\\.)?(" + key + ")$").matcher(module)
                    .matches()) {
                return Optional.of(key);
            }
        }
        return Optional.empty();
    }

    /** Typed values of adapter_config.json, with errors naming the file and the key. */
    private record ConfigReader(Map<String, Object> config, Path file) {

        String string(String key, String defaultValue) {
            Object v = config.get(key);
            return v == null ? defaultValue : v.toString();
        }

        boolean bool(String key, boolean defaultValue) {
            Object v = config.get(key);
            if (v == null) {
                return defaultValue;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            throw new UncheckedConfigException(file + ": " + key + " must be true or false, not " + v);
        }

        double number(Object v, String key) {
            if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
            throw new UncheckedConfigException(file + ": " + key + " must be a number, not " + v);
        }

        int integer(Object v, String key) {
            double d = number(v, key);
            if (d != Math.rint(d) || d <= 0 || d > Integer.MAX_VALUE) {
                throw new UncheckedConfigException(file + ": " + key
                        + " must be a positive integer, not " + v);
            }
            return (int) d;
        }

        Map<String, Object> map(String key) {
            Object v = config.get(key);
            if (v == null) {
                return Map.of();
            }
            if (v instanceof Map<?, ?> m) {
                Map<String, Object> result = new LinkedHashMap<>();
                m.forEach((k, value) -> result.put(String.valueOf(k), value));
                return result;
            }
            throw new UncheckedConfigException(file + ": " + key + " must be an object, not " + v);
        }
    }

    /** A config error raised inside a lambda, rethrown as an IOException. */
    private static final class UncheckedConfigException extends IllegalArgumentException {
        UncheckedConfigException(String message) {
            super(message);
        }
    }
}
