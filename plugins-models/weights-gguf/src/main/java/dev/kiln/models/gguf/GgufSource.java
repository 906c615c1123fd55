package dev.kiln.models.gguf;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.weights.TensorInfo;
import dev.kiln.api.weights.WeightSource;
import dev.kiln.models.gguf.GgufArchitecture.HfName;
import dev.kiln.models.gguf.GgufArchitecture.Layout;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An opened GGUF file, memory-mapped into a shared arena: {@link #data} segments may be read from
 * any thread and stay valid until {@link #close}.
 *
 * <p><b>Names and layouts.</b> For the architectures of {@link GgufArchitecture} (llama, qwen2,
 * qwen3, gpt2) {@link #tensors()} lists the tensors under the names of the Hugging Face model
 * transformers builds from the file ({@code blk.0.attn_q.weight} is
 * {@code model.layers.0.self_attn.q_proj.weight}), in PyTorch's layout: the Q and K rows of a
 * llama model are put back in the order rotate-half RoPE expects, GPT-2's Conv1D weights are
 * transposed. A tensor without a Hugging Face name ({@code rope_freqs.weight}, ...) keeps its
 * GGUF name. Other architectures keep every GGUF name. The file's own names and bytes stay
 * reachable inside this bundle through {@link #ggufTensors()} and {@link #ggufData}.
 *
 * <p><b>Types.</b> F32, F16, BF16, I8, I32 and I64 are plain storage; quantized tensors are listed
 * with their ggml type as {@link TensorInfo#storage()} and dtype F32. {@link #values} gives plain
 * tensors as stored and dequantizes Q8_0 and Q4_0; other quantized types are readable as bytes
 * only, for now. {@link #modelConfig()} is the metadata as config.json ({@link GgufModelConfig}).
 *
 * <p>This class is private to the bundle: {@link GgufFormat#open} returns it, so code inside the
 * bundle can use its extra methods; other bundles see a plain {@link WeightSource}.
 */
public final class GgufSource implements WeightSource {

    /** A tensor as presented: its info under its presented name, the GGUF tensor, the change. */
    private record View(TensorInfo info, GgufTensor gguf, Layout layout) {
    }

    private final Path location;
    private final Path file;
    private final Arena arena;
    private final GgufHeader header;
    private final MemorySegment mapped;
    private final GgufArchitecture architecture;
    private final Map<String, View> views;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, TensorInfo> ggufTensors;
    /** GGUF tensors of a known architecture that have no Hugging Face name, for errors. */
    private final List<String> unnamed;
    private volatile boolean closed;

    private GgufSource(Path location, Path file, Arena arena, MemorySegment mapped,
            GgufHeader header) throws IOException {
        this.location = location;
        this.file = file;
        this.arena = arena;
        this.mapped = mapped;
        this.header = header;
        Object arch = header.metadata().get("general.architecture");
        this.architecture = arch instanceof String name
                ? GgufArchitecture.byName(name).orElse(null) : null;
        Map<String, View> byName = new LinkedHashMap<>();
        Map<String, TensorInfo> raw = new LinkedHashMap<>();
        List<String> withoutHfName = new ArrayList<>();
        for (GgufTensor t : header.tensors().values()) {
            String ggufName = t.info().name();
            raw.put(ggufName, t.info());
            HfName hf = architecture == null ? null : architecture.hfName(ggufName).orElse(null);
            if (hf == null && architecture != null) {
                withoutHfName.add(ggufName);
            }
            View view = hf == null ? new View(t.info(), t, Layout.AS_IS) : presented(hf, t);
            View clash = byName.putIfAbsent(view.info().name(), view);
            if (clash != null) {
                throw new IOException(file + ": tensors '" + clash.gguf().info().name() + "' and '"
                        + ggufName + "' both have the name '" + view.info().name() + "'");
            }
        }
        this.views = Collections.unmodifiableMap(byName);
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        byName.forEach((name, v) -> infos.put(name, v.info()));
        this.tensors = Collections.unmodifiableMap(infos);
        this.ggufTensors = Collections.unmodifiableMap(raw);
        this.unnamed = List.copyOf(withoutHfName);
    }

    /** The view of a tensor that has a Hugging Face name. */
    private View presented(HfName hf, GgufTensor t) throws IOException {
        TensorInfo gguf = t.info();
        if (hf.layout() != Layout.TRANSPOSE) {
            return new View(new TensorInfo(hf.name(), gguf.dtype(), gguf.shape(), gguf.storage()),
                    t, hf.layout());
        }
        if (gguf.shape().rank() != 2) {
            throw new IOException(file + ": tensor '" + gguf.name() + "' has shape "
                    + gguf.shape() + "; a Conv1D weight has 2 dimensions");
        }
        // Transposing gives plain elements: quantized blocks run along GGUF's rows.
        Shape shape = Shape.of(gguf.shape().dim(1), gguf.shape().dim(0));
        return new View(new TensorInfo(hf.name(), gguf.dtype(), shape), t, Layout.TRANSPOSE);
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

    /** Every tensor, under its Hugging Face name where it has one, in file order. */
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
     * The configuration as config.json keys (see {@link GgufModelConfig}).
     *
     * @throws IllegalArgumentException naming the file and key when a required key is missing or
     *     malformed
     * @throws UnsupportedOperationException naming {@code general.architecture} and the supported
     *     ones when it is none of them, or naming what else cannot be stated as config.json
     */
    @Override
    public Optional<Map<String, Object>> modelConfig() {
        GgufMetadata meta = ggufMetadata();
        String name = meta.string("general.architecture");
        if (architecture == null) {
            throw new UnsupportedOperationException(file + ": general.architecture '" + name
                    + "' is not supported (" + GgufArchitecture.supported() + " are)");
        }
        return Optional.of(GgufModelConfig.translate(this, architecture));
    }

    /**
     * The tensor's bytes, laid out as its {@link TensorInfo} says: a read-only view of the file
     * where the layout is GGUF's; for the Q and K projections of a llama model, the rows moved
     * into a copy held until {@link #close}; for a transposed tensor, {@link #values}.
     *
     * @throws IOException naming the file and tensor when it cannot be laid out
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public MemorySegment data(String name) throws IOException {
        View v = view(name);
        return switch (v.layout()) {
            case AS_IS -> raw(v.gguf());
            case UNPERMUTE_Q, UNPERMUTE_K -> unpermuted(v, arena);
            case TRANSPOSE -> values(name, arena);
        };
    }

    /**
     * The tensor's elements as its {@link TensorInfo#dtype()}: plain storage as {@link #data}
     * gives it (the file itself where its layout is GGUF's, else a copy in {@code arena}); Q8_0 and
     * Q4_0 dequantized to F32 into {@code arena}.
     *
     * @throws IOException naming the file and tensor for a quantized type this bundle cannot
     *     dequantize, or a layout that cannot be undone (no head count)
     * @throws IllegalArgumentException when there is no such tensor
     * @throws IllegalStateException after {@link #close()}
     */
    @Override
    public MemorySegment values(String name, Arena arena) throws IOException {
        View v = view(name);
        if (!v.gguf().type().quantized()) {
            return switch (v.layout()) {
                case AS_IS -> raw(v.gguf());
                case UNPERMUTE_Q, UNPERMUTE_K -> unpermuted(v, arena);
                case TRANSPOSE -> transposed(v, raw(v.gguf()), arena);
            };
        }
        try (Arena scratch = Arena.ofConfined()) {
            return switch (v.layout()) {
                case AS_IS -> dequantized(v, raw(v.gguf()), arena);
                case UNPERMUTE_Q, UNPERMUTE_K -> dequantized(v, unpermuted(v, scratch), arena);
                case TRANSPOSE -> transposed(v, dequantized(v, raw(v.gguf()), scratch), arena);
            };
        }
    }

    /**
     * The tensor's elements as floats, in row-major order of its shape, as {@link #values} gives
     * them: F32, F16 and BF16 converted, Q8_0 and Q4_0 dequantized. Reads the whole tensor onto
     * the heap.
     *
     * @throws UnsupportedOperationException for integer tensors
     * @throws IOException as {@link #values} does
     * @throws IllegalArgumentException when there is no such tensor, or it has more elements than
     *     a {@code float[]} holds
     * @throws IllegalStateException after {@link #close()}
     */
    public float[] dequantize(String name) throws IOException {
        View v = view(name);
        long numel = v.info().shape().numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor '" + name + "' in " + file + " has " + numel
                    + " elements, more than a float[] holds");
        }
        DType dtype = v.info().dtype();
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new UnsupportedOperationException("tensor '" + name + "' in " + file + ": "
                    + v.info().storage() + " elements are not floating point");
        }
        float[] out = new float[(int) numel];
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment values = values(name, scratch);
            switch (dtype) {
                case F16 -> GgmlDequantize.f16(values, out);
                case BF16 -> GgmlDequantize.bf16(values, out);
                default -> GgmlDequantize.f32(values, out);
            }
        }
        return out;
    }

    /** Every tensor under its GGUF name, as the file lays it out, in file order. */
    public Map<String, TensorInfo> ggufTensors() {
        return ggufTensors;
    }

    /** The file's bytes of the tensor named {@code ggufName} in the file. */
    public MemorySegment ggufData(String ggufName) {
        checkOpen();
        GgufTensor t = header.tensors().get(ggufName);
        if (t == null) {
            throw new IllegalArgumentException("no GGUF tensor '" + ggufName + "' in " + file);
        }
        return raw(t);
    }

    GgufMetadata ggufMetadata() {
        return new GgufMetadata(file, header.metadata());
    }

    Optional<GgufTensor> ggufTensor(String ggufName) {
        return Optional.ofNullable(header.tensors().get(ggufName));
    }

    /** A small plain tensor's elements as floats, as the file stores them. */
    float[] rawFloats(GgufTensor t) {
        checkOpen();
        float[] out = new float[Math.toIntExact(t.info().shape().numel())];
        switch (t.type()) {
            case F32 -> GgmlDequantize.f32(raw(t), out);
            case F16 -> GgmlDequantize.f16(raw(t), out);
            case BF16 -> GgmlDequantize.bf16(raw(t), out);
            default -> throw new IllegalArgumentException(file + ": tensor '" + t.info().name()
                    + "' is stored as " + t.type() + ", not as floats");
        }
        return out;
    }

    private MemorySegment raw(GgufTensor t) {
        return mapped.asSlice(t.offset(), t.byteSize());
    }

    /** The rows of a llama Q or K projection in Hugging Face order, in {@code into}. */
    private MemorySegment unpermuted(View v, Arena into) throws IOException {
        String p = architecture.ggufName + ".attention.";
        long heads;
        try {
            GgufMetadata meta = ggufMetadata();
            heads = meta.integer(p + "head_count");
            if (v.layout() == Layout.UNPERMUTE_K) {
                heads = meta.optionalInteger(p + "head_count_kv").orElse(heads);
            }
        } catch (IllegalArgumentException e) {
            throw new IOException(describe(v) + ": cannot undo llama.cpp's RoPE permutation: "
                    + e.getMessage(), e);
        }
        MemorySegment from = raw(v.gguf());
        MemorySegment to = into.allocate(from.byteSize(), 64);
        try {
            RopePermutation.unpermute(from, to, v.gguf().info().shape().dim(0), heads);
        } catch (IllegalArgumentException e) {
            throw new IOException(describe(v) + ": cannot undo llama.cpp's RoPE permutation: "
                    + e.getMessage(), e);
        }
        return to;
    }

    /** Q8_0 or Q4_0 {@code blocks} of the tensor as F32, in {@code into}. */
    private MemorySegment dequantized(View v, MemorySegment blocks, Arena into)
            throws IOException {
        MemorySegment out = into.allocate(v.info().shape().numel() * Float.BYTES, 64);
        switch (v.gguf().type()) {
            case Q8_0 -> GgmlDequantize.q8_0(blocks, out);
            case Q4_0 -> GgmlDequantize.q4_0(blocks, out);
            default -> throw new IOException(describe(v) + " is stored as " + v.gguf().type()
                    + ", which this bundle cannot dequantize (Q8_0 and Q4_0 it can)");
        }
        return out;
    }

    /** GGUF's [out, in] {@code elements} as [in, out], in {@code into}. */
    private static MemorySegment transposed(View v, MemorySegment elements, Arena into) {
        Shape gguf = v.gguf().info().shape();
        MemorySegment out = into.allocate(elements.byteSize(), 64);
        Transpose.matrix(elements, out, gguf.dim(0), gguf.dim(1),
                elements.byteSize() / gguf.numel());
        return out;
    }

    private String describe(View v) {
        String gguf = v.gguf().info().name();
        return file + ": tensor '" + v.info().name() + "'"
                + (gguf.equals(v.info().name()) ? "" : " (GGUF '" + gguf + "')");
    }

    private View view(String name) {
        checkOpen();
        View v = views.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + file
                    + (unnamed.isEmpty() ? "" : "; its tensors without a Hugging Face name: "
                            + listed(unnamed)));
        }
        return v;
    }

    private static String listed(List<String> names) {
        int shown = Math.min(names.size(), 10);
        return String.join(", ", names.subList(0, shown))
                + (shown < names.size() ? " and " + (names.size() - shown) + " more" : "");
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(location + " is closed");
        }
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
