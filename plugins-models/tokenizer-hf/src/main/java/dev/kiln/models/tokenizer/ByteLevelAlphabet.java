package dev.kiln.models.tokenizer;

/**
 * GPT-2's byte-to-character table ({@code bytes_to_unicode}): printable bytes stand for
 * themselves, the others for the characters from U+0100 on, so that every byte is a visible
 * character of a token string.
 */
final class ByteLevelAlphabet {

    private static final char[] BYTE_CHAR = new char[256];
    private static final int[] CHAR_BYTE = new int[0x200];

    static {
        java.util.Arrays.fill(CHAR_BYTE, -1);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            char c = printable ? (char) b : (char) (256 + n++);
            BYTE_CHAR[b] = c;
            CHAR_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The byte-level string of {@code text}: each UTF-8 byte as its character. */
    static String encode(String text) {
        byte[] bytes = Utf8.encode(text);
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = BYTE_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /** The character that stands for byte {@code b} (0-255). */
    static char charOf(int b) {
        return BYTE_CHAR[b];
    }

    /** The byte a character stands for, or -1 when it stands for none. */
    static int byteOf(char c) {
        return c < CHAR_BYTE.length ? CHAR_BYTE[c] : -1;
    }
}
