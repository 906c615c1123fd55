package dev.kiln.core.model;

import dev.kiln.api.tensor.DType;
import java.util.Locale;
import java.util.Optional;

/**
 * The dtype a model's weights are kept in, as ms-swift's and transformers' {@code --torch_dtype}
 * names it: {@code auto} keeps a half-precision checkpoint half (decoding is memory-bound) and
 * loads everything else as F32. Norms and biases stay F32 whatever this says; the weights of
 * the linear layers and the embedding take it.
 */
public enum TorchDtype {
    AUTO("auto", null),
    FLOAT32("float32", DType.F32),
    BFLOAT16("bfloat16", DType.BF16),
    FLOAT16("float16", DType.F16);

    private final String label;
    private final DType dtype;

    TorchDtype(String label, DType dtype) {
        this.label = label;
        this.dtype = dtype;
    }

    /** {@code float32}, as config.json's {@code torch_dtype} writes it. */
    public String label() {
        return label;
    }

    /** The dtype; empty for {@link #AUTO}. */
    public Optional<DType> dtype() {
        return Optional.ofNullable(dtype);
    }

    /**
     * {@code auto}, {@code float32}, {@code bfloat16} or {@code float16}, also as {@code fp32},
     * {@code bf16}, {@code fp16}, {@code half} or {@code float} (as transformers accepts them).
     *
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static TorchDtype parse(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "float32", "fp32", "f32", "float" -> FLOAT32;
            case "bfloat16", "bf16" -> BFLOAT16;
            case "float16", "fp16", "f16", "half" -> FLOAT16;
            default -> throw new IllegalArgumentException("torch_dtype: '" + value
                    + "' is not one of auto, float32, bfloat16, float16");
        };
    }

    /** The choice for a dtype: F32, BF16 or F16. */
    public static TorchDtype of(DType dtype) {
        return switch (dtype) {
            case F32 -> FLOAT32;
            case BF16 -> BFLOAT16;
            case F16 -> FLOAT16;
            default -> throw new IllegalArgumentException("torch_dtype: weights cannot be " + dtype);
        };
    }
}
