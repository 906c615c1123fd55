package dev.kiln.models.chat.jinja;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens exactly as jinja2's lexer does with {@code trim_blocks=True,
 * lstrip_blocks=True}: newlines normalized and one trailing newline dropped, {@code -} stripping
 * all whitespace beside a tag, {@code +} turning lstrip/trim off, the first newline after a block
 * or comment tag removed, and spaces before a block or comment tag removed when only whitespace
 * precedes it on its line. Comments vanish; {@code raw} blocks become data.
 */
final class Lexer {

    private static final Pattern FLOAT = Pattern.compile(
            "(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?[eE][+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile(
            "0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[\\da-fA-F])+|[1-9](_?\\d)*|0(_?0)*");
    private static final Pattern STRING = Pattern.compile(
            "'([^'\\\\]*(?:\\\\.[^'\\\\]*)*)'|\"([^\"\\\\]*(?:\\\\.[^\"\\\\]*)*)\"", Pattern.DOTALL);
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-%}\\s*|%})");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(\\+%}|-%}\\s*|%}\\n?)");
    private static final String[] OPERATORS = {"**", "//", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~",
        "[", "]", "(", ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};

    private final String source;
    private final List<Token> tokens = new ArrayList<>();
    private final SourcePositions positions;
    private int pos;
    private boolean lineStarting = true;

    private Lexer(String source) {
        this.source = source;
        this.positions = new SourcePositions(source);
    }

    /** Newlines as jinja2 sees them: \r\n and \r become \n, and a single trailing newline goes. */
    static String normalize(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    static List<Token> tokenize(String normalizedSource) {
        Lexer lexer = new Lexer(normalizedSource);
        lexer.run();
        return lexer.tokens;
    }

    private TemplateSyntaxException error(String message, int offset) {
        return positions.error(message, offset);
    }

    private void run() {
        while (pos < source.length()) {
            int open = nextTagStart(pos);
            if (open < 0) {
                data(source.substring(pos), pos);
                pos = source.length();
                break;
            }
            String text = source.substring(pos, open);
            char kind = source.charAt(open + 1);
            char sign = open + 2 < source.length() ? source.charAt(open + 2) : 0;
            Matcher raw = kind == '%' ? RAW_BEGIN.matcher(source).region(open, source.length()) : null;
            boolean isRaw = raw != null && raw.lookingAt();
            if (isRaw) {
                sign = raw.group(1).isEmpty() ? 0 : raw.group(1).charAt(0);
            }
            text = stripBefore(text, sign, kind != '{');
            data(text, pos);
            if (isRaw) {
                rawBlock(raw);
            } else if (kind == '#') {
                comment(open);
            } else {
                tag(open, kind == '{' ? Token.Type.VARIABLE_BEGIN : Token.Type.BLOCK_BEGIN);
            }
        }
        tokens.add(new Token(Token.Type.EOF, "", null, source.length()));
    }

    private int nextTagStart(int from) {
        for (int i = source.indexOf('{', from); i >= 0 && i + 1 < source.length(); i = source.indexOf('{', i + 1)) {
            char c = source.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /** The data before a tag after the tag's {@code -} or lstrip_blocks has had its way. */
    private String stripBefore(String text, char sign, boolean lstripApplies) {
        if (sign == '-') {
            return PyStrings.strip(text, null, false, true);
        }
        if (sign != '+' && lstripApplies) {
            int lineStart = text.lastIndexOf('\n') + 1;
            if ((lineStart > 0 || lineStarting) && lineStart < text.length() && isRegexSpace(text.substring(lineStart))) {
                return text.substring(0, lineStart);
            }
        }
        return text;
    }

    /** Python's re {@code \s} in Unicode mode, which is str.isspace. */
    private static boolean isRegexSpace(String s) {
        return s.codePoints().allMatch(PyStrings::isSpace);
    }

    private void data(String text, int offset) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Token.Type.DATA, text, text, offset));
        }
    }

    private void rawBlock(Matcher begin) {
        int bodyStart = begin.end();
        Matcher end = RAW_END.matcher(source);
        if (!end.find(bodyStart)) {
            throw error("Missing end of raw directive", begin.start());
        }
        String body = source.substring(bodyStart, end.start());
        char sign = end.group(1).isEmpty() ? 0 : end.group(1).charAt(0);
        lineStarting = source.charAt(bodyStart - 1) == '\n';
        data(stripBefore(body, sign, true), bodyStart);
        pos = end.end();
        lineStarting = source.charAt(pos - 1) == '\n';
    }

    private void comment(int open) {
        int bodyStart = open + 2;
        if (bodyStart < source.length() && (source.charAt(bodyStart) == '-' || source.charAt(bodyStart) == '+')) {
            bodyStart++;
        }
        int close = source.indexOf("#}", bodyStart);
        if (close < 0) {
            throw error("Missing end of comment tag", open);
        }
        char before = close > bodyStart ? source.charAt(close - 1) : 0;
        int end = close + 2;
        if (before == '-') {
            end = skipWhitespace(end);
        } else if (before != '+') {
            end = skipNewline(end);
        }
        pos = end;
        lineStarting = source.charAt(pos - 1) == '\n';
    }

    private int skipWhitespace(int i) {
        while (i < source.length() && PyStrings.isSpace(source.codePointAt(i))) {
            i += Character.charCount(source.codePointAt(i));
        }
        return i;
    }

    private int skipNewline(int i) {
        return i < source.length() && source.charAt(i) == '\n' ? i + 1 : i;
    }

    private void tag(int open, Token.Type beginType) {
        boolean block = beginType == Token.Type.BLOCK_BEGIN;
        int i = open + 2;
        String begin = source.substring(open, i);
        if (i < source.length() && (source.charAt(i) == '-' || source.charAt(i) == '+')) {
            begin += source.charAt(i);
            i++;
        }
        tokens.add(new Token(beginType, begin, null, open));
        Deque<Character> brackets = new ArrayDeque<>();
        String close = block ? "%}" : "}}";
        while (true) {
            if (i >= source.length()) {
                throw error("unexpected end of template, expected '" + close + "'", open);
            }
            if (brackets.isEmpty()) {
                int end = tagEnd(i, close, block);
                if (end >= 0) {
                    tokens.add(new Token(block ? Token.Type.BLOCK_END : Token.Type.VARIABLE_END, close, null, i));
                    pos = end;
                    lineStarting = source.charAt(end - 1) == '\n';
                    return;
                }
            }
            int cp = source.codePointAt(i);
            if (PyStrings.isSpace(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            i = token(i, brackets);
        }
    }

    /** Where the text after the tag's end starts, or -1 when no end starts at {@code i}. */
    private int tagEnd(int i, String close, boolean block) {
        if (source.startsWith("-" + close, i)) {
            return skipWhitespace(i + 3);
        }
        if (block && source.startsWith("+" + close, i)) {
            return i + 3;
        }
        if (source.startsWith(close, i)) {
            return block ? skipNewline(i + 2) : i + 2;
        }
        return -1;
    }

    private int token(int i, Deque<Character> brackets) {
        char c = source.charAt(i);
        if (Character.isDigit(c) && !(i > 0 && source.charAt(i - 1) == '.')) {
            Matcher f = FLOAT.matcher(source).region(i, source.length());
            if (f.lookingAt()) {
                String text = f.group();
                tokens.add(new Token(Token.Type.FLOAT, text, Double.parseDouble(text.replace("_", "")), i));
                return f.end();
            }
        }
        if (Character.isDigit(c)) {
            Matcher m = INTEGER.matcher(source).region(i, source.length());
            if (m.lookingAt()) {
                String text = m.group().replace("_", "").toLowerCase();
                long value = text.startsWith("0b") ? Long.parseLong(text.substring(2), 2)
                        : text.startsWith("0o") ? Long.parseLong(text.substring(2), 8)
                        : text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Long.parseLong(text);
                tokens.add(new Token(Token.Type.INTEGER, m.group(), value, i));
                return m.end();
            }
        }
        int cp = source.codePointAt(i);
        if (Character.isUnicodeIdentifierStart(cp) || cp == '_') {
            int j = i + Character.charCount(cp);
            while (j < source.length() && Character.isUnicodeIdentifierPart(source.codePointAt(j))
                    && !Character.isIdentifierIgnorable(source.codePointAt(j))) {
                j += Character.charCount(source.codePointAt(j));
            }
            tokens.add(new Token(Token.Type.NAME, source.substring(i, j), null, i));
            return j;
        }
        if (c == '\'' || c == '"') {
            Matcher m = STRING.matcher(source).region(i, source.length());
            if (!m.lookingAt()) {
                throw error("unexpected char " + Py.repr(String.valueOf(c)) + " at " + i, i);
            }
            String body = m.group(1) != null ? m.group(1) : m.group(2);
            tokens.add(new Token(Token.Type.STRING, m.group(), unescape(body, i), i));
            return m.end();
        }
        for (String op : OPERATORS) {
            if (source.startsWith(op, i)) {
                balance(op, brackets, i);
                tokens.add(new Token(Token.Type.OPERATOR, op, null, i));
                return i + op.length();
            }
        }
        throw error("unexpected char " + Py.repr(new String(Character.toChars(cp))) + " at " + i, i);
    }

    private void balance(String op, Deque<Character> brackets, int offset) {
        switch (op) {
            case "{" -> brackets.push('}');
            case "(" -> brackets.push(')');
            case "[" -> brackets.push(']');
            case "}", ")", "]" -> {
                if (brackets.isEmpty()) {
                    throw error("unexpected '" + op + "'", offset);
                }
                char expected = brackets.pop();
                if (expected != op.charAt(0)) {
                    throw error("unexpected '" + op + "', expected '" + expected + "'", offset);
                }
            }
            default -> { }
        }
    }

    /** Python's unicode-escape decoding, which jinja2 applies to string literals. */
    private String unescape(String s, int offset) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case '\n' -> { }
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    String hex = s.substring(i + 1, Math.min(s.length(), i + 1 + digits));
                    if (hex.length() < digits || !hex.chars().allMatch(h -> Character.digit(h, 16) >= 0)) {
                        throw error("truncated \\" + e + " escape in string literal", offset);
                    }
                    out.appendCodePoint(Integer.parseInt(hex, 16));
                    i += digits;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int j = i;
                        while (j < s.length() && j < i + 3 && s.charAt(j) >= '0' && s.charAt(j) <= '7') {
                            j++;
                        }
                        out.appendCodePoint(Integer.parseInt(s.substring(i, j), 8));
                        i = j - 1;
                    } else {
                        out.append('\\').append(e);
                    }
                }
            }
        }
        return out.toString();
    }
}
