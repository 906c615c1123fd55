package dev.kiln.api.quant;

import dev.kiln.api.tensor.Shape;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A weight quantization method (RTN int8/int4, NF4, GPTQ, AWQ, FP8). Register with a
 * {@link QuantizerName}. Methods that need calibration (GPTQ, AWQ) receive the layer's input
 * statistics; the others ignore them.
 */
@ConsumerType
public interface Quantizer {

    /**
     * Quantizes one linear weight {@code [out, in]}.
     *
     * @param calibration inputs statistics by name (e.g. {@code hessian} {@code [in, in]}),
     *     empty for calibration-free methods
     * @param arguments the user's arguments ({@code bits}, {@code group_size}, ...) by name
     */
    QuantizedWeight quantize(float[] weight, Shape shape, Map<String, float[]> calibration,
            Map<String, Object> arguments);

    /**
     * A quantized weight, as tensors in the layout its export format names them
     * ({@code qweight}, {@code scales}, {@code qzeros}, ...), with the format's metadata.
     */
    record QuantizedWeight(String format, Map<String, byte[]> tensors, Map<String, Shape> shapes,
            Map<String, Object> metadata) {}
}
