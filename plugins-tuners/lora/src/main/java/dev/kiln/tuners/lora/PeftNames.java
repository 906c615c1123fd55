package dev.kiln.tuners.lora;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tensor names of PEFT's adapter_model.safetensors: {@code base_model.model.<module>.lora_A.weight},
 * {@code .lora_B.weight} and, for DoRA, {@code .lora_magnitude_vector}, where {@code <module>} is
 * the model's own module name (PEFT's {@code LoraModel} wraps the model as
 * {@code base_model.model}). PEFT saves without the adapter's name; a state dict taken from a
 * live PeftModel carries it ({@code lora_A.default.weight}, and since PEFT 0.12, whose DoRA
 * magnitude is a module, {@code lora_magnitude_vector.default.weight}), and both are read.
 */
final class PeftNames {

    private static final String PREFIX = "base_model.model.";
    private static final Pattern MATRIX =
            Pattern.compile("base_model\\.model\\.(.+)\\.lora_([AB])(?:\\.[^.]+)?\\.weight");
    private static final Pattern MAGNITUDE = Pattern.compile(
            "base_model\\.model\\.(.+)\\.lora_magnitude_vector(?:\\.(?!weight$)[^.]+)?(?:\\.weight)?");

    /** Which tensor of an adapted module. */
    enum Part { A, B, MAGNITUDE }

    /** A tensor of an adapter file: the module it adapts and which of its tensors it is. */
    record Key(String module, Part part) {}

    private PeftNames() {}

    static String loraA(String module) {
        return PREFIX + module + ".lora_A.weight";
    }

    static String loraB(String module) {
        return PREFIX + module + ".lora_B.weight";
    }

    /** DoRA's magnitude vector, as PEFT's get_peft_model_state_dict saves it (no {@code .weight}). */
    static String magnitude(String module) {
        return PREFIX + module + ".lora_magnitude_vector";
    }

    /** The module and part {@code name} holds, or empty for a name that is not an adapter's. */
    static Optional<Key> parse(String name) {
        Matcher m = MATRIX.matcher(name);
        if (m.matches()) {
            return Optional.of(new Key(m.group(1), m.group(2).equals("A") ? Part.A : Part.B));
        }
        m = MAGNITUDE.matcher(name);
        return m.matches() ? Optional.of(new Key(m.group(1), Part.MAGNITUDE)) : Optional.empty();
    }
}
