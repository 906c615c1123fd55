package dev.kiln.models.gguf;

import dev.kiln.api.tensor.Shape;
import dev.kiln.api.weights.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of a GGUF v2/v3 file, read and checked against the file: magic {@code GGUF},
 * version, tensor and metadata counts, the metadata key-values, the tensor infos; then the data
 * section, which starts at the next multiple of {@code general.alignment} (default 32) and in
 * which every tensor must lie, aligned, without overlapping another.
 *
 * @param tensors in the order the file lists them
 */
record GgufHeader(int version, Map<String, Object> metadata, Map<String, GgufTensor> tensors,
        long alignment, long dataStart) {

    static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    static final String ALIGNMENT_KEY = "general.alignment";
    static final long DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    static final int MAX_DIMS = 4;

    // The fewest bytes an entry takes, to bound counts by the bytes left before reading them.
    private static final long LEAST_KEY_VALUE_BYTES = 8 + 4 + 1;
    private static final long LEAST_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

    static GgufHeader read(Path file, MemorySegment segment) throws IOException {
        GgufCursor in = new GgufCursor(file, segment);
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw in.error(String.format("not a GGUF file (magic 0x%08x)", magic));
        }
        int version = in.i32("version");
        if (version != 2 && version != 3) {
            int swapped = Integer.reverseBytes(version);
            throw in.error(swapped == 2 || swapped == 3
                    ? "big-endian GGUF is not supported"
                    : "GGUF version " + Integer.toUnsignedString(version)
                            + " is not supported (2 and 3 are)");
        }
        long tensorCount = in.i64("tensor count");
        long keyValueCount = in.i64("metadata key-value count");
        if (tensorCount < 0 || keyValueCount < 0
                || tensorCount > in.remaining() / LEAST_TENSOR_INFO_BYTES
                || keyValueCount > in.remaining() / LEAST_KEY_VALUE_BYTES) {
            throw in.error(Long.toUnsignedString(tensorCount) + " tensors and "
                    + Long.toUnsignedString(keyValueCount) + " metadata key-values cannot fit in "
                    + "the " + in.remaining() + " bytes left");
        }
        Map<String, Object> metadata = metadata(in, keyValueCount);
        long alignment = alignment(in, metadata);
        List<RawTensor> raw = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            raw.add(tensorInfo(in, i));
        }
        long dataStart = alignUp(in.position(), alignment);
        Map<String, GgufTensor> tensors = layout(in, raw, alignment, dataStart, segment.byteSize());
        return new GgufHeader(version, metadata, tensors, alignment, dataStart);
    }

    private static Map<String, Object> metadata(GgufCursor in, long count) throws IOException {
        Map<String, Object> metadata = new LinkedHashMap<>();
        for (long i = 0; i < count; i++) {
            String key = in.string("metadata key #" + i);
            int type = in.i32("type of key '" + key + "'");
            Object value = GgufValues.read(in, type, key);
            if (metadata.putIfAbsent(key, value) != null) {
                throw in.error("key '" + key + "' appears twice");
            }
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static long alignment(GgufCursor in, Map<String, Object> metadata) throws IOException {
        Object value = metadata.get(ALIGNMENT_KEY);
        if (value == null) {
            return DEFAULT_ALIGNMENT;
        }
        long alignment = value instanceof Long || value instanceof Integer
                ? ((Number) value).longValue() : -1;
        if (alignment <= 0 || Long.bitCount(alignment) != 1 || alignment > Integer.MAX_VALUE) {
            throw in.error("key '" + ALIGNMENT_KEY + "': must be a power-of-two integer, is "
                    + value.getClass().getSimpleName() + " " + value);
        }
        return alignment;
    }

    /** A tensor info as the file states it, before it is checked. */
    private record RawTensor(String name, long[] dims, int type, long offset) {
    }

    private static RawTensor tensorInfo(GgufCursor in, long index) throws IOException {
        String name = in.string("name of tensor #" + index);
        String what = "tensor '" + name + "'";
        int dimCount = in.i32(what);
        if (dimCount < 0 || dimCount > MAX_DIMS) {
            throw in.error(what + ": " + Integer.toUnsignedString(dimCount)
                    + " dimensions, more than " + MAX_DIMS);
        }
        long[] dims = new long[dimCount];
        for (int d = 0; d < dimCount; d++) {
            dims[d] = in.i64(what);
        }
        return new RawTensor(name, dims, in.i32(what), in.i64(what));
    }

    private static Map<String, GgufTensor> layout(GgufCursor in, List<RawTensor> raw,
            long alignment, long dataStart, long fileSize) throws IOException {
        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (RawTensor t : raw) {
            GgufTensor tensor = check(in, t, alignment, dataStart, fileSize);
            if (tensors.putIfAbsent(t.name(), tensor) != null) {
                throw in.error("tensor '" + t.name() + "' appears twice");
            }
        }
        List<GgufTensor> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(GgufTensor::offset)
                .thenComparingLong(GgufTensor::byteSize));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensor previous = byOffset.get(i - 1);
            GgufTensor next = byOffset.get(i);
            if (next.offset() < previous.offset() + previous.byteSize()) {
                throw in.error("tensor '" + next.info().name() + "' at data offset "
                        + (next.offset() - dataStart) + " overlaps tensor '"
                        + previous.info().name() + "' at " + (previous.offset() - dataStart)
                        + " (" + previous.byteSize() + " bytes)");
            }
        }
        return Collections.unmodifiableMap(tensors);
    }

    /** Checks a tensor's type, dimensions and place in the data section. */
    private static GgufTensor check(GgufCursor in, RawTensor t, long alignment, long dataStart,
            long fileSize) throws IOException {
        String what = "tensor '" + t.name() + "'";
        GgmlType type = GgmlType.byId(t.type());
        if (type == null) {
            throw in.error(what + ": ggml type " + Integer.toUnsignedString(t.type())
                    + " is not supported");
        }
        // GGUF lists dimensions innermost first; Shape lists them outermost first.
        int[] dims = new int[t.dims().length];
        long numel = 1;
        for (int d = 0; d < dims.length; d++) {
            long size = t.dims()[d];
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw in.error(what + ": dimension " + Long.toUnsignedString(size)
                        + " is larger than " + Integer.MAX_VALUE);
            }
            dims[dims.length - 1 - d] = (int) size;
            numel = multiply(in, what, numel, size);
        }
        long rowLength = t.dims().length == 0 ? 1 : t.dims()[0];
        if (rowLength % type.blockSize != 0) {
            throw in.error(what + ": row length " + rowLength + " is not a multiple of the "
                    + type + " block size " + type.blockSize);
        }
        long byteSize = multiply(in, what, numel / type.blockSize, type.blockBytes);
        long offset = t.offset();
        if (offset < 0 || offset % alignment != 0) {
            throw in.error(what + ": offset " + Long.toUnsignedString(offset)
                    + " is not a multiple of the alignment " + alignment);
        }
        long dataSize = fileSize - dataStart;
        if (dataSize < 0 || offset > dataSize || byteSize > dataSize - offset) {
            throw in.error(what + ": " + byteSize + " bytes at data offset " + offset
                    + " run past the end of the file (data section of " + Math.max(0, dataSize)
                    + " bytes from " + dataStart + "); is the file truncated?");
        }
        Shape shape = Shape.of(dims);
        TensorInfo info = new TensorInfo(t.name(), type.dtype, shape, type.name());
        return new GgufTensor(info, type, dataStart + offset, byteSize);
    }

    private static long multiply(GgufCursor in, String what, long a, long b) throws IOException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw in.error(what + ": too large");
        }
    }

    private static long alignUp(long position, long alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }
}
