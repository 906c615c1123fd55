package dev.kiln.core.hub;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/** One hub's URL scheme and answers: how to list a repository's files and fetch one. */
interface HubApi {

    HubSource source();

    /** The files of {@code id} at its revision, and the commit that revision is. */
    RepoSnapshot listFiles(ModelId id);

    /** Where to GET {@code path} of {@code id} at {@code commit}. */
    URI fileUri(ModelId id, String commit, String path);

    /** The headers that authenticate to the hub; empty without a token. */
    Map<String, String> credentials();

    /** The error a failed GET of {@code file} means, for the user. */
    HubException fileError(ModelId id, RepoFile file, HubHttp.Response response);

    /** {@code text} as one URL component ('/' encoded too). */
    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A repository path as URL path segments: each encoded, '/' kept. */
    static String encodePath(String path) {
        return Arrays.stream(path.split("/")).map(HubApi::encode).collect(Collectors.joining("/"));
    }

    /** The start of an error body, for messages. */
    static String excerpt(String body) {
        String flat = body == null ? "" : body.strip().replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
