package dev.kiln.tuners.lora;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensor names of PEFT's adapter_model.safetensors: {@code base_model.model.<module>.lora_A.weight}
 * and {@code .lora_B.weight}, where {@code <module>} is the model's own module name (PEFT's
 * {@code LoraModel} wraps the model as {@code base_model.model}). PEFT saves without the adapter's
 * name; a state dict taken from a live PeftModel carries it ({@code lora_A.default.weight}), and
 * both are read.
 */
final class PeftNames {

    private static final String PREFIX = "base_model.model.";
    private static final Pattern KEY =
            Pattern.compile("base_model\\.model\\.(.+)\\.lora_([AB])(?:\\.[^.]+)?\\.weight");

    /** A tensor of an adapter file: the module it adapts and which matrix it is. */
    record Key(String module, boolean isA) {}

    private PeftNames() {}

    static String loraA(String module) {
        return PREFIX + module + ".lora_A.weight";
    }

    static String loraB(String module) {
        return PREFIX + module + ".lora_B.weight";
    }

    /** The module and matrix {@code name} holds, or empty for a name that is not a LoRA matrix. */
    static Optional<Key> parse(String name) {
        Matcher m = KEY.matcher(name);
        return m.matches() ? Optional.of(new Key(m.group(1), m.group(2).equals("A")))
                : Optional.empty();
    }
}
