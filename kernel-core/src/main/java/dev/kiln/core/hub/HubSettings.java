package dev.kiln.core.hub;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Where a {@link HubClient} downloads from and caches to, as the environment says.
 *
 * @param huggingFaceEndpoint {@code HF_ENDPOINT}, default https://huggingface.co
 * @param modelScopeEndpoint {@code MODELSCOPE_DOMAIN} (a domain, or a URL), default
 *     https://www.modelscope.cn
 * @param huggingFaceToken {@code HF_TOKEN} (or the token {@code huggingface-cli login} saved in
 *     {@code $HF_HOME/token}), or null
 * @param modelScopeToken {@code MODELSCOPE_API_TOKEN}, or null
 * @param kilnHub Kiln's cache, where downloads go: {@code $KILN_HOME/hub}, default
 *     {@code ~/.cache/kiln/hub}
 * @param huggingFaceHub huggingface_hub's cache, read but never written: {@code $HF_HUB_CACHE},
 *     else {@code $HF_HOME/hub}, default {@code ~/.cache/huggingface/hub}
 * @param offline {@code HF_HUB_OFFLINE}: use the caches only, never the network
 * @param connectTimeout how long to wait for a connection
 * @param readTimeout how long to wait for a response, or for more bytes of one, before giving up
 */
public record HubSettings(URI huggingFaceEndpoint, URI modelScopeEndpoint, String huggingFaceToken,
        String modelScopeToken, Path kilnHub, Path huggingFaceHub, boolean offline,
        Duration connectTimeout, Duration readTimeout) {

    public static final URI DEFAULT_HF_ENDPOINT = URI.create("https://huggingface.co");
    public static final URI DEFAULT_MODELSCOPE_ENDPOINT = URI.create("https://www.modelscope.cn");

    public HubSettings {
        huggingFaceEndpoint = withoutTrailingSlash(Objects.requireNonNull(huggingFaceEndpoint));
        modelScopeEndpoint = withoutTrailingSlash(Objects.requireNonNull(modelScopeEndpoint));
        huggingFaceToken = blankToNull(huggingFaceToken);
        modelScopeToken = blankToNull(modelScopeToken);
        Objects.requireNonNull(kilnHub, "kilnHub");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
    }

    /** The settings of this process's environment. */
    public static HubSettings fromEnvironment() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /** The settings {@code env} gives, with {@code home} as the user's home directory. */
    public static HubSettings fromEnvironment(Map<String, String> env, Path home) {
        Path cacheHome = env.containsKey("XDG_CACHE_HOME")
                ? Path.of(env.get("XDG_CACHE_HOME")) : home.resolve(".cache");
        Path hfHome = env.containsKey("HF_HOME") ? Path.of(env.get("HF_HOME")) : cacheHome.resolve("huggingface");
        Path hfHub = env.containsKey("HF_HUB_CACHE") ? Path.of(env.get("HF_HUB_CACHE")) : hfHome.resolve("hub");
        Path kilnHome = env.containsKey("KILN_HOME") ? Path.of(env.get("KILN_HOME")) : cacheHome.resolve("kiln");
        String hfToken = env.getOrDefault("HF_TOKEN", env.get("HUGGING_FACE_HUB_TOKEN"));
        if (blankToNull(hfToken) == null) {
            hfToken = savedToken(hfHome.resolve("token"));
        }
        return new HubSettings(
                env.containsKey("HF_ENDPOINT") ? URI.create(env.get("HF_ENDPOINT")) : DEFAULT_HF_ENDPOINT,
                modelScopeEndpoint(env.get("MODELSCOPE_DOMAIN")),
                hfToken,
                env.get("MODELSCOPE_API_TOKEN"),
                kilnHome.resolve("hub"),
                hfHub,
                isTrue(env.get("HF_HUB_OFFLINE")),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60));
    }

    /** These settings with downloads cached under {@code kilnHub}. */
    public HubSettings withKilnHub(Path dir) {
        return new HubSettings(huggingFaceEndpoint, modelScopeEndpoint, huggingFaceToken,
                modelScopeToken, dir, huggingFaceHub, offline, connectTimeout, readTimeout);
    }

    /** These settings reading huggingface_hub's cache from {@code dir} (null: none). */
    public HubSettings withHuggingFaceHub(Path dir) {
        return new HubSettings(huggingFaceEndpoint, modelScopeEndpoint, huggingFaceToken,
                modelScopeToken, kilnHub, dir, offline, connectTimeout, readTimeout);
    }

    /** These settings with other endpoints. */
    public HubSettings withEndpoints(URI huggingFace, URI modelScope) {
        return new HubSettings(huggingFace, modelScope, huggingFaceToken, modelScopeToken,
                kilnHub, huggingFaceHub, offline, connectTimeout, readTimeout);
    }

    /** These settings with other tokens (null for none). */
    public HubSettings withTokens(String huggingFace, String modelScope) {
        return new HubSettings(huggingFaceEndpoint, modelScopeEndpoint, huggingFace, modelScope,
                kilnHub, huggingFaceHub, offline, connectTimeout, readTimeout);
    }

    /** These settings with other timeouts. */
    public HubSettings withTimeouts(Duration connect, Duration read) {
        return new HubSettings(huggingFaceEndpoint, modelScopeEndpoint, huggingFaceToken,
                modelScopeToken, kilnHub, huggingFaceHub, offline, connect, read);
    }

    /** These settings, offline or not. */
    public HubSettings withOffline(boolean value) {
        return new HubSettings(huggingFaceEndpoint, modelScopeEndpoint, huggingFaceToken,
                modelScopeToken, kilnHub, huggingFaceHub, value, connectTimeout, readTimeout);
    }

    private static URI modelScopeEndpoint(String domain) {
        if (blankToNull(domain) == null) {
            return DEFAULT_MODELSCOPE_ENDPOINT;
        }
        // modelscope's MODELSCOPE_DOMAIN is a bare domain it prefixes with https://
        return URI.create(domain.contains("://") ? domain.strip() : "https://" + domain.strip());
    }

    private static String savedToken(Path file) {
        try {
            return Files.isRegularFile(file) ? blankToNull(Files.readString(file).strip()) : null;
        } catch (IOException unreadable) {
            return null;
        }
    }

    private static boolean isTrue(String value) {
        return value != null && switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "yes", "on" -> true;
            default -> false;
        };
    }

    private static URI withoutTrailingSlash(URI uri) {
        String s = uri.toString();
        return s.endsWith("/") ? URI.create(s.substring(0, s.length() - 1)) : uri;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** The token stays out of logs. */
    @Override
    public String toString() {
        return "HubSettings[huggingFaceEndpoint=" + huggingFaceEndpoint + ", modelScopeEndpoint="
                + modelScopeEndpoint + ", huggingFaceToken=" + (huggingFaceToken == null ? "none" : "set")
                + ", modelScopeToken=" + (modelScopeToken == null ? "none" : "set") + ", kilnHub="
                + kilnHub + ", huggingFaceHub=" + huggingFaceHub + ", offline=" + offline + "]";
    }
}
