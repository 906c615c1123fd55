package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.models.tokenizer.Fixtures.Case;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/** Every fixture tokenizer gives exactly the goldens' ids and decoded strings. */
class GoldenTest {

    static final List<String> FIXTURES = Fixtures.ALL;

    @ParameterizedTest
    @FieldSource("FIXTURES")
    void idsAndDecodesMatchTheReference(String name) {
        Tokenizer tokenizer = Fixtures.load(name);
        List<String> failures = new ArrayList<>();
        List<Case> cases = Fixtures.goldens(name);
        for (Case c : cases) {
            int[] ids = tokenizer.encode(c.text(), false);
            int[] withSpecial = tokenizer.encode(c.text(), true);
            if (!Arrays.equals(c.ids(), ids)) {
                failures.add("encode " + quote(c.text()) + "\n    expected " + Arrays.toString(c.ids())
                        + "\n    actual   " + Arrays.toString(ids));
            }
            if (!Arrays.equals(c.idsWithSpecial(), withSpecial)) {
                failures.add("encode with special tokens " + quote(c.text()) + "\n    expected "
                        + Arrays.toString(c.idsWithSpecial()) + "\n    actual   " + Arrays.toString(withSpecial));
            }
            String decoded = tokenizer.decode(c.idsWithSpecial(), false);
            if (!decoded.equals(c.decoded())) {
                failures.add("decode " + quote(c.text()) + "\n    expected " + quote(c.decoded())
                        + "\n    actual   " + quote(decoded));
            }
            String skipped = tokenizer.decode(c.idsWithSpecial(), true);
            if (!skipped.equals(c.decodedSkipSpecial())) {
                failures.add("decode skipping special tokens " + quote(c.text()) + "\n    expected "
                        + quote(c.decodedSkipSpecial()) + "\n    actual   " + quote(skipped));
            }
        }
        assertTrue(failures.isEmpty(), name + ": " + failures.size() + " differences over " + cases.size()
                + " texts:\n" + String.join("\n", failures));
    }

    static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        String shown = s.length() > 120 ? s.substring(0, 120) + "..." : s;
        shown.codePoints().forEach(cp -> {
            if (cp == '\n') {
                out.append("\\n");
            } else if (cp == '\t') {
                out.append("\\t");
            } else if (cp == '\r') {
                out.append("\\r");
            } else if (cp < 0x20) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('"').toString();
    }
}
