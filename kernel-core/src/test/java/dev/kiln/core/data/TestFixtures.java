package dev.kiln.core.data;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.RowFormat;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.core.json.Json;
import dev.kiln.datasets.builtin.BuiltinSource;
import dev.kiln.datasets.formats.AlpacaFormat;
import dev.kiln.datasets.formats.KtoFormat;
import dev.kiln.datasets.formats.MessagesFormat;
import dev.kiln.datasets.formats.PreferenceFormat;
import dev.kiln.datasets.formats.QueryResponseFormat;
import dev.kiln.datasets.formats.SharegptFormat;
import dev.kiln.datasets.formats.TextFormat;
import dev.kiln.datasets.local.CsvSource;
import dev.kiln.datasets.local.JsonSource;
import dev.kiln.datasets.local.JsonlSource;
import dev.kiln.datasets.local.ParquetSource;
import dev.kiln.datasets.local.TextSource;
import dev.kiln.models.tokenizer.HfTokenizerFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The real dataset bundles' components (instantiated as DS would), and the real tokenizers:
 * smollm from the repository's tokenizer-hf fixtures (always there), qwen2 and llama-3 from the
 * project's shared fixtures (tests that need them are skipped without them).
 */
final class TestFixtures {

    private static final Map<String, Tokenizer> TOKENIZERS = new ConcurrentHashMap<>();

    private TestFixtures() {}

    static List<DatasetSource> sources() {
        return List.of(new BuiltinSource(), new JsonlSource(), new JsonSource(), new CsvSource(), new TextSource(),
                new ParquetSource());
    }

    static List<RowFormat> formats() {
        return List.of(new MessagesFormat(), new SharegptFormat(), new AlpacaFormat(), new QueryResponseFormat(),
                new TextFormat(), new PreferenceFormat(), new KtoFormat());
    }

    static DatasetLoader loader() {
        return new DatasetLoader(sources(), formats());
    }

    /** The repository's root: the folder holding plugins-models. */
    static Path repository() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("plugins-models/tokenizer-hf"))) {
                return dir;
            }
        }
        throw new IllegalStateException("not inside the Kiln repository");
    }

    static Optional<Path> shared() {
        String property = System.getProperty("kiln.shared.fixtures");
        if (property != null) {
            return Optional.of(Path.of(property)).filter(Files::isDirectory);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("shared/fixtures/tokenizers"))) {
                return Optional.of(dir.resolve("shared/fixtures"));
            }
        }
        return Optional.empty();
    }

    /** smollm, qwen2 or llama-3; skips the test when the shared fixtures are absent. */
    static Tokenizer tokenizer(String name) {
        Path location = location(name);
        return TOKENIZERS.computeIfAbsent(name, n -> {
            try {
                return new HfTokenizerFactory().load(location);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Path location(String name) {
        Path tokenizerHf = repository().resolve("plugins-models/tokenizer-hf/src/test/resources");
        if (name.equals("smollm")) {
            return tokenizerHf.resolve("fixtures/smollm");
        }
        Optional<Path> shared = shared().map(s -> s.resolve("tokenizers/" + name)).filter(Files::isDirectory);
        Assumptions.assumeTrue(shared.isPresent(), name + ": shared fixtures not found, skipped");
        if (!name.equals("llama-3")) {
            return shared.get();
        }
        // encoder.json + vocab.bpe in Llama-3.2's tokenizer.json layout, as tokenizer-hf's goldens build it.
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) Json.parse(Files.readString(
                    tokenizerHf.resolve("goldens/llama-3.tokenizer-skeleton.json")), "skeleton");
            @SuppressWarnings("unchecked")
            Map<String, Object> model = (Map<String, Object>) json.get("model");
            model.put("vocab", Json.parse(Files.readString(shared.get().resolve("encoder.json")), "encoder.json"));
            List<String> merges = new ArrayList<>();
            for (String line : Files.readAllLines(shared.get().resolve("vocab.bpe"))) {
                if (!line.isEmpty() && !line.startsWith("#version")) {
                    merges.add(line);
                }
            }
            model.put("merges", merges);
            Path dir = Files.createTempDirectory("kiln-llama-3");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("tokenizer.json");
            Files.writeString(file, Json.write(json), StandardCharsets.UTF_8);
            file.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource(String path) {
        try {
            return Path.of(TestFixtures.class.getResource("/" + path).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("no test resource " + path, e);
        }
    }
}
