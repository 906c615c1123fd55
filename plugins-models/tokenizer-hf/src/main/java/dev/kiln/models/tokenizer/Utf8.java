package dev.kiln.models.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 as Rust decodes it: {@code String::from_utf8_lossy} replaces each maximal invalid
 * subpart with one U+FFFD (the Unicode recommendation), and a stream decoder needs to know
 * whether the last bytes are a character still arriving.
 */
final class Utf8 {

    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {}

    static byte[] encode(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The length of the valid sequence starting at {@code i}, or minus the length of the maximal
     * invalid subpart there (at least 1). {@code 0} is never returned for {@code i < end}.
     */
    private static int sequence(byte[] b, int i, int end) {
        int b0 = b[i] & 0xFF;
        if (b0 < 0x80) {
            return 1;
        }
        int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -1;
        }
        int j = i + 1;
        for (int k = 0; k < need; k++, j++) {
            if (j >= end) {
                return -(j - i);
            }
            int c = b[j] & 0xFF;
            int l = k == 0 ? lo : 0x80;
            int h = k == 0 ? hi : 0xBF;
            if (c < l || c > h) {
                return -(j - i);
            }
        }
        return need + 1;
    }

    /** Decodes {@code b[0, end)}, each maximal invalid subpart becoming one U+FFFD. */
    static String decodeLossy(byte[] b, int end) {
        StringBuilder out = new StringBuilder(end);
        int i = 0;
        int validFrom = 0;
        while (i < end) {
            int n = sequence(b, i, end);
            if (n > 0) {
                i += n;
            } else {
                if (validFrom < i) {
                    out.append(new String(b, validFrom, i - validFrom, StandardCharsets.UTF_8));
                }
                out.append(REPLACEMENT);
                i += -n;
                validFrom = i;
            }
        }
        if (validFrom < end) {
            out.append(new String(b, validFrom, end - validFrom, StandardCharsets.UTF_8));
        }
        return out.toString();
    }

    /** Whether {@code b[0, end)} is valid UTF-8. */
    static boolean isValid(byte[] b, int end) {
        for (int i = 0; i < end; ) {
            int n = sequence(b, i, end);
            if (n < 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    /**
     * The number of bytes at the end of {@code b[0, end)} that begin a character not complete
     * yet: a valid prefix of a multi-byte sequence cut by the end. 0 when the bytes end on a
     * character boundary or in bytes that can never become valid.
     */
    static int incompleteTail(byte[] b, int end) {
        for (int back = 1; back <= 3 && back <= end; back++) {
            int i = end - back;
            int b0 = b[i] & 0xFF;
            if (b0 >= 0x80 && b0 < 0xC0) {
                continue; // a continuation byte: the lead is further back
            }
            int n = sequence(b, i, end);
            // A prefix cut by the end reads as invalid up to the end; anything else is not
            // waiting for more bytes.
            return n == -back && b0 >= 0xC2 && b0 <= 0xF4 ? back : 0;
        }
        return 0;
    }
}
