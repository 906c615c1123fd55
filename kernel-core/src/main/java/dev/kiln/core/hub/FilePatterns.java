package dev.kiln.core.hub;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;

/**
 * Which files of a repository to download: glob patterns as huggingface_hub's
 * {@code allow_patterns} ({@code *} matches within and across '/' as fnmatch does, {@code ?} one
 * character, {@code [abc]} a set).
 */
public final class FilePatterns {

    /** What a model needs to load and chat: configuration, tokenizer, chat template, safetensors weights. */
    public static final List<String> MODEL_DEFAULTS = List.of(
            "config.json",
            "generation_config.json",
            "tokenizer*",
            "vocab.json",
            "vocab.txt",
            "merges.txt",
            "added_tokens.json",
            "special_tokens_map.json",
            "chat_template.jinja",
            "chat_template.json",
            "*.safetensors",
            "*.safetensors.index.json");

    private final List<String> patterns;
    private final List<PathMatcher> matchers;

    private FilePatterns(List<String> patterns) {
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("allow_patterns: no pattern given");
        }
        this.patterns = List.copyOf(patterns);
        this.matchers = this.patterns.stream().map(FilePatterns::matcher).toList();
    }

    /** The files a model needs by default ({@link #MODEL_DEFAULTS}). */
    public static FilePatterns modelDefaults() {
        return new FilePatterns(MODEL_DEFAULTS);
    }

    /** The files matching any of {@code patterns}. */
    public static FilePatterns of(List<String> patterns) {
        return new FilePatterns(patterns);
    }

    public List<String> patterns() {
        return patterns;
    }

    /** Whether {@code path} ('/'-separated, relative to the repository) is wanted. */
    public boolean matches(String path) {
        return matchers.stream().anyMatch(m -> m.matches(Path.of(path)));
    }

    /** Whether {@code pattern} matches {@code path}. */
    static boolean matches(String pattern, String path) {
        return matcher(pattern).matches(Path.of(path));
    }

    private static PathMatcher matcher(String pattern) {
        if (pattern.isBlank()) {
            throw new IllegalArgumentException("allow_patterns: empty pattern");
        }
        // fnmatch's '*' also crosses '/', which is glob's '**'.
        String glob = pattern.replace("**", "*").replace("*", "**");
        try {
            return FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("allow_patterns: bad pattern '" + pattern + "': "
                    + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return String.join(" ", patterns);
    }
}
