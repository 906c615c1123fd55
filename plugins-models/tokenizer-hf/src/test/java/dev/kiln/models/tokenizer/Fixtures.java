package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The fixture tokenizers and their goldens. gpt2, llama-2 and smollm are copied into the test
 * resources, and llama-2-metaspace is built from llama-2; qwen2, llama-3 (4-6 MB each) and
 * phi-3-mini are read from the project's shared fixtures when a checkout has them (system
 * property {@code kiln.shared.fixtures}, or a {@code shared/fixtures} folder above the module),
 * and their tests are skipped otherwise.
 */
final class Fixtures {

    static final List<String> ALL =
            List.of("llama-2", "gpt2", "smollm", "llama-2-metaspace", "qwen2", "llama-3", "phi-3-mini");
    static final List<String> COPIED = List.of("llama-2", "gpt2", "smollm");

    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private Fixtures() {}

    /** A test resource. */
    static Path resource(String path) {
        try {
            var url = Fixtures.class.getResource("/" + path);
            if (url == null) {
                throw new IllegalStateException("no test resource " + path);
            }
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shared fixtures' tokenizers folder, if this checkout has one. */
    static Optional<Path> shared() {
        String property = System.getProperty("kiln.shared.fixtures");
        if (property != null) {
            Path p = Path.of(property).resolve("tokenizers");
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("shared/fixtures/tokenizers");
            if (Files.isDirectory(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The directory to load {@code name} from; skips the test when it is not available. */
    static Path location(String name) {
        if (COPIED.contains(name)) {
            return resource("fixtures/" + name);
        }
        try {
            if (name.equals("llama-2-metaspace")) {
                // llama-2's model in the newer layout the golden script wrote.
                JsonNode llama = TokenizerJson.MAPPER.readTree(resource("fixtures/llama-2/tokenizer.json").toFile());
                return built(name, llama.get("model").get("vocab"), llama.get("model").get("merges"));
            }
            Path dir = shared().map(s -> s.resolve(name)).filter(Files::isDirectory).orElse(null);
            Assumptions.assumeTrue(dir != null, name + ": shared fixtures not found, skipped");
            if (name.equals("llama-3")) {
                // encoder.json + vocab.bpe without configs, in the tokenizer.json the script built.
                var merges = TokenizerJson.MAPPER.createArrayNode();
                for (String line : Files.readAllLines(dir.resolve("vocab.bpe"))) {
                    if (!line.isEmpty() && !line.startsWith("#version")) {
                        merges.add(line);
                    }
                }
                return built(name, TokenizerJson.MAPPER.readTree(dir.resolve("encoder.json").toFile()), merges);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A tokenizer.json the golden script built: its skeleton (a golden file, everything but the
     * vocabulary and merges) with those filled in, in a temporary directory.
     */
    static Path built(String name, JsonNode vocab, JsonNode merges) throws IOException {
        ObjectNode json = (ObjectNode) TokenizerJson.MAPPER.readTree(
                resource("goldens/" + name + ".tokenizer-skeleton.json").toFile());
        ObjectNode model = (ObjectNode) json.get("model");
        model.set("vocab", vocab);
        model.set("merges", merges);
        Path out = Files.createTempDirectory("kiln-" + name);
        out.toFile().deleteOnExit();
        Path file = out.resolve("tokenizer.json");
        TokenizerJson.MAPPER.writeValue(file.toFile(), json);
        file.toFile().deleteOnExit();
        return out;
    }

    static Tokenizer load(String name) {
        Path location = location(name);
        return LOADED.computeIfAbsent(name, n -> {
            try {
                return new HfTokenizerFactory().load(location);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** One text of a golden file and what the reference library gave for it. */
    record Case(String text, int[] ids, int[] idsWithSpecial, String decoded, String decodedSkipSpecial) {}

    static List<Case> goldens(String name) {
        try {
            JsonNode root = TokenizerJson.MAPPER.readTree(resource("goldens/" + name + ".json").toFile());
            List<Case> out = new ArrayList<>();
            for (JsonNode c : root.get("cases")) {
                out.add(new Case(c.get("text").asText(), ints(c.get("ids")), ints(c.get("idsWithSpecial")),
                        c.get("decoded").asText(), c.get("decodedSkipSpecial").asText()));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
