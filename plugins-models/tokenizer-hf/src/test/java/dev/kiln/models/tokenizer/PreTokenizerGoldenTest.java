package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.models.tokenizer.Splitting.Split;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The split regexes of GPT-2, Qwen2 and Llama-3 (Oniguruma syntax, translated to
 * java.util.regex), Digits and Metaspace cut text exactly where the Rust crate does. These
 * goldens need no vocabulary, so they run everywhere.
 */
class PreTokenizerGoldenTest {

    @Test
    void piecesMatchTheCrate() throws IOException {
        JsonNode root = TokenizerJson.MAPPER.readTree(Fixtures.resource("goldens/pre-tokenizers.json").toFile());
        List<String> failures = new ArrayList<>();
        int count = 0;
        for (JsonNode c : root.get("cases")) {
            String name = c.get("pre_tokenizer").asText();
            PreTokenizer pre = TokenizerJson.preTokenizer(root.get("pre_tokenizers").get(name));
            String text = c.get("text").asText();
            List<String> expected = new ArrayList<>();
            c.get("pieces").forEach(p -> expected.add(p.asText()));
            List<String> actual = pre.preTokenize(List.of(new Split(text, true))).stream().map(Split::text).toList();
            if (!expected.equals(actual)) {
                failures.add(name + " " + GoldenTest.quote(text) + "\n    expected " + expected + "\n    actual   " + actual);
            }
            count++;
        }
        assertTrue(count > 300, "cases: " + count);
        assertTrue(failures.isEmpty(), failures.size() + " differences:\n" + String.join("\n", failures));
    }
}
