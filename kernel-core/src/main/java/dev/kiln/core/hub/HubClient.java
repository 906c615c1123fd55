package dev.kiln.core.hub;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns a model id ({@code org/name[@revision]}) into a local directory holding the model's
 * files, as ms-swift's {@code --model}: from a cache when a complete copy is there (Kiln's own,
 * then huggingface_hub's), else downloaded from Hugging Face (or {@code HF_ENDPOINT}) or
 * ModelScope into Kiln's cache. Downloads resume where an interrupted one stopped and are
 * verified against the sizes and hashes the hub lists.
 *
 * <pre>{@code
 * try (HubClient hub = HubClient.fromEnvironment()) {
 *     Path dir = HubClient.isHubId(arg) ? hub.resolve(arg) : Path.of(arg);
 * }
 * }</pre>
 */
public final class HubClient implements AutoCloseable {

    private final HubSettings settings;
    private final HubHttp http;

    public HubClient(HubSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.http = new HubHttp(settings.connectTimeout(), settings.readTimeout());
    }

    /** A client configured by {@code HF_ENDPOINT}, {@code HF_TOKEN}, {@code HF_HOME}, {@code KILN_HOME}, ... */
    public static HubClient fromEnvironment() {
        return new HubClient(HubSettings.fromEnvironment());
    }

    public HubSettings settings() {
        return settings;
    }

    /**
     * Whether {@code model} names a hub model ({@code org/name}, optionally {@code @revision})
     * rather than a local directory: it has that form and no such path exists.
     */
    public static boolean isHubId(String model) {
        if (ModelId.tryParse(model).isEmpty()) {
            return false;
        }
        try {
            return !Files.exists(Path.of(model));
        } catch (InvalidPathException notAPath) {
            return true;
        }
    }

    /** The directory of {@code model} ({@code org/name[@revision]}) from Hugging Face, with the files a model needs. */
    public Path resolve(String model) {
        return resolve(ModelId.parse(model), HubSource.HUGGING_FACE, FilePatterns.modelDefaults(),
                DownloadListener.NONE);
    }

    /**
     * The directory of {@code id}'s snapshot holding the files {@code patterns} select: a
     * cached one, or one downloaded now.
     *
     * @throws HubException when the model cannot be had (the message says why and what to do)
     */
    public Path resolve(ModelId id, HubSource source, FilePatterns patterns, DownloadListener listener) {
        Optional<Path> cached = cached(id, source, patterns);
        if (cached.isPresent()) {
            return cached.get();
        }
        if (settings.offline()) {
            throw new HubException("model " + id + " is not in the cache (looked in "
                    + String.join(" and ", cacheRoots(source).stream().map(Object::toString).toList())
                    + ") and HF_HUB_OFFLINE forbids downloading it");
        }
        return download(id, source, patterns, listener);
    }

    /** The complete cached snapshot of {@code id}, if there is one; never touches the network. */
    public Optional<Path> cached(ModelId id, HubSource source, FilePatterns patterns) {
        String revision = id.revisionOr(source);
        for (Path root : cacheRoots(source)) {
            Optional<Path> snapshot = new HubCache(root).completeSnapshot(id, revision, patterns);
            if (snapshot.isPresent()) {
                return snapshot;
            }
        }
        return Optional.empty();
    }

    /** Downloads what is missing of {@code id} into Kiln's cache, even when a cached copy exists. */
    public Path download(ModelId id, HubSource source, FilePatterns patterns, DownloadListener listener) {
        HubApi api = api(source);
        RepoSnapshot snapshot = api.listFiles(id);
        List<RepoFile> wanted = new ArrayList<>(snapshot.files().stream()
                .filter(f -> patterns.matches(f.path())).toList());
        if (wanted.isEmpty() || (patterns.patterns().equals(FilePatterns.MODEL_DEFAULTS)
                && wanted.stream().noneMatch(f -> f.path().endsWith(".safetensors")))) {
            throw new HubException("model " + id + " has no files matching '" + patterns + "'"
                    + (wanted.isEmpty() ? "" : " with safetensors weights") + "; it has: "
                    + String.join(", ", snapshot.files().stream().map(RepoFile::path).toList())
                    + ". Choose files with --allow_patterns");
        }
        // Weights last: a snapshot that has them has everything else too.
        wanted.sort(Comparator.comparing((RepoFile f) -> f.path().endsWith(".safetensors"))
                .thenComparing(RepoFile::path));
        HubCache cache = new HubCache(kilnCacheRoot(source));
        BlobDownloader downloader = new BlobDownloader(http, listener);
        for (RepoFile file : wanted) {
            Path blob = cache.blob(id, blobName(file, snapshot.commit()));
            downloader.fetch(api, id, snapshot.commit(), file, blob);
            cache.link(id, snapshot.commit(), file.path(), blob);
        }
        cache.writeRef(id, id.revisionOr(source), snapshot.commit());
        return cache.snapshotDir(id, snapshot.commit());
    }

    /** Where Kiln caches downloads from {@code source}; ModelScope's apart, as its repositories differ. */
    Path kilnCacheRoot(HubSource source) {
        return source == HubSource.HUGGING_FACE ? settings.kilnHub() : settings.kilnHub().resolve("modelscope");
    }

    private List<Path> cacheRoots(HubSource source) {
        List<Path> roots = new ArrayList<>();
        roots.add(kilnCacheRoot(source));
        if (source == HubSource.HUGGING_FACE && settings.huggingFaceHub() != null) {
            roots.add(settings.huggingFaceHub());
        }
        return roots;
    }

    private HubApi api(HubSource source) {
        return switch (source) {
            case HUGGING_FACE -> new HuggingFaceApi(http, settings.huggingFaceEndpoint(), settings.huggingFaceToken());
            case MODEL_SCOPE -> new ModelScopeApi(http, settings.modelScopeEndpoint(), settings.modelScopeToken());
        };
    }

    /** The content hash the hub listed; a file listed without one is named after its path and commit. */
    private static String blobName(RepoFile file, String commit) {
        if (file.blobName() != null) {
            return file.blobName();
        }
        try {
            byte[] key = (commit + "/" + file.path()).getBytes(StandardCharsets.UTF_8);
            return "unhashed-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
