package dev.kiln.core.hub;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model on a hub: {@code org/name}, optionally at a revision ({@code org/name@v1.0}, a branch,
 * tag or commit hash).
 *
 * @param revision null for the hub's default branch
 */
public record ModelId(String org, String name, String revision) {

    private static final String PART = "[A-Za-z0-9][A-Za-z0-9_.-]*";
    private static final Pattern ID =
            Pattern.compile("(" + PART + ")/(" + PART + ")(?:@([A-Za-z0-9_./-]+))?");

    public ModelId {
        Objects.requireNonNull(org, "org");
        Objects.requireNonNull(name, "name");
        if (!(org + "/" + name).matches(PART + "/" + PART) || org.contains("..") || name.contains("..")) {
            throw new IllegalArgumentException("not a model id: '" + org + "/" + name + "'");
        }
        if (revision != null && (!revision.matches("[A-Za-z0-9_./-]+") || revision.contains(".."))) {
            throw new IllegalArgumentException("not a revision: '" + revision + "'");
        }
    }

    /** Reads {@code org/name} or {@code org/name@revision}. */
    public static ModelId parse(String text) {
        return tryParse(text).orElseThrow(() -> new IllegalArgumentException(
                "not a model id: '" + text + "' (expected org/name or org/name@revision)"));
    }

    /** The model id {@code text} spells, if it spells one. */
    public static Optional<ModelId> tryParse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = ID.matcher(text);
        if (!m.matches() || text.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(new ModelId(m.group(1), m.group(2), m.group(3)));
    }

    /** {@code org/name}, as the hubs' URLs spell it. */
    public String repoId() {
        return org + "/" + name;
    }

    /** The revision, or {@code source}'s default branch. */
    public String revisionOr(HubSource source) {
        return revision != null ? revision : source.defaultRevision();
    }

    @Override
    public String toString() {
        return revision == null ? repoId() : repoId() + "@" + revision;
    }
}
