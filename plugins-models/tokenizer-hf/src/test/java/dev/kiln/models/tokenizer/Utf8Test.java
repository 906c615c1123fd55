package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Lossy decoding with one U+FFFD per maximal invalid subpart, as Rust's from_utf8_lossy. */
class Utf8Test {

    private static String lossy(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8.decodeLossy(b, b.length);
    }

    private static int tail(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Utf8.incompleteTail(b, b.length);
    }

    @Test
    void maximalSubparts() {
        assertEquals("aé", lossy('a', 0xC3, 0xA9));
        assertEquals("\uFFFDA", lossy(0xE6, 0x97, 'A'));        // a cut 3-byte sequence: one
        assertEquals("\uFFFD\uFFFD", lossy(0x97, 0xA5));       // stray continuations: one each
        assertEquals("\uFFFD\uFFFD", lossy(0xE0, 0x80));       // E0 needs A0..BF next
        assertEquals("\uFFFD\uFFFD", lossy(0xED, 0xA0));       // no surrogates
        assertEquals("\uFFFD", lossy(0xF0, 0x9F, 0x98));       // a cut 4-byte sequence
        assertEquals("\uFFFD\uFFFD", lossy(0xC0, 0xAF));       // overlong
        assertEquals("\uFFFD", lossy(0xF5));
        assertEquals("😀", lossy(0xF0, 0x9F, 0x98, 0x80));
    }

    @Test
    void incompleteTails() {
        assertEquals(0, tail('a'));
        assertEquals(1, tail('a', 0xE6));
        assertEquals(2, tail(0xE6, 0x97));
        assertEquals(3, tail(0xF0, 0x9F, 0x98));
        assertEquals(0, tail(0xF0, 0x9F, 0x98, 0x80));
        assertEquals(0, tail(0x97));                            // never completes
        assertEquals(0, tail(0xE0, 0x80));
        assertEquals(0, tail(0xF5));
        assertEquals(0, tail(0xC1));
    }
}
