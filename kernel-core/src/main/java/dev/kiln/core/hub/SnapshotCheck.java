package dev.kiln.core.hub;

import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Whether a cached snapshot holds a whole model, so it can be used without asking the hub. A
 * download places the weights last and a snapshot only gets files that were verified, so an
 * interrupted download never looks complete.
 */
final class SnapshotCheck {

    private SnapshotCheck() {}

    /**
     * With the default patterns: config.json and the safetensors weights (every shard a
     * {@code *.safetensors.index.json} names). With other patterns: a file for each of them, and
     * every shard of an index among them.
     */
    static boolean isComplete(Path snapshot, FilePatterns patterns) {
        if (!Files.isDirectory(snapshot)) {
            return false;
        }
        List<String> files = files(snapshot);
        List<String> required = patterns.patterns().equals(FilePatterns.MODEL_DEFAULTS)
                ? List.of("config.json", "*.safetensors") : patterns.patterns();
        for (String pattern : required) {
            if (files.stream().noneMatch(f -> FilePatterns.matches(pattern, f))) {
                return false;
            }
        }
        return files.stream().filter(f -> f.endsWith(".safetensors.index.json"))
                .allMatch(index -> shardsPresent(snapshot, index));
    }

    /** The paths of the readable files under {@code dir} ('/'-separated); a dangling link is not one. */
    static List<String> files(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static boolean shardsPresent(Path snapshot, String index) {
        Path file = snapshot.resolve(index);
        try {
            Map<String, Object> json = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8), file.toString());
            if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
                return false;
            }
            Path dir = file.getParent();
            return weightMap.values().stream().allMatch(shard ->
                    shard instanceof String name && Files.isRegularFile(dir.resolve(name)));
        } catch (IOException | IllegalArgumentException unusable) {
            return false;
        }
    }
}
