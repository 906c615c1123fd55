package dev.kiln.models.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.weights.WeightSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files, built here byte by byte: each must fail with an IOException that says where. */
class SafetensorsMalformedTest {

    private static final String F32_4 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";

    @TempDir
    Path dir;

    private final SafetensorsFormat format = new SafetensorsFormat();

    @Test
    void wellFormedBaseline() throws IOException {
        Path file = write("ok.safetensors", F32_4, new byte[16]);
        try (WeightSource source = format.open(file)) {
            assertEquals(16, source.data("a").byteSize());
        }
    }

    @Test
    void fileShorterThanTheLength() throws IOException {
        Path file = dir.resolve("short.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        fails(file, "too short");
    }

    @Test
    void headerLengthPastTheFile() throws IOException {
        fails(writeRaw("past.safetensors", 1000, "{}".getBytes(StandardCharsets.UTF_8)),
                "past the end of the file");
    }

    @Test
    void hugeHeaderLengthIsRefusedWithoutAllocating() throws IOException {
        fails(writeRaw("max.safetensors", Long.MAX_VALUE, new byte[8]), "past the end");
        fails(writeRaw("neg.safetensors", -1L, new byte[8]), "18446744073709551615");
    }

    @Test
    void headerLengthAboveTheCap() throws IOException {
        // A sparse file big enough to hold the header it announces: only the cap stops it.
        Path file = dir.resolve("cap.safetensors");
        long length = SafetensorsFile.MAX_HEADER_BYTES + 1;
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(Long.BYTES + length);
            raf.write(le(length));
        }
        fails(file, "exceeds the limit");
    }

    @Test
    void badJson() throws IOException {
        fails(write("bad.safetensors", "{\"a\": [", new byte[0]), "not valid JSON");
        fails(write("array.safetensors", "[1, 2]", new byte[0]), "not a JSON object");
        fails(write("trailing.safetensors", "{} {}", new byte[0]), "not valid JSON");
        fails(write("dup.safetensors", "{\"a\":{},\"a\":{}}", new byte[0]), "not valid JSON");
    }

    @Test
    void offsetsPastTheEnd() throws IOException {
        fails(write("past.safetensors", F32_4, new byte[8]), "'a'", "past the end of the data");
    }

    @Test
    void truncatedData() throws IOException {
        Path file = write("truncated.safetensors",
                "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                new byte[12]);
        try (var channel = Files.newByteChannel(file, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 3);
        }
        fails(file, "'b'", "truncated");
    }

    @Test
    void overlappingOffsets() throws IOException {
        fails(write("overlap.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
                new byte[16]), "'a'", "'b'", "overlap");
    }

    @Test
    void shapeAndBytesDisagree() throws IOException {
        fails(write("mismatch.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}", new byte[8]),
                "'a'", "needs 16");
        fails(write("huge.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":"
                + "[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", new byte[8]),
                "'a'", "too large");
        fails(write("negative.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}", new byte[0]),
                "'a'", "shape");
        fails(write("float.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,0]}}", new byte[0]),
                "'a'", "shape");
    }

    @Test
    void malformedOffsets() throws IOException {
        fails(write("one.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]),
                "'a'", "data_offsets");
        fails(write("backwards.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", new byte[4]),
                "'a'", "ascending");
        fails(write("strings.safetensors",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[\"0\",\"4\"]}}",
                new byte[4]), "'a'", "data_offsets");
    }

    @Test
    void unknownDtype() throws IOException {
        fails(write("f64.safetensors",
                "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]),
                "'a'", "unsupported dtype 'F64'");
        fails(write("missing.safetensors",
                "{\"a\":{\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]), "'a'", "dtype");
    }

    @Test
    void metadataMustBeStrings() throws IOException {
        fails(write("meta.safetensors", "{\"__metadata__\":{\"n\":1}}", new byte[0]),
                "__metadata__", "'n'");
    }

    @Test
    void indexPointingToAMissingShard() throws IOException {
        write("model-1.safetensors", F32_4, new byte[16]);
        index("{\"weight_map\":{\"a\":\"model-1.safetensors\",\"b\":\"model-2.safetensors\"}}");
        fails(dir, SafetensorsFormat.INDEX, "'b'", "model-2.safetensors", "does not exist");
    }

    @Test
    void indexNamingATensorItsShardLacks() throws IOException {
        write("model-1.safetensors", F32_4, new byte[16]);
        index("{\"weight_map\":{\"a\":\"model-1.safetensors\",\"z\":\"model-1.safetensors\"}}");
        fails(dir, SafetensorsFormat.INDEX, "'z'", "model-1.safetensors", "missing");
    }

    @Test
    void malformedIndex() throws IOException {
        index("{\"weight_map\": ");
        fails(dir, SafetensorsFormat.INDEX, "not valid JSON");
        index("{\"metadata\":{}}");
        fails(dir, SafetensorsFormat.INDEX, "weight_map");
        index("{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        fails(dir, SafetensorsFormat.INDEX, "'a'", "not a file name");
    }

    @Test
    void brokenShardIsNamed() throws IOException {
        write("model-1.safetensors", "{\"a\": [", new byte[0]);
        index("{\"weight_map\":{\"a\":\"model-1.safetensors\"}}");
        fails(dir, "model-1.safetensors", "not valid JSON");
    }

    /** Opening {@code location} fails, naming the file (its path) and every {@code fragment}. */
    private void fails(Path location, String... fragments) {
        IOException e = assertThrows(IOException.class, () -> format.open(location).close());
        String message = e.getMessage();
        assertTrue(message.contains(location.toString()), () -> "no file in: " + message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "no '" + fragment + "' in: " + message);
        }
    }

    private void index(String json) throws IOException {
        Files.writeString(dir.resolve(SafetensorsFormat.INDEX), json);
    }

    private Path write(String name, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.allocate(8 + json.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(json.length).put(json).put(data);
        Path file = dir.resolve(name);
        Files.write(file, buffer.array());
        return file;
    }

    private Path writeRaw(String name, long headerLength, byte[] rest) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).put(rest).array());
        return file;
    }

    private static byte[] le(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
