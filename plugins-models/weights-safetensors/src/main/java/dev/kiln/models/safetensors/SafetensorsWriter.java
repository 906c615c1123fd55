package dev.kiln.models.safetensors;

import dev.kiln.api.tensor.DType;
import dev.kiln.api.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes one {@code .safetensors} file byte for byte as the safetensors library (0.8) writes it:
 * tensors laid out by dtype, widest first, then by name; the header in that order after
 * {@code __metadata__}, as compact JSON padded with spaces to a multiple of 8 bytes, so the data
 * section starts aligned. The file is written under a temporary name beside the target, forced
 * to disk, and renamed over it: a crash or a full disk leaves the previous file intact.
 */
final class SafetensorsWriter {

    /** Elements converted per host buffer: bounds the writer's own memory. */
    private static final int CHUNK = 1 << 16;

    /** A tensor's place in the file. */
    private record Entry(String name, Tensor tensor, long begin, long end) {}

    private SafetensorsWriter() {}

    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        List<Entry> entries = layout(file, tensors);
        byte[] header = header(entries, metadata);
        Path directory = file.toAbsolutePath().getParent();
        Path temporary = directory.resolve("." + file.getFileName() + "."
                + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            Files.createDirectories(directory);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(CHUNK * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
                writeFully(channel, buffer.putLong(header.length).flip());
                writeFully(channel, ByteBuffer.wrap(header));
                for (Entry entry : entries) {
                    writeData(channel, entry.tensor(), buffer);
                }
                channel.force(true);
            }
            move(temporary, file);
        } catch (IOException e) {
            deleteQuietly(temporary, e);
            throw new IOException(file + ": cannot write the safetensors file: " + e, e);
        } catch (RuntimeException e) {
            deleteQuietly(temporary, e);
            throw e;
        }
    }

    private static void deleteQuietly(Path temporary, Exception cause) {
        try {
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    /** The tensors in safetensors' order, with their data offsets. */
    private static List<Entry> layout(Path file, Map<String, Tensor> tensors) {
        List<Map.Entry<String, Tensor>> sorted = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> e : sorted) {
            rank(file, e.getKey(), e.getValue().dtype()); // refuses what cannot be stored first
        }
        sorted.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(
                        e -> -rank(file, e.getKey(), e.getValue().dtype()))
                .thenComparing(e -> utf8(e.getKey()), Arrays::compareUnsigned));
        List<Entry> entries = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted) {
            long bytes = e.getValue().shape().numel() * e.getValue().dtype().byteSize();
            entries.add(new Entry(e.getKey(), e.getValue(), offset, offset + bytes));
            offset += bytes;
        }
        return entries;
    }

    /**
     * The dtype's position in safetensors' {@code Dtype} enum, which orders the layout (the
     * library sorts widest first by comparing these); only the dtypes a Tensor can hand over
     * exactly are writable.
     */
    private static int rank(Path file, String name, DType dtype) {
        return switch (dtype) {
            case F16 -> 11;
            case BF16 -> 12;
            case I32 -> 13;
            case F32 -> 15;
            default -> throw new IllegalArgumentException(file + ": tensor '" + name + "' is "
                    + dtype + ", which the safetensors writer cannot store (F32, BF16, F16, I32)");
        };
    }

    private static byte[] header(List<Entry> entries, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            json.append("\"__metadata__\":{");
            // The library writes a hash map in arbitrary order; sorted keys make Kiln's files
            // reproducible.
            String separator = "";
            for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
                json.append(separator);
                string(json, e.getKey()).append(':');
                string(json, e.getValue());
                separator = ",";
            }
            json.append('}');
        }
        for (Entry entry : entries) {
            if (json.length() > 1) {
                json.append(',');
            }
            string(json, entry.name()).append(":{\"dtype\":\"").append(entry.tensor().dtype())
                    .append("\",\"shape\":[");
            int[] dims = entry.tensor().shape().toArray();
            for (int i = 0; i < dims.length; i++) {
                json.append(i == 0 ? "" : ",").append(dims[i]);
            }
            json.append("],\"data_offsets\":[").append(entry.begin()).append(',')
                    .append(entry.end()).append("]}");
        }
        json.append('}');
        byte[] bytes = utf8(json.toString());
        int padded = (bytes.length + 7) / 8 * 8;
        byte[] result = Arrays.copyOf(bytes, padded);
        Arrays.fill(result, bytes.length, padded, (byte) ' ');
        return result;
    }

    /** A JSON string as serde_json writes it: UTF-8 as is, only quotes, backslashes and controls escaped. */
    private static StringBuilder string(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"');
    }

    /** The tensor's elements in its dtype, little-endian, through {@code buffer} in chunks. */
    private static void writeData(FileChannel channel, Tensor tensor, ByteBuffer buffer)
            throws IOException {
        DType dtype = tensor.dtype();
        if (dtype == DType.I32) {
            int[] values = tensor.toIntArray();
            for (int start = 0; start < values.length; start += CHUNK) {
                int end = Math.min(values.length, start + CHUNK);
                buffer.clear();
                for (int i = start; i < end; i++) {
                    buffer.putInt(values[i]);
                }
                writeFully(channel, buffer.flip());
            }
            return;
        }
        // The host copy is F32; a BF16 or F16 tensor's values convert back exactly.
        float[] values = tensor.toFloatArray();
        for (int start = 0; start < values.length; start += CHUNK) {
            int end = Math.min(values.length, start + CHUNK);
            buffer.clear();
            for (int i = start; i < end; i++) {
                switch (dtype) {
                    case F32 -> buffer.putFloat(values[i]);
                    case BF16 -> buffer.putShort(bf16(values[i]));
                    case F16 -> buffer.putShort(Float.floatToFloat16(values[i]));
                    default -> throw new IllegalStateException(dtype.name());
                }
            }
            writeFully(channel, buffer.flip());
        }
    }

    /** F32 to BF16, rounding to nearest even (exact for values that came from BF16). */
    private static short bf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40); // a quiet NaN, never rounded into infinity
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void move(Path temporary, Path file) throws IOException {
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
