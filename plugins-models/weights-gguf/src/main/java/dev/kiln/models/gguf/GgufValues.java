package dev.kiln.models.gguf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads one GGUF metadata value of a given type. Values are boxed as: {@code Integer} for
 * (U)INT8, (U)INT16 and INT32; {@code Long} for UINT32, INT64 and UINT64 (a UINT64 of 2^63 or
 * more reads negative: {@link Long#toUnsignedString} shows it); {@code Float}, {@code Double},
 * {@code Boolean}, {@code String}; arrays as unmodifiable {@code List}s, nested arrays included.
 */
final class GgufValues {

    static final int UINT8 = 0;
    static final int INT8 = 1;
    static final int UINT16 = 2;
    static final int INT16 = 3;
    static final int UINT32 = 4;
    static final int INT32 = 5;
    static final int FLOAT32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;
    static final int UINT64 = 10;
    static final int INT64 = 11;
    static final int FLOAT64 = 12;

    /** Arrays of arrays nest this deep at most; real files nest 1 deep, a deep one is corrupt. */
    static final int MAX_DEPTH = 16;

    private GgufValues() {
    }

    /** The value of {@code key}, of GGUF value type {@code type}, at the cursor. */
    static Object read(GgufCursor in, int type, String key) throws IOException {
        return read(in, type, "key '" + key + "'", 0);
    }

    private static Object read(GgufCursor in, int type, String what, int depth)
            throws IOException {
        return switch (type) {
            case UINT8 -> Integer.valueOf(Byte.toUnsignedInt(in.i8(what)));
            case INT8 -> Integer.valueOf(in.i8(what));
            case UINT16 -> Integer.valueOf(Short.toUnsignedInt(in.i16(what)));
            case INT16 -> Integer.valueOf(in.i16(what));
            case UINT32 -> Long.valueOf(Integer.toUnsignedLong(in.i32(what)));
            case INT32 -> Integer.valueOf(in.i32(what));
            case UINT64, INT64 -> Long.valueOf(in.i64(what));
            case FLOAT32 -> Float.valueOf(in.f32(what));
            case FLOAT64 -> Double.valueOf(in.f64(what));
            case BOOL -> bool(in, what);
            case STRING -> in.string(what);
            case ARRAY -> array(in, what, depth);
            default -> throw in.error(what + ": unknown value type " + Integer.toUnsignedString(type));
        };
    }

    private static Boolean bool(GgufCursor in, String what) throws IOException {
        byte b = in.i8(what);
        if (b != 0 && b != 1) {
            throw in.error(what + ": boolean byte " + b + " is neither 0 nor 1");
        }
        return b == 1;
    }

    private static List<Object> array(GgufCursor in, String what, int depth) throws IOException {
        if (depth >= MAX_DEPTH) {
            throw in.error(what + ": arrays nested more than " + MAX_DEPTH + " deep");
        }
        int type = in.i32(what);
        long count = in.i64(what);
        long least = leastBytes(type);
        if (least == 0) {
            throw in.error(what + ": unknown array element type " + Integer.toUnsignedString(type));
        }
        // The count is checked against the bytes left before any list is sized from it.
        if (count < 0 || count > in.remaining() / least || count > Integer.MAX_VALUE - 8) {
            throw in.error(what + ": array of " + Long.toUnsignedString(count)
                    + " elements cannot fit in the " + in.remaining() + " bytes left");
        }
        // Sized by what was read, not by the count: a corrupt count in a big file stays cheap.
        List<Object> list = new ArrayList<>((int) Math.min(count, 1024));
        for (long i = 0; i < count; i++) {
            list.add(read(in, type, what, depth + 1));
        }
        return Collections.unmodifiableList(list);
    }

    /** The fewest bytes a value of {@code type} takes; 0 for an unknown type. */
    private static long leastBytes(int type) {
        return switch (type) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64, STRING -> 8; // a string is at least its length
            case ARRAY -> 12; // element type and count
            default -> 0;
        };
    }
}
