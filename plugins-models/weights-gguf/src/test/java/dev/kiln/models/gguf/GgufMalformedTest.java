package dev.kiln.models.gguf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.models.gguf.GgufWriter.Array;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken GGUF files, built here: each must fail with an IOException that says where. */
class GgufMalformedTest {

    private static final int F32 = 0;
    private static final int Q8_0 = 8;
    // Byte offsets in the header: magic, version, tensor count, key-value count, first key.
    private static final int VERSION = 4;
    private static final int TENSOR_COUNT = 8;
    private static final int KV_COUNT = 16;
    private static final int FIRST_KEY = 24;

    @TempDir
    Path dir;

    private final GgufFormat format = new GgufFormat();

    private static GgufWriter valid() {
        return new GgufWriter().kv("general.architecture", GgufValues.STRING, "test")
                .tensor("a", F32, new long[] {4}, new byte[16])
                .tensor("b", F32, new long[] {2, 2}, new byte[16]);
    }

    @Test
    void wellFormedBaseline() throws Exception {
        try (GgufSource source = format.open(valid().write(dir.resolve("ok.gguf")))) {
            assertTrue(source.tensors().containsKey("b"));
        }
    }

    @Test
    void notGguf() throws IOException {
        byte[] bytes = valid().bytes();
        bytes[0] = 'X';
        fails("magic.gguf", bytes, "not a GGUF file");
        fails("empty.gguf", new byte[0], "magic", "truncated");
        fails("short.gguf", Arrays.copyOf(valid().bytes(), 6), "version", "truncated");
    }

    @Test
    void unsupportedVersions() throws IOException {
        fails("v1.gguf", new GgufWriter().version(1).bytes(), "version 1 is not supported");
        fails("v4.gguf", new GgufWriter().version(4).bytes(), "version 4 is not supported");
        fails("be.gguf", new GgufWriter().version(Integer.reverseBytes(3)).bytes(), "big-endian");
    }

    @Test
    void countsTheFileCannotHold() throws IOException {
        fails("tensors.gguf", patch(valid().bytes(), TENSOR_COUNT, Long.MAX_VALUE), "cannot fit");
        fails("kvs.gguf", patch(valid().bytes(), KV_COUNT, -1L), "18446744073709551615",
                "cannot fit");
        fails("kvs2.gguf", patch(valid().bytes(), KV_COUNT, 1_000_000), "cannot fit");
    }

    @Test
    void stringLengthsPastTheEnd() throws IOException {
        fails("key.gguf", patch(valid().bytes(), FIRST_KEY, 1L << 40), "metadata key #0",
                "past the end");
        byte[] bytes = new GgufWriter().kv("k", GgufValues.STRING, "v").bytes();
        int valueLength = FIRST_KEY + 8 + 1 + 4;
        fails("value.gguf", patch(bytes, valueLength, Long.MAX_VALUE), "key 'k'", "past the end");
    }

    @Test
    void arrayCountsPastTheEnd() throws IOException {
        byte[] bytes = new GgufWriter()
                .kv("tokens", GgufValues.ARRAY, new Array(GgufValues.STRING, List.of("a"))).bytes();
        int count = FIRST_KEY + 8 + "tokens".length() + 4 + 4;
        fails("array.gguf", patch(bytes, count, 1L << 50), "key 'tokens'", "cannot fit");
    }

    @Test
    void unknownValueTypes() throws IOException {
        fails("type.gguf", new GgufWriter().kv("k", 13, null).bytes(), "key 'k'",
                "unknown value type 13");
        byte[] bytes = new GgufWriter()
                .kv("k", GgufValues.ARRAY, new Array(GgufValues.UINT8, List.of())).bytes();
        fails("element.gguf", patchInt(bytes, FIRST_KEY + 8 + 1 + 4, 77), "key 'k'",
                "unknown array element type 77");
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        Object value = new Array(GgufValues.UINT8, List.of(1));
        for (int i = 0; i < GgufValues.MAX_DEPTH; i++) {
            value = new Array(GgufValues.ARRAY, List.of(value));
        }
        fails("deep.gguf", new GgufWriter().kv("deep", GgufValues.ARRAY, value).bytes(),
                "key 'deep'", "nested");
    }

