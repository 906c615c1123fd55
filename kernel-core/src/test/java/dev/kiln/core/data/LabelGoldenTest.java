package dev.kiln.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kiln.api.chat.ChatTemplate;
import dev.kiln.api.chat.Message;
import dev.kiln.api.data.Sample;
import dev.kiln.core.json.Json;
import dev.kiln.models.chat.JinjaChatTemplateEngine;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Token ids and labels against src/test/resources/data/label-goldens.json, which Python jinja2
 * and the Rust tokenizers crate made with transformers' assistant-mask rule
 * (src/test/python/make_label_goldens.py): every conversation through the real chat template
 * engine and tokenizers, with loss on all assistant turns and on the last one; plain text as
 * pretraining encodes it.
 */
class LabelGoldenTest {

    @TestFactory
    @SuppressWarnings("unchecked")
    Stream<DynamicTest> encodingMatchesTheReference() throws Exception {
        Map<String, Object> golden = Json.parseObject(Files.readString(TestFixtures.resource("data/label-goldens.json")),
                "label-goldens.json");
        Map<String, Object> templates = (Map<String, Object>) golden.get("templates");
        List<DynamicTest> tests = new ArrayList<>();
        for (Object c : (List<Object>) golden.get("cases")) {
            Map<String, Object> kase = (Map<String, Object>) c;
            tests.add(DynamicTest.dynamicTest((String) kase.get("name"), () -> check(kase, templates)));
        }
        return tests.stream();
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> kase, Map<String, Object> templates) throws Exception {
        var tokenizer = TestFixtures.tokenizer((String) kase.get("tokenizer"));
        LossScale lossScale = LossScale.parse((String) kase.get("loss_scale"));
        EncodeOptions options = new EncodeOptions(100_000, TruncationStrategy.DELETE, lossScale, Optional.empty(),
                OptionalInt.empty(), Map.of());
        SampleEncoder encoder;
        if (kase.get("mode").equals("plain")) {
            encoder = SampleEncoder.plain(tokenizer, options);
        } else {
            Map<String, Object> template = (Map<String, Object>) templates.get(kase.get("template"));
            ChatTemplate compiled = new JinjaChatTemplateEngine().compile((String) template.get("source"),
                    (Map<String, Object>) template.get("globals"));
            encoder = SampleEncoder.chat(tokenizer, compiled, options);
        }
        List<Message> messages = new ArrayList<>();
        for (Object m : (List<Object>) kase.get("messages")) {
            Map<String, Object> extra = new LinkedHashMap<>((Map<String, Object>) m);
            String role = (String) extra.remove("role");
            String content = (String) extra.remove("content");
            messages.add(Message.of(role, content, extra));
        }
        Sample sample = new Sample(messages, Optional.empty(), Optional.empty(),
                (List<Map<String, Object>>) kase.get("tools"), Map.of(), (String) kase.get("name"));
        EncodedSample encoded = encoder.encode(sample, new EncodeStats()).orElseThrow();
        assertArrayEquals(ints(kase.get("ids")), encoded.inputIds(), "ids");
        assertArrayEquals(ints(kase.get("labels")), encoded.labels(), "labels");
    }

    private static int[] ints(Object list) {
        return ((List<?>) list).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }
}
