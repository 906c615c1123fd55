package dev.kiln.core.train.plot;

import java.util.HashMap;
import java.util.Map;

/**
 * A 5×7 bitmap font (a classic LCD-style face) for plot labels: digits, lowercase letters
 * (uppercase is drawn as lowercase) and {@code . - + : ( ) _ /}; other characters are blank.
 * Each glyph is seven rows of five bits, the leftmost pixel the highest bit.
 */
final class BitmapFont {

    static final int WIDTH = 5;
    static final int HEIGHT = 7;
    /** Horizontal distance from one character to the next: the glyph and one pixel of space. */
    static final int ADVANCE = 6;

    private static final int[] BLANK = new int[HEIGHT];
    private static final Map<Character, int[]> GLYPHS = new HashMap<>();

    static {
        put('0', 0b01110, 0b10001, 0b10011, 0b10101, 0b11001, 0b10001, 0b01110);
        put('1', 0b00100, 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110);
        put('2', 0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111);
        put('3', 0b11111, 0b00010, 0b00100, 0b00010, 0b00001, 0b10001, 0b01110);
        put('4', 0b00010, 0b00110, 0b01010, 0b10010, 0b11111, 0b00010, 0b00010);
        put('5', 0b11111, 0b10000, 0b11110, 0b00001, 0b00001, 0b10001, 0b01110);
        put('6', 0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110);
        put('7', 0b11111, 0b00001, 0b00010, 0b00100, 0b01000, 0b01000, 0b01000);
        put('8', 0b01110, 0b10001, 0b10001, 0b01110, 0b10001, 0b10001, 0b01110);
        put('9', 0b01110, 0b10001, 0b10001, 0b01111, 0b00001, 0b00010, 0b01100);
        put('.', 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b01100, 0b01100);
        put('-', 0b00000, 0b00000, 0b00000, 0b11111, 0b00000, 0b00000, 0b00000);
        put('+', 0b00000, 0b00100, 0b00100, 0b11111, 0b00100, 0b00100, 0b00000);
        put(':', 0b00000, 0b01100, 0b01100, 0b00000, 0b01100, 0b01100, 0b00000);
        put('(', 0b00010, 0b00100, 0b01000, 0b01000, 0b01000, 0b00100, 0b00010);
        put(')', 0b01000, 0b00100, 0b00010, 0b00010, 0b00010, 0b00100, 0b01000);
        put('_', 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b00000, 0b11111);
        put('/', 0b00000, 0b00001, 0b00010, 0b00100, 0b01000, 0b10000, 0b00000);
        put('a', 0b00000, 0b00000, 0b01110, 0b00001, 0b01111, 0b10001, 0b01111);
        put('b', 0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b11110);
        put('c', 0b00000, 0b00000, 0b01110, 0b10000, 0b10000, 0b10001, 0b01110);
        put('d', 0b00001, 0b00001, 0b01101, 0b10011, 0b10001, 0b10001, 0b01111);
        put('e', 0b00000, 0b00000, 0b01110, 0b10001, 0b11111, 0b10000, 0b01110);
        put('f', 0b00110, 0b01001, 0b01000, 0b11100, 0b01000, 0b01000, 0b01000);
        put('g', 0b00000, 0b01111, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110);
        put('h', 0b10000, 0b10000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001);
        put('i', 0b00100, 0b00000, 0b01100, 0b00100, 0b00100, 0b00100, 0b01110);
        put('j', 0b00010, 0b00000, 0b00110, 0b00010, 0b00010, 0b10010, 0b01100);
        put('k', 0b10000, 0b10000, 0b10010, 0b10100, 0b11000, 0b10100, 0b10010);
        put('l', 0b01100, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b01110);
        put('m', 0b00000, 0b00000, 0b11010, 0b10101, 0b10101, 0b10001, 0b10001);
        put('n', 0b00000, 0b00000, 0b10110, 0b11001, 0b10001, 0b10001, 0b10001);
        put('o', 0b00000, 0b00000, 0b01110, 0b10001, 0b10001, 0b10001, 0b01110);
        put('p', 0b00000, 0b00000, 0b11110, 0b10001, 0b11110, 0b10000, 0b10000);
        put('q', 0b00000, 0b00000, 0b01101, 0b10011, 0b01111, 0b00001, 0b00001);
        put('r', 0b00000, 0b00000, 0b10110, 0b11001, 0b10000, 0b10000, 0b10000);
        put('s', 0b00000, 0b00000, 0b01110, 0b10000, 0b01110, 0b00001, 0b11110);
        put('t', 0b01000, 0b01000, 0b11100, 0b01000, 0b01000, 0b01001, 0b00110);
        put('u', 0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b10011, 0b01101);
        put('v', 0b00000, 0b00000, 0b10001, 0b10001, 0b10001, 0b01010, 0b00100);
        put('w', 0b00000, 0b00000, 0b10001, 0b10001, 0b10101, 0b10101, 0b01010);
        put('x', 0b00000, 0b00000, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001);
        put('y', 0b00000, 0b00000, 0b10001, 0b10001, 0b01111, 0b00001, 0b01110);
        put('z', 0b00000, 0b00000, 0b11111, 0b00010, 0b00100, 0b01000, 0b11111);
    }

    private BitmapFont() {}

    private static void put(char c, int... rows) {
        GLYPHS.put(c, rows);
    }

    /** The seven rows of {@code c}. */
    static int[] glyph(char c) {
        return GLYPHS.getOrDefault(Character.toLowerCase(c), BLANK);
    }
}
