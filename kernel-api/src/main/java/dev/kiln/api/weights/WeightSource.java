package dev.kiln.api.weights;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
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

    @Override
    void close() throws IOException;
}
