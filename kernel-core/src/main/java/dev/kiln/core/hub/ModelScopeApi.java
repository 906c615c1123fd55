package dev.kiln.core.hub;

import dev.kiln.core.json.Json;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ModelScope's API: {@code GET /api/v1/models/{id}/repo/files?Revision=..&Recursive=true}
 * answers {@code {"Code":200,"Success":true,"Data":{"Files":[{"Path","Size","Sha256","Type"}]}}},
 * {@code GET /api/v1/models/{id}/repo?Revision=..&FilePath=..} serves a file. It lists no commit
 * for a branch, so the snapshot is named by the revision.
 */
final class ModelScopeApi implements HubApi {

    private final HubHttp http;
    private final URI endpoint;
    private final String token;

    ModelScopeApi(HubHttp http, URI endpoint, String token) {
        this.http = http;
        this.endpoint = endpoint;
        this.token = token;
    }

    @Override
    public HubSource source() {
        return HubSource.MODEL_SCOPE;
    }

    @Override
    public Map<String, String> credentials() {
        // The SDK authenticates by the m_session_id cookie; the current API also takes a bearer token.
        return token == null ? Map.of()
                : Map.of("Authorization", "Bearer " + token, "Cookie", "m_session_id=" + token);
    }

    @Override
    public RepoSnapshot listFiles(ModelId id) {
        String revision = id.revisionOr(source());
        URI uri = URI.create(endpoint + "/api/v1/models/" + id.repoId() + "/repo/files?Revision="
                + HubApi.encode(revision) + "&Recursive=true");
        HubHttp.Response response = http.get(uri, credentials());
        Map<String, Object> answer = response.ok() || response.body().startsWith("{")
                ? parse(response, uri) : null;
        if (!response.ok() || answer == null || !Boolean.TRUE.equals(answer.get("Success"))) {
            throw error(id, null, response, answer);
        }
        if (!(answer.get("Data") instanceof Map<?, ?> data) || !(data.get("Files") instanceof List<?> entries)) {
            throw new HubException(uri + ": the answer has no Data.Files; is " + endpoint
                    + " a ModelScope endpoint?");
        }
        List<RepoFile> files = new ArrayList<>();
        for (Object entry : entries) {
            if (entry instanceof Map<?, ?> file && file.get("Path") instanceof String path
                    && !"tree".equals(file.get("Type"))) {
                long size = file.get("Size") instanceof Number n ? n.longValue() : -1;
                String sha256 = file.get("Sha256") instanceof String s ? s : null;
                files.add(new RepoFile(path, size, sha256, null));
            }
        }
        return new RepoSnapshot(revision, files);
    }

    @Override
    public URI fileUri(ModelId id, String commit, String path) {
        return URI.create(endpoint + "/api/v1/models/" + id.repoId() + "/repo?Revision="
                + HubApi.encode(commit) + "&FilePath=" + HubApi.encode(path));
    }

    @Override
    public HubException fileError(ModelId id, RepoFile file, HubHttp.Response response) {
        return error(id, file, response, null);
    }

    private static Map<String, Object> parse(HubHttp.Response response, URI uri) {
        try {
            return Json.parseObject(response.body(), uri.toString());
        } catch (IllegalArgumentException e) {
            if (!response.ok()) {
                return null;
            }
            throw new HubException(e.getMessage(), e);
        }
    }

    private HubException error(ModelId id, RepoFile file, HubHttp.Response response, Map<String, Object> answer) {
        String message = answer != null && answer.get("Message") instanceof String m ? m
                : HubApi.excerpt(response.body());
        String detail = " (HTTP " + response.status() + " from " + response.uri()
                + (message.isEmpty() ? "" : ": " + message) + ")";
        String model = "'" + id.repoId() + "'";
        return switch (response.status()) {
            case 401, 403 -> new HubException("access to model " + model + " on ModelScope was denied:"
                    + " it may be private; " + (token == null ? "set MODELSCOPE_API_TOKEN"
                    : "the MODELSCOPE_API_TOKEN that was sent does not grant access") + detail);
            case 404 -> new HubException(file == null
                    ? "no model " + model + " at revision '" + id.revisionOr(source()) + "' on " + endpoint + detail
                    : "model " + model + " has no file '" + file.path() + "'" + detail);
            default -> new HubException(file == null
                    ? "listing model " + model + " on ModelScope failed" + detail
                    : "downloading '" + file.path() + "' of " + model + " failed" + detail);
        };
    }
}
