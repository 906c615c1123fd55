package dev.kiln.models.gguf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes small GGUF files for tests, from the format description: header, key-values, tensor
 * infos, then the data section at the next multiple of the alignment. Lets a test get the file
 * wrong on purpose (counts, offsets, types).
 */
final class GgufWriter {

    /** An array value: its element type and elements (an element of an array of arrays is one). */
    record Array(int elementType, List<?> items) {
    }

    private record Tensor(String name, int type, long[] dims, byte[] data, Long offset) {
    }

    private final ByteArrayOutputStream keyValues = new ByteArrayOutputStream();
    private final List<Tensor> tensors = new ArrayList<>();
    private int keyValueCount;
    private int version = 3;
    private int alignment = 32;

    GgufWriter version(int version) {
        this.version = version;
        return this;
    }

    /** Lays the data out at {@code alignment} and says so in {@code general.alignment}. */
    GgufWriter alignment(int alignment) {
        this.alignment = alignment;
        return kv(GgufHeader.ALIGNMENT_KEY, GgufValues.UINT32, (long) alignment);
    }

    GgufWriter kv(String key, int type, Object value) {
        keyValues.writeBytes(string(key));
        keyValues.writeBytes(le(4).putInt(type).array());
        keyValues.writeBytes(value(type, value));
        keyValueCount++;
        return this;
    }

    /** A tensor placed after the previous one; {@code dims} innermost first, as GGUF lists them. */
    GgufWriter tensor(String name, int ggmlType, long[] dims, byte[] data) {
        tensors.add(new Tensor(name, ggmlType, dims, data, null));
        return this;
    }

    /** A tensor whose info claims {@code offset}, wherever that is. */
    GgufWriter tensorAt(String name, int ggmlType, long[] dims, byte[] data, long offset) {
        tensors.add(new Tensor(name, ggmlType, dims, data, offset));
        return this;
    }

    byte[] bytes() {
        ByteArrayOutputStream infos = new ByteArrayOutputStream();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Tensor t : tensors) {
            long offset;
            if (t.offset() == null) {
                pad(data, alignment);
                offset = data.size();
                data.writeBytes(t.data());
            } else {
                offset = t.offset();
            }
            infos.writeBytes(string(t.name()));
            infos.writeBytes(le(4).putInt(t.dims().length).array());
            for (long d : t.dims()) {
                infos.writeBytes(le(8).putLong(d).array());
            }
            infos.writeBytes(le(8 + 4).putInt(t.type()).putLong(offset).array());
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        file.writeBytes(le(4 + 8 + 8).putInt(version).putLong(tensors.size())
                .putLong(keyValueCount).array());
        file.writeBytes(keyValues.toByteArray());
        file.writeBytes(infos.toByteArray());
        pad(file, alignment);
        file.writeBytes(data.toByteArray());
        return file.toByteArray();
    }

    Path write(Path file) throws IOException {
        return Files.write(file, bytes());
    }

    private static byte[] value(int type, Object v) {
        return switch (type) {
            case GgufValues.UINT8, GgufValues.INT8, GgufValues.BOOL ->
                    new byte[] {v instanceof Boolean b ? (byte) (b ? 1 : 0) : ((Number) v).byteValue()};
            case GgufValues.UINT16, GgufValues.INT16 ->
                    le(2).putShort(((Number) v).shortValue()).array();
            case GgufValues.UINT32, GgufValues.INT32 -> le(4).putInt(((Number) v).intValue()).array();
            case GgufValues.UINT64, GgufValues.INT64 -> le(8).putLong(((Number) v).longValue()).array();
            case GgufValues.FLOAT32 -> le(4).putFloat(((Number) v).floatValue()).array();
            case GgufValues.FLOAT64 -> le(8).putDouble(((Number) v).doubleValue()).array();
            case GgufValues.STRING -> string((String) v);
            case GgufValues.ARRAY -> {
                Array array = (Array) v;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.writeBytes(le(4 + 8).putInt(array.elementType()).putLong(array.items().size())
                        .array());
                array.items().forEach(item -> out.writeBytes(value(array.elementType(), item)));
                yield out.toByteArray();
            }
            default -> new byte[0]; // an unknown type, for a test that wants one
        };
    }

    static byte[] string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return le(8 + utf8.length).putLong(utf8.length).put(utf8).array();
    }

    private static void pad(ByteArrayOutputStream out, int alignment) {
        out.writeBytes(new byte[(alignment - out.size() % alignment) % alignment]);
    }

    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
