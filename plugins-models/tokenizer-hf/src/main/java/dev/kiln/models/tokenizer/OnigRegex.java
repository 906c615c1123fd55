package dev.kiln.models.tokenizer;

import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles the regexes of tokenizer.json, written for the Rust crate's Oniguruma (Ruby syntax),
 * into {@link Pattern}s that match the same text.
 *
 * <p>What differs, and what is done about it:
 *
 * <ul>
 *   <li>{@code \s}, {@code \d}, {@code \w}, {@code \b} are Unicode in Oniguruma and ASCII in Java
 *       by default: compiled with {@link Pattern#UNICODE_CHARACTER_CLASS} ({@code \s} is then
 *       White_Space in both). That flag also makes {@code (?i:...)} fold case by Unicode rules,
 *       so {@code (?i:'s)} matches {@code 'ſ} as Oniguruma does.
 *   <li>{@code .} excludes only {@code \n}, and {@code ^}/{@code $} always match at line
 *       boundaries in Ruby syntax: {@link Pattern#UNIX_LINES} and {@link Pattern#MULTILINE}.
 *   <li>Inline option {@code m} is Ruby's dot-all: written as Java's {@code s}.
 *   <li>{@code \h}/{@code \H} are hex digits in Oniguruma (horizontal space in Java); {@code \v}
 *       is U+000B; POSIX brackets ({@code [[:alpha:]]}) become Unicode properties; property
 *       names Java spells differently (scripts, long category names) are rewritten; {@code (?#...)}
 *       comments are dropped.
 *   <li>{@code \p{L}}, {@code \p{N}}, possessive quantifiers and atomic groups mean the same in
 *       both and are passed through.
 * </ul>
 *
 * Constructs with no Java equivalent ({@code \K}, {@code \g<name>} calls, absent operators) are
 * refused with a message naming them.
 */
final class OnigRegex {

    private static final int FLAGS =
            Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNIX_LINES | Pattern.MULTILINE;

    private static final Set<String> CATEGORIES = Set.of(
            "L", "Lu", "Ll", "Lt", "Lm", "Lo", "LC", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
            "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs",
            "Zl", "Zp", "C", "Cc", "Cf", "Co", "Cs", "Cn");

    private static final Map<String, String> LONG_CATEGORIES = Map.ofEntries(
            Map.entry("letter", "L"), Map.entry("uppercase_letter", "Lu"),
            Map.entry("lowercase_letter", "Ll"), Map.entry("titlecase_letter", "Lt"),
            Map.entry("modifier_letter", "Lm"), Map.entry("other_letter", "Lo"),
            Map.entry("mark", "M"), Map.entry("combining_mark", "M"),
            Map.entry("nonspacing_mark", "Mn"), Map.entry("spacing_mark", "Mc"),
            Map.entry("enclosing_mark", "Me"), Map.entry("number", "N"),
            Map.entry("decimal_number", "Nd"), Map.entry("letter_number", "Nl"),
            Map.entry("other_number", "No"), Map.entry("punctuation", "P"),
            Map.entry("connector_punctuation", "Pc"), Map.entry("dash_punctuation", "Pd"),
            Map.entry("open_punctuation", "Ps"), Map.entry("close_punctuation", "Pe"),
            Map.entry("initial_punctuation", "Pi"), Map.entry("final_punctuation", "Pf"),
            Map.entry("other_punctuation", "Po"), Map.entry("symbol", "S"),
            Map.entry("math_symbol", "Sm"), Map.entry("currency_symbol", "Sc"),
            Map.entry("modifier_symbol", "Sk"), Map.entry("other_symbol", "So"),
            Map.entry("separator", "Z"), Map.entry("space_separator", "Zs"),
            Map.entry("line_separator", "Zl"), Map.entry("paragraph_separator", "Zp"),
            Map.entry("other", "C"), Map.entry("control", "Cc"), Map.entry("format", "Cf"),
            Map.entry("private_use", "Co"), Map.entry("surrogate", "Cs"),
            Map.entry("unassigned", "Cn"));

    private static final Map<String, String> POSIX = Map.ofEntries(
            Map.entry("alpha", "\\p{IsAlphabetic}"), Map.entry("digit", "\\p{Nd}"),
            Map.entry("alnum", "\\p{IsAlphabetic}\\p{Nd}"), Map.entry("upper", "\\p{IsUppercase}"),
            Map.entry("lower", "\\p{IsLowercase}"), Map.entry("space", "\\p{IsWhite_Space}"),
            Map.entry("blank", "\\p{Zs}\\t"), Map.entry("punct", "\\p{P}"),
            Map.entry("cntrl", "\\p{Cc}"), Map.entry("xdigit", "0-9a-fA-F"),
            Map.entry("word", "\\w"), Map.entry("print", "\\P{C}"), Map.entry("graph", "\\p{Graph}"));

    private OnigRegex() {}

    /** Compiles an Oniguruma pattern; the message of the exception names what is unsupported. */
    static Pattern compile(String onig) {
        String java = translate(onig);
        try {
            return Pattern.compile(java, FLAGS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(
                    "regex " + quote(onig) + " does not compile in Java: " + e.getDescription(), e);
        }
    }

    /** Compiles a literal string pattern. */
    static Pattern literal(String text) {
        return Pattern.compile(Pattern.quote(text));
    }

    static String translate(String re) {
        StringBuilder out = new StringBuilder(re.length() + 16);
        int classDepth = 0;
        int n = re.length();
        for (int i = 0; i < n; i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                if (i + 1 >= n) {
                    throw new IllegalArgumentException("regex " + quote(re) + " ends with a backslash");
                }
                char d = re.charAt(++i);
                switch (d) {
                    case 'h' -> out.append(classDepth > 0 ? "0-9a-fA-F" : "[0-9a-fA-F]");
                    case 'H' -> {
                        if (classDepth > 0) {
                            throw unsupported(re, "\\H inside a character class");
                        }
                        out.append("[^0-9a-fA-F]");
                    }
                    case 'v' -> out.append("\\x{0B}");
                    case 'K' -> throw unsupported(re, "\\K");
                    case 'g' -> throw unsupported(re, "\\g subexpression calls");
                    case 'y', 'Y' -> throw unsupported(re, "\\y text segment boundaries");
                    case 'O' -> throw unsupported(re, "\\O");
                    case 'p', 'P' -> i = property(re, i, d == 'P', out);
                    default -> out.append('\\').append(d);
                }
            } else if (c == '[') {
                if (classDepth > 0 && re.startsWith("[:", i)) {
                    int close = re.indexOf(":]", i + 2);
                    if (close > 0) {
                        String name = re.substring(i + 2, close);
                        boolean negated = name.startsWith("^");
                        String cls = POSIX.get(negated ? name.substring(1) : name);
                        if (cls == null) {
                            throw unsupported(re, "POSIX bracket [:" + name + ":]");
                        }
                        out.append(negated ? "[^" + cls + "]" : cls);
                        i = close + 1;
                        continue;
                    }
                }
                classDepth++;
                out.append(c);
                // A ']' right after '[' or '[^' is a literal in Oniguruma.
                if (i + 1 < n && re.charAt(i + 1) == '^') {
                    out.append('^');
                    i++;
                }
                if (i + 1 < n && re.charAt(i + 1) == ']') {
                    out.append("\\]");
                    i++;
                }
            } else if (c == ']' && classDepth > 0) {
                classDepth--;
                out.append(c);
            } else if (c == '(' && classDepth == 0 && re.startsWith("(?", i)) {
                i = group(re, i, out);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Translates the group opening at {@code i} ("(?"); returns the index of its last char. */
    private static int group(String re, int i, StringBuilder out) {
        int j = i + 2;
        if (j >= re.length()) {
            out.append("(?");
            return j - 1;
        }
        char k = re.charAt(j);
        if (k == '#') {
            int close = re.indexOf(')', j);
            if (close < 0) {
                throw new IllegalArgumentException("regex " + quote(re) + ": unclosed comment");
            }
            return close;
        }
        if (k == '~') {
            throw unsupported(re, "absent operator (?~...)");
        }
        if (k == '-' || Character.isLetter(k)) {
            // Options: (?imx-imx) or (?imx-imx:...). Ruby's m is Java's s (dot matches newline).
            out.append("(?");
            int m = j;
            while (m < re.length() && (re.charAt(m) == '-' || Character.isLetter(re.charAt(m)))) {
                char o = re.charAt(m);
                switch (o) {
                    case 'm' -> out.append('s');
                    case 'i', 'x', '-' -> out.append(o);
                    default -> throw unsupported(re, "inline option '" + o + "'");
                }
                m++;
            }
            return m - 1;
        }
        out.append("(?");
        return j - 1;
    }

    /** Translates \p{...} / \P{...} at {@code i} (the 'p'); returns the index of its last char. */
    private static int property(String re, int i, boolean negated, StringBuilder out) {
        String name;
        int end;
        if (i + 1 < re.length() && re.charAt(i + 1) == '{') {
            int close = re.indexOf('}', i + 2);
            if (close < 0) {
                throw new IllegalArgumentException("regex " + quote(re) + ": unclosed \\p{");
            }
            name = re.substring(i + 2, close);
            end = close;
        } else if (i + 1 < re.length()) {
            name = String.valueOf(re.charAt(i + 1));
            end = i + 1;
        } else {
            throw new IllegalArgumentException("regex " + quote(re) + " ends in \\p");
        }
        if (name.startsWith("^")) {
            negated = !negated;
            name = name.substring(1);
        }
        out.append(negated ? "\\P{" : "\\p{").append(javaProperty(re, name)).append('}');
        return end;
    }

    private static String javaProperty(String re, String name) {
        if (CATEGORIES.contains(name)) {
            return name;
        }
        String key = name.toLowerCase(java.util.Locale.ROOT).replace(' ', '_').replace('-', '_');
        String category = LONG_CATEGORIES.get(key);
        if (category != null) {
            return category;
        }
        // Scripts (Han, Latin, ...) and binary properties (Alphabetic, White_Space, ...).
        for (String candidate : new String[] {"Is" + name, name}) {
            try {
                Pattern.compile("\\p{" + candidate + "}");
                return candidate;
            } catch (PatternSyntaxException e) {
                // try the next spelling
            }
        }
        throw unsupported(re, "Unicode property \\p{" + name + "}");
    }

    private static IllegalArgumentException unsupported(String re, String what) {
        return new IllegalArgumentException("regex " + quote(re) + ": " + what + " is not supported");
    }

    private static String quote(String re) {
        return '"' + re + '"';
    }
}
