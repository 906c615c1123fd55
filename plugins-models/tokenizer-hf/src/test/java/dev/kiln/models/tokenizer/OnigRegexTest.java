package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Oniguruma patterns behave in Java as they do in the Rust crate. */
class OnigRegexTest {

    private static List<String> matches(String onig, String text) {
        Matcher m = OnigRegex.compile(onig).matcher(text);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    @Test
    void whitespaceIsUnicode() {
        assertEquals(List.of("\u00a0\u3000\u2003"), matches("\\s+", "a\u00a0\u3000\u2003b"));
    }

    @Test
    void caseInsensitiveContractionsFoldLikeOniguruma() {
        assertEquals(List.of("'S", "'ſ", "'LL"), matches("(?i:'s|'t|'re|'ve|'m|'ll|'d)", "IT'S x'ſ WE'LL"));
    }

    @Test
    void dotExcludesOnlyNewlineAndAnchorsAreLines() {
        assertEquals(List.of("a\rb\u2028c"), matches(".+", "a\rb\u2028c\nd").subList(0, 1));
        assertEquals(List.of("x", "y"), matches("^\\w", "x1\ny2"));
    }

    @Test
    void possessiveAndAtomicPassThrough() {
        assertEquals(List.of(), matches("a++a", "aaaa"));
        assertEquals(List.of(), matches("(?>a+)a", "aaaa"));
        assertEquals(List.of("123", "45"), matches("\\p{N}{1,3}+", "12345"));
    }

    @Test
    void onigurumaSpellings() {
        assertEquals(List.of("fF0"), matches("\\h+", "xfF0z"));
        assertEquals(List.of("ab"), matches("[[:alpha:]]+", "ab12"));
        assertEquals(List.of("日本"), matches("\\p{Han}+", "x日本y"));
        assertEquals(List.of("ab"), matches("\\p{Letter}+", "ab12"));
        assertEquals(List.of("a\nb"), matches("(?m:a.b)", "a\nb"));
        assertEquals(List.of("ab"), matches("a(?# a comment )b", "ab"));
        assertTrue(OnigRegex.translate("[^\\s\\p{L}]").equals("[^\\s\\p{L}]"));
    }

    @Test
    void unsupportedConstructsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> OnigRegex.compile("a\\Kb"));
        assertTrue(e.getMessage().contains("\\K"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OnigRegex.compile("\\p{NoSuchProperty}"));
        assertTrue(e.getMessage().contains("NoSuchProperty"), e.getMessage());
    }

    @Test
    void literalPatterns() {
        Pattern p = OnigRegex.literal("a.b");
        assertTrue(p.matcher("xa.by").find());
        assertTrue(!p.matcher("xaxby").find());
    }
}
