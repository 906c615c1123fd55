package dev.kiln.core.hub;

import dev.kiln.core.json.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face Hub's API, or a mirror's ({@code HF_ENDPOINT}): {@code GET
 * /api/models/{id}/revision/{revision}?blobs=true} lists the files with their sizes and hashes,
 * {@code GET /{id}/resolve/{commit}/{path}} serves one (often by a redirect to LFS storage).
 * Errors carry an {@code X-Error-Code} header (RepoNotFound, RevisionNotFound, EntryNotFound,
 * GatedRepo) that says more than the status.
 */
final class HuggingFaceApi implements HubApi {

    private final HubHttp http;
    private final URI endpoint;
    private final String token;

    HuggingFaceApi(HubHttp http, URI endpoint, String token) {
        this.http = http;
        this.endpoint = endpoint;
        this.token = token;
    }

    @Override
    public HubSource source() {
        return HubSource.HUGGING_FACE;
    }

    @Override
    public Map<String, String> credentials() {
        return token == null ? Map.of() : Map.of("Authorization", "Bearer " + token);
    }

    @Override
    public RepoSnapshot listFiles(ModelId id) {
        String revision = id.revisionOr(source());
        URI uri = URI.create(endpoint + "/api/models/" + id.repoId() + "/revision/"
                + HubApi.encode(revision) + "?blobs=true");
        HubHttp.Response response = http.get(uri, credentials());
        if (!response.ok()) {
            throw error(id, null, response);
        }
        Map<String, Object> info;
        try {
            info = Json.parseObject(response.body(), uri.toString());
        } catch (IllegalArgumentException e) {
            throw new HubException(e.getMessage(), e);
        }
        if (!(info.get("sha") instanceof String commit) || !(info.get("siblings") instanceof List<?> siblings)) {
            throw new HubException(uri + ": the answer has no 'sha' and 'siblings'; is "
                    + endpoint + " a Hugging Face endpoint?");
        }
        List<RepoFile> files = new ArrayList<>();
        for (Object sibling : siblings) {
            if (sibling instanceof Map<?, ?> entry && entry.get("rfilename") instanceof String path) {
                Map<?, ?> lfs = entry.get("lfs") instanceof Map<?, ?> m ? m : null;
                long size = entry.get("size") instanceof Number n ? n.longValue()
                        : lfs != null && lfs.get("size") instanceof Number n ? n.longValue() : -1;
                String sha256 = lfs != null && lfs.get("sha256") instanceof String s ? s : null;
                // blobId is the git blob of the file itself only when it is not in LFS
                String gitBlob = lfs == null && entry.get("blobId") instanceof String s ? s : null;
                files.add(new RepoFile(path, size, sha256, gitBlob));
            }
        }
        return new RepoSnapshot(commit, files);
    }

    @Override
    public URI fileUri(ModelId id, String commit, String path) {
        return URI.create(endpoint + "/" + id.repoId() + "/resolve/" + HubApi.encode(commit) + "/"
                + HubApi.encodePath(path));
    }

    @Override
    public HubException fileError(ModelId id, RepoFile file, HubHttp.Response response) {
        return error(id, file, response);
    }

    private HubException error(ModelId id, RepoFile file, HubHttp.Response response) {
        String code = response.header("X-Error-Code");
        String serverSays = response.header("X-Error-Message");
        String detail = " (HTTP " + response.status() + " from " + response.uri()
                + (serverSays != null ? ": " + serverSays : "") + ")";
        String model = "'" + id.repoId() + "'";
        String tokenHint = token == null
                ? "set HF_TOKEN to a token of an account with access"
                : "the HF_TOKEN that was sent does not grant access";
        if ("GatedRepo".equals(code)) {
            return new HubException("model " + model + " is gated: accept its conditions on "
                    + endpoint + "/" + id.repoId() + ", then " + tokenHint + detail);
        }
        if ("RepoNotFound".equals(code)) {
            return new HubException("no model " + model + " on " + endpoint
                    + " (if it is private or gated, " + tokenHint + ")" + detail);
        }
        if ("RevisionNotFound".equals(code)) {
            return new HubException("model " + model + " has no revision '"
                    + id.revisionOr(source()) + "'" + detail);
        }
        if ("EntryNotFound".equals(code) && file != null) {
            return new HubException("model " + model + " has no file '" + file.path() + "'" + detail);
        }
        return switch (response.status()) {
            case 401, 403 -> new HubException("access to model " + model + " was denied: it may be"
                    + " gated or private; " + tokenHint + detail);
            case 404 -> new HubException(file == null
                    ? "no model " + model + " at revision '" + id.revisionOr(source()) + "' on " + endpoint + detail
                    : "model " + model + " has no file '" + file.path() + "'" + detail);
            case 429 -> new HubException("the hub is rate limiting requests; wait and try again" + detail);
            default -> new HubException((file == null ? "listing model " + model : "downloading '"
                    + file.path() + "' of " + model) + " failed" + detail + ": "
                    + HubApi.excerpt(response.body()));
        };
    }
}
