package dev.kiln.datasets.builtin;

import dev.kiln.api.data.DatasetSource;
import dev.kiln.api.data.DatasetSpec;
import dev.kiln.api.data.Row;
import dev.kiln.api.data.RowReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.osgi.service.component.annotations.Component;

/**
 * Datasets shipped inside this bundle, named {@code builtin:NAME[:SUBSET]}; ms-swift's ids of the
 * same sets are aliases ({@code swift/self-cognition}). Rows are JSON Lines resources.
 *
 * <ul>
 *   <li>{@code self-cognition}: 100 questions about who the model is (50 Chinese, 50 English,
 *       field {@code tag}), answered with {@code {{NAME}}} and {@code {{AUTHOR}}}, which
 *       {@code --model_name} and {@code --model_author} fill in. Subsets {@code zh} and
 *       {@code en} take one language.
 * </ul>
 */
@Component(service = DatasetSource.class)
public final class BuiltinSource implements DatasetSource {

    static final String PREFIX = "builtin:";

    /** Built-in name -> resource. */
    private static final Map<String, String> DATASETS = Map.of("self-cognition", "self-cognition.jsonl");
    /** ms-swift's ids -> built-in name. */
    private static final Map<String, String> ALIASES = Map.of("swift/self-cognition", "self-cognition");
    /** Subsets that select rows by their {@code tag}. */
    private static final List<String> TAG_SUBSETS = List.of("zh", "en");

    @Override
    public String name() {
        return "builtin";
    }

    @Override
    public boolean canOpen(DatasetSpec spec, Path cwd) {
        String source = spec.source();
        return source.startsWith(PREFIX) || ALIASES.containsKey(stripSubset(source)[0]);
    }

    @Override
    public RowReader open(DatasetSpec spec, Path cwd) throws IOException {
        String source = spec.source();
        String[] nameAndSubset = stripSubset(source.startsWith(PREFIX) ? source.substring(PREFIX.length()) : source);
        String name = ALIASES.getOrDefault(nameAndSubset[0], nameAndSubset[0]);
        String subset = nameAndSubset[1];
        String resource = DATASETS.get(name);
        if (resource == null) {
            throw new IOException("dataset '" + spec + "': no built-in dataset '" + name + "' (built-in: "
                    + String.join(", ", DATASETS.keySet()) + ")");
        }
        if (subset != null && !subset.equals("default") && !TAG_SUBSETS.contains(subset)) {
            throw new IOException("dataset '" + spec + "': " + name + " has no subset '" + subset
                    + "' (subsets: default, " + String.join(", ", TAG_SUBSETS) + ")");
        }
        InputStream in = BuiltinSource.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("dataset '" + spec + "': the bundle lacks its resource " + resource);
        }
        String tag = subset == null || subset.equals("default") ? null : subset;
        return new ResourceReader(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)),
                PREFIX + name, tag);
    }

    /** {@code name:subset} -> [name, subset or null]. */
    private static String[] stripSubset(String source) {
        int colon = source.lastIndexOf(':');
        return colon < 0 ? new String[] {source, null}
                : new String[] {source.substring(0, colon), source.substring(colon + 1)};
    }

    /** The rows of a JSON Lines resource, those of one tag when a subset asks for it. */
    private static final class ResourceReader implements RowReader {
        private final BufferedReader reader;
        private final String display;
        private final String tag;
        private long line;

        ResourceReader(BufferedReader reader, String display, String tag) {
            this.reader = reader;
            this.display = display;
            this.tag = tag;
        }

        @Override
        public Optional<Row> next() throws IOException {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                Map<String, Object> fields = JsonLine.parse(text, display + ":" + line);
                if (tag == null || tag.equals(fields.get("tag"))) {
                    return Optional.of(new Row(fields, display + ":" + line));
                }
            }
            return Optional.empty();
        }

        @Override
        public OptionalLong size() {
            return OptionalLong.empty();
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