    @Test
    void badValues() throws IOException {
        fails("bool.gguf", new GgufWriter().kv("flag", GgufValues.BOOL, 2).bytes(), "key 'flag'",
                "boolean");
        fails("dup.gguf", new GgufWriter().kv("k", GgufValues.INT32, 1)
                .kv("k", GgufValues.INT32, 2).bytes(), "key 'k'", "twice");
    }

    @Test
    void badAlignment() throws IOException {
        fails("48.gguf", new GgufWriter().alignment(48).bytes(), "general.alignment",
                "power-of-two");
        fails("string.gguf", new GgufWriter().kv(GgufHeader.ALIGNMENT_KEY, GgufValues.STRING, "32")
                .bytes(), "general.alignment");
    }

    @Test
    void badTensorInfos() throws IOException {
        fails("dims.gguf", new GgufWriter().tensor("t", F32, new long[] {1, 1, 1, 1, 1}, new byte[4])
                .bytes(), "tensor 't'", "5 dimensions");
        fails("bigdim.gguf", new GgufWriter().tensor("t", F32, new long[] {1L << 31}, new byte[0])
                .bytes(), "tensor 't'", "dimension 2147483648");
        fails("overflow.gguf", new GgufWriter().tensor("t", F32,
                new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, new byte[0])
                .bytes(), "tensor 't'", "too large");
        fails("type.gguf", new GgufWriter().tensor("t", 99, new long[] {1}, new byte[4]).bytes(),
                "tensor 't'", "ggml type 99");
        fails("iq.gguf", new GgufWriter().tensor("t", 16, new long[] {256}, new byte[66]).bytes(),
                "tensor 't'", "ggml type 16");
        fails("row.gguf", new GgufWriter().tensor("t", Q8_0, new long[] {16, 2}, new byte[34])
                .bytes(), "tensor 't'", "not a multiple of the Q8_0 block size 32");
        fails("dup.gguf", new GgufWriter().tensor("t", F32, new long[] {1}, new byte[4])
                .tensor("t", F32, new long[] {1}, new byte[4]).bytes(), "tensor 't'", "twice");
    }

    @Test
    void badOffsets() throws IOException {
        fails("unaligned.gguf", new GgufWriter().tensorAt("t", F32, new long[] {1}, new byte[0], 4)
                .bytes(), "tensor 't'", "not a multiple of the alignment 32");
        fails("past.gguf", new GgufWriter().tensor("a", F32, new long[] {1}, new byte[4])
                .tensorAt("t", F32, new long[] {1}, new byte[0], 1L << 40).bytes(),
                "tensor 't'", "past the end");
        fails("overlap.gguf", new GgufWriter().tensor("a", F32, new long[] {16}, new byte[64])
                .tensorAt("b", F32, new long[] {8}, new byte[0], 32).bytes(),
                "tensor 'b'", "tensor 'a'", "overlaps");
    }

    @Test
    void truncatedData() throws IOException {
        byte[] bytes = valid().bytes();
        fails("truncated.gguf", Arrays.copyOf(bytes, bytes.length - 1), "tensor 'b'", "truncated");
    }

    @Test
    void truncatedMetadataOfARealFile() throws Exception {
        byte[] bytes = Files.readAllBytes(GgufFixtureTest.fixture());
        // 100 kB in is the middle of the 32000 tokenizer tokens.
        fails("cut.gguf", Arrays.copyOf(bytes, 100_000), "key 'tokenizer.ggml.tokens'");
    }

    /** Opening {@code bytes} as a file fails, naming the file and every {@code fragment}. */
    private void fails(String name, byte[] bytes, String... fragments) throws IOException {
        Path file = Files.write(dir.resolve(name), bytes);
        IOException e = assertThrows(IOException.class, () -> format.open(file).close());
        String message = e.getMessage();
        assertTrue(message.startsWith(file + ": "), () -> "no file in: " + message);
        for (String fragment : fragments) {
            assertTrue(message.contains(fragment), () -> "no '" + fragment + "' in: " + message);
        }
    }

    private static byte[] patch(byte[] bytes, int at, long value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at, value);
        return bytes;
    }

    private static byte[] patchInt(byte[] bytes, int at, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return bytes;
    }
}
