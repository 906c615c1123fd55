package dev.kiln.models.gguf;

import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An opened GGUF file, memory-mapped into a shared arena: {@link #data} segments may be read from
 * any thread and stay valid until {@link #close}.
 *
 * <p>Tensors are exposed with their ggml type as {@link TensorInfo#storage()}: F32, F16, BF16,
 * I8, I32 and I64 as plain storage; quantized types (Q8_0, Q4_0, Q4_K, ...) with their ggml name
 * and dtype F32, the type they dequantize to. {@link #dequantize} turns F32, F16, BF16, Q8_0 and
 * Q4_0 tensors into floats; the other quantized types are readable as bytes only, for now.
 *
 * <p>This class is private to the bundle: {@link GgufFormat#open} returns it, so code inside the
 * bundle can call {@link #dequantize}; other bundles see a plain {@link WeightSource}.
 */
public final class GgufSource implements WeightSource {

    private final Path location;
    private final Path file;
    private final Arena arena;
    private final GgufHeader header;
    private final Map<String, TensorInfo> tensors;
    private final MemorySegment mapped;
    private volatile boolean closed;

    private GgufSource(Path location, Path file, Arena arena, MemorySegment mapped,
            GgufHeader header) {
        this.location = location;
        this.file = file;
        this.arena = arena;
        this.mapped = mapped;
        this.header = header;
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        header.tensors().forEach((name, t) -> infos.put(name, t.info()));
        this.tensors = Collections.unmodifiableMap(infos);
    }

    /** Maps {@code file} and reads its header; {@code location} is what the caller named. */
    static GgufSource open(Path location, Path file) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            // Mapping costs no memory up front; pages are read as they are touched.
            MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(),
                    arena).asReadOnly();
            return new GgufSource(location, file, arena, mapped, GgufHeader.read(file, mapped));
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public Path location() {
        return location;
    }

    /** The GGUF version, 2 or 3. */
    public int version() {
        return header.version();
    }

    @Override
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /**
     * Every metadata key-value, in file order. Integers are {@code Integer} for (U)INT8, (U)INT16
     * and INT32, {@code Long} for UINT32, INT64 and UINT64; then {@code Float}, {@code Double},
     * {@code Boolean}, {@code String}, and {@code List} for arrays (nested ones too).
     */
    @Override
    public Map<String, Object> metadata() {
        return header.metadata();
    }

    /**
     * A read-only view of the tensor's mapped bytes, laid out as its storage type. Every tensor
     * was checked to lie inside the file when it was opened.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public MemorySegment data(String name) {
        GgufTensor t = tensor(name);
        return mapped.asSlice(t.offset(), t.byteSize());
    }

    /**
     * The tensor's elements as floats, in row-major order of its shape: F32, F16 and BF16 are
     * converted, Q8_0 and Q4_0 dequantized. Reads the whole tensor onto the heap.
     *
     * @throws UnsupportedOperationException for other storage types (integers, other quantizations)
     * @throws IllegalArgumentException when there is no such tensor, or it has more elements than
     *     a {@code float[]} holds
     * @throws IllegalStateException after {@link #close()}
     */
    public float[] dequantize(String name) {
        GgufTensor t = tensor(name);
        long numel = t.info().shape().numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + file + " has " + numel
                    + " elements, more than a float[] holds");
        }
        float[] out = new float[(int) numel];
        MemorySegment bytes = mapped.asSlice(t.offset(), t.byteSize());
        switch (t.type()) {
            case F32 -> GgmlDequantize.f32(bytes, out);
            case F16 -> GgmlDequantize.f16(bytes, out);
            case BF16 -> GgmlDequantize.bf16(bytes, out);
            case Q8_0 -> GgmlDequantize.q8_0(bytes, out);
            case Q4_0 -> GgmlDequantize.q4_0(bytes, out);
            default -> throw new UnsupportedOperationException("tensor '" + name + "' in " + file
                    + ": dequantizing " + t.type() + " is not supported");
        }
        return out;
    }

    private GgufTensor tensor(String name) {
        if (closed) {
            throw new IllegalStateException(location + " is closed");
        }
        GgufTensor t = header.tensors().get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file);
        }
        return t;
    }

    /** Unmaps the file; segments from {@link #data} may no longer be read. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
