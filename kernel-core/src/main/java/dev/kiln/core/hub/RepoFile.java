package dev.kiln.core.hub;

import java.util.HexFormat;
import java.util.Objects;

/**
 * A file of a model repository as the hub lists it.
 *
 * @param path its path in the repository ({@code model-00001-of-00002.safetensors},
 *     {@code original/params.json}), '/'-separated
 * @param size its size in bytes, or -1 when unknown
 * @param sha256 the hex SHA-256 of its content (LFS files; ModelScope gives it for all), or null
 * @param gitBlobId the hex git blob id (SHA-1 of {@code "blob <size>\0" + content}) of a file
 *     kept in git rather than LFS, or null
 */
public record RepoFile(String path, long size, String sha256, String gitBlobId) {

    public RepoFile {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.startsWith("/") || path.contains("\\")
                || ("/" + path + "/").contains("/../") || ("/" + path + "/").contains("/./")
                || path.contains("//")) {
            throw new HubException("the hub listed a file with an unsafe path: '" + path + "'");
        }
        sha256 = hex(sha256, 64, path);
        gitBlobId = hex(gitBlobId, 40, path);
    }

    /** The name its content is stored under in the cache's {@code blobs/}, as huggingface_hub's etag. */
    String blobName() {
        return sha256 != null ? sha256 : gitBlobId;
    }

    private static String hex(String value, int length, String path) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        String lower = value.toLowerCase(java.util.Locale.ROOT);
        if (lower.length() != length || !lower.chars().allMatch(HexFormat::isHexDigit)) {
            throw new HubException("the hub listed '" + path + "' with a malformed hash '" + value + "'");
        }
        return lower;
    }
}
