package dev.kiln.models.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads a mapped GGUF file front to back, little-endian. Every read is checked against the end of
 * the file first, so a corrupt length or count fails here instead of reading (or allocating) past
 * it. Each read names what it reads, for the error message.
 */
final class GgufCursor {

    /** The longest string accepted; chat templates, the longest real ones, are kilobytes. */
    static final long MAX_STRING_BYTES = 64L * 1024 * 1024;

    private static final ValueLayout.OfShort I16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final MemorySegment segment;
    private long position;

    GgufCursor(Path file, MemorySegment segment) {
        this.file = file;
        this.segment = segment;
    }

    long position() {
        return position;
    }

    long remaining() {
        return segment.byteSize() - position;
    }

    /** An error about this file: {@code <file>: <message>}. */
    IOException error(String message) {
        return new IOException(file + ": " + message);
    }

    /** Fails unless {@code bytes} more bytes are there to read {@code what}. */
    void require(long bytes, String what) throws IOException {
        if (bytes > remaining()) {
            throw error(what + ": truncated: needs " + bytes + " bytes at offset " + position
                    + ", the file ends at " + segment.byteSize());
        }
    }

    byte i8(String what) throws IOException {
        require(1, what);
        return segment.get(ValueLayout.JAVA_BYTE, position++);
    }

    short i16(String what) throws IOException {
        require(2, what);
        short v = segment.get(I16, position);
        position += 2;
        return v;
    }

    int i32(String what) throws IOException {
        require(4, what);
        int v = segment.get(I32, position);
        position += 4;
        return v;
    }

    long i64(String what) throws IOException {
        require(8, what);
        long v = segment.get(I64, position);
        position += 8;
        return v;
    }

    float f32(String what) throws IOException {
        require(4, what);
        float v = segment.get(F32, position);
        position += 4;
        return v;
    }

    double f64(String what) throws IOException {
        require(8, what);
        double v = segment.get(F64, position);
        position += 8;
        return v;
    }

    /**
     * A GGUF string: a uint64 byte length, then UTF-8 without a terminator. Malformed UTF-8 is
     * replaced rather than refused: some converters write token pieces that split a character.
     */
    String string(String what) throws IOException {
        long length = i64(what);
        if (length < 0 || length > remaining()) {
            throw error(what + ": string length " + Long.toUnsignedString(length)
                    + " runs past the end of the file (" + remaining() + " bytes left)");
        }
        if (length > MAX_STRING_BYTES) {
            throw error(what + ": string length " + length + " exceeds the limit of "
                    + MAX_STRING_BYTES + " bytes");
        }
        byte[] bytes = segment.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        position += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
