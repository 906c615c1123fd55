package dev.kiln.api.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * An opened checkpoint. Tensor bytes are memory-mapped where the format allows, so a model larger
 * than the Java heap can be read; they stay valid until {@link #close()}.
 */
@ConsumerType
public interface WeightSource extends AutoCloseable {

    /** The file or directory this was opened from. */
    Path location();

    /** Every tensor, by name. */
    Map<String, TensorInfo> tensors();

    /** Metadata the format carries (GGUF key-values, safetensors {@code __metadata__}). */
    Map<String, Object> metadata();

    /**
     * The little-endian bytes of a tensor as {@link TensorInfo#storage()} lays them out.
     *
     * @throws IOException naming the file and tensor when it cannot be read (truncated file, ...)
     * @throws IllegalArgumentException when there is no such tensor
     */
    MemorySegment data(String name) throws IOException;

    /**
     * The tensor's values as little-endian {@link TensorInfo#dtype()} elements: {@link #data}
     * itself for a plainly stored tensor; quantized storage (GGUF's Q8_0, ...) dequantized into
     * memory of {@code arena}. This is what a model loads.
     *
     * @throws IOException naming the file and tensor when it cannot be read or dequantized
     * @throws IllegalArgumentException when there is no such tensor
     */
    default MemorySegment values(String name, Arena arena) throws IOException {
        TensorInfo info = tensors().get(name);
        if (info == null) {
            throw new IllegalArgumentException(location() + ": no tensor '" + name + "'");
        }
        if (!info.storage().equals(info.dtype().name())) {
            throw new IOException(location() + ": tensor '" + name + "' is stored as "
                    + info.storage() + ", which this format cannot dequantize");
        }
        return data(name);
    }

    /**
     * The model configuration the checkpoint carries in itself, under config.json's keys (a GGUF
     * file's metadata, translated); empty when it is a config.json beside the weights.
     */
    default Optional<Map<String, Object>> modelConfig() {
        return Optional.empty();
    }

    @Override
    void close() throws IOException;
}
