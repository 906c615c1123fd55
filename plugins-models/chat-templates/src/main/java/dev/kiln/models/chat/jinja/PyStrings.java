package dev.kiln.models.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Python str methods whose rules differ from Java's (whitespace, title case, split). */
final class PyStrings {

    private PyStrings() {}

    /** str.isspace for one character, as CPython defines it. */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f
                || cp == 0x3000;
    }

    /** str.strip / lstrip / rstrip: {@code chars == null} strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end) {
            int cp = s.codePointAt(start);
            if (!stripped(cp, chars)) {
                break;
            }
            start += Character.charCount(cp);
        }
        while (right && end > start) {
            int cp = s.codePointBefore(end);
            if (!stripped(cp, chars)) {
                break;
            }
            end -= Character.charCount(cp);
        }
        return s.substring(start, end);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(new String(Character.toChars(cp))) >= 0;
    }

    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    return out;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    return out;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) {
                    j += Character.charCount(s.codePointAt(j));
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new JinjaException("ValueError", "empty separator");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, maxsplit);
        }
        if (sep == null) {
            List<Object> out = new ArrayList<>();
            int end = s.length();
            while (true) {
                while (end > 0 && isSpace(s.codePointBefore(end))) {
                    end -= Character.charCount(s.codePointBefore(end));
                }
                if (end <= 0) {
                    break;
                }
                if (out.size() >= maxsplit) {
                    out.add(0, s.substring(0, end));
                    break;
                }
                int start = end;
                while (start > 0 && !isSpace(s.codePointBefore(start))) {
                    start -= Character.charCount(s.codePointBefore(start));
                }
                out.add(0, s.substring(start, end));
                end = start;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new JinjaException("ValueError", "empty separator");
        }
        List<Object> out = new ArrayList<>();
        int to = s.length();
        while (out.size() < maxsplit) {
            int at = s.lastIndexOf(sep, to - sep.length());
            if (at < 0) {
                break;
            }
            out.add(0, s.substring(at + sep.length(), to));
            to = at;
        }
        out.add(0, s.substring(0, to));
        return out;
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** str.title: upper case after an uncased character, lower case after a cased one. */
    static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            String c = new String(Character.toChars(cp));
            out.append(previousCased ? c.toLowerCase(Locale.ROOT) : titleCase(cp));
            previousCased = isCased(cp);
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static String titleCase(int cp) {
        int t = Character.toTitleCase(cp);
        return t != cp ? new String(Character.toChars(t)) : new String(Character.toChars(cp)).toUpperCase(Locale.ROOT);
    }

    /** str.capitalize: the first character in title case, the rest lower case. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        return titleCase(cp) + s.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT);
    }

    static String swapcase(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            String c = new String(Character.toChars(cp));
            out.append(Character.isUpperCase(cp) ? c.toLowerCase(Locale.ROOT)
                    : Character.isLowerCase(cp) ? c.toUpperCase(Locale.ROOT) : c);
        });
        return out.toString();
    }

    /** A code point index into {@code s} from a UTF-16 index. */
    static long codePointIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    /** A UTF-16 index from a Python (code point) index, negative counting from the end, clamped. */
    static int utf16Index(String s, long index) {
        long n = s.codePointCount(0, s.length());
        long i = index < 0 ? Math.max(0, index + n) : Math.min(index, n);
        return s.offsetByCodePoints(0, (int) i);
    }

    static String pad(String s, long width, String fill, String mode) {
        long n = s.codePointCount(0, s.length());
        if (width <= n) {
            return s;
        }
        int total = (int) (width - n);
        return switch (mode) {
            case "ljust" -> s + fill.repeat(total);
            case "rjust" -> fill.repeat(total) + s;
            default -> {
                // CPython's center: the extra character goes left when both the padding and the width are odd.
                int left = total / 2 + (total & (int) width & 1);
                yield fill.repeat(left) + s + fill.repeat(total - left);
            }
        };
    }
}
