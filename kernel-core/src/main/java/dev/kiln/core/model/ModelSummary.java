package dev.kiln.core.model;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * How big a model is: its parameter count, how many of them each dtype holds, and the bytes they
 * take on the device.
 */
public record ModelSummary(long parameters, long bytes, Map<DType, Long> parametersByDtype) {

    public ModelSummary {
        parametersByDtype = Map.copyOf(parametersByDtype);
    }

    static ModelSummary of(Collection<Tensor> tensors) {
        long count = 0;
        long bytes = 0;
        Map<DType, Long> byDtype = new EnumMap<>(DType.class);
        for (Tensor tensor : tensors) {
            long n = tensor.shape().numel();
            count += n;
            bytes += n * tensor.dtype().byteSize();
            byDtype.merge(tensor.dtype(), n, Long::sum);
        }
        return new ModelSummary(count, bytes, byDtype);
    }

    /** The dtype that holds most parameters: the weights' dtype. */
    public DType dtype() {
        return parametersByDtype.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse(DType.F32);
    }

    /** {@code 1,234,567 parameters (bf16 1,200,000, f32 34,567), 2.5 MB}. */
    @Override
    public String toString() {
        StringJoiner dtypes = new StringJoiner(", ", " (", ")");
        parametersByDtype.entrySet().stream()
                .sorted(Map.Entry.<DType, Long>comparingByValue().reversed())
                .forEach(e -> dtypes.add(e.getKey().label() + " " + String.format(Locale.ROOT, "%,d", e.getValue())));
        return String.format(Locale.ROOT, "%,d parameters", parameters) + dtypes
                + String.format(Locale.ROOT, ", %.1f MB", bytes / 1e6);
    }
}
