package dev.kiln.core.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hub on localhost laid out as Hugging Face's and ModelScope's URL schemes, serving small fake
 * repositories: the file listing APIs, file downloads honouring {@code Range}, LFS files
 * redirected to a second server (another host:port, as LFS storage is), and knobs to corrupt,
 * stall, gate or ignore ranges.
 */
final class FakeHub implements AutoCloseable {

    /** A repository: its commit and files; the LFS ones are listed with their SHA-256. */
    record Repo(String commit, Map<String, byte[]> files, Set<String> lfs) {}

    /** A request as the server saw it. */
    record Seen(String path, String query, String authorization, String range) {}

    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    /** Body bytes sent per repository file path. */
    final Map<String, AtomicLong> bytesServed = new ConcurrentHashMap<>();
    /** Repositories that need this bearer token (a gated model). */
    final Map<String, String> gated = new ConcurrentHashMap<>();
    /** Files served with one byte flipped. */
    final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    /** Files whose body stops after half and hangs. */
    final Set<String> stall = ConcurrentHashMap.newKeySet();
    volatile boolean honourRange = true;

    private final HttpServer hub;
    private final HttpServer lfsStorage;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-hub");
        t.setDaemon(true);
        return t;
    });

    FakeHub() throws IOException {
        InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        hub = HttpServer.create(loopback, 0);
        lfsStorage = HttpServer.create(loopback, 0);
        hub.createContext("/", this::handleHub);
        lfsStorage.createContext("/", this::handleStorage);
        hub.setExecutor(threads);
        lfsStorage.setExecutor(threads);
        hub.start();
        lfsStorage.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    /** Adds a repository with the given files; those named in {@code lfs} are LFS files. */
    Repo addRepo(String id, String commit, Map<String, byte[]> files, Set<String> lfs) {
        Repo repo = new Repo(commit, new LinkedHashMap<>(files), lfs);
        repos.put(id, repo);
        return repo;
    }

    long served(String path) {
        return bytesServed.getOrDefault(path, new AtomicLong()).get();
    }

    List<Seen> requestsFor(String pathPart) {
        return seen.stream().filter(s -> s.path().contains(pathPart)).toList();
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitBlobId(byte[] data) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(("blob " + data.length + "\0").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha1.digest(data));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- Hugging Face and ModelScope routes --------------------------------------------------

    private static final Pattern HF_INFO = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/([^/]+)");
    private static final Pattern HF_RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern MS_FILES = Pattern.compile("/api/v1/models/([^/]+/[^/]+)/repo/files");
    private static final Pattern MS_FILE = Pattern.compile("/api/v1/models/([^/]+/[^/]+)/repo");

    private void handleHub(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            seen.add(new Seen(path, exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Range")));
            Matcher m;
            if ((m = HF_INFO.matcher(path)).matches()) {
                Repo repo = accessibleRepo(exchange, m.group(1));
                if (repo == null) {
                    return;
                }
                if (!m.group(2).equals("main") && !m.group(2).equals(repo.commit())) {
                    error(exchange, 404, "RevisionNotFound", "Invalid rev id: " + m.group(2));
                    return;
                }
                json(exchange, 200, hfInfo(m.group(1), repo, "true".equals(query.get("blobs"))));
            } else if ((m = HF_RESOLVE.matcher(path)).matches()) {
                Repo repo = accessibleRepo(exchange, m.group(1));
                if (repo == null) {
                    return;
                }
                String file = m.group(3);
                if (!repo.files().containsKey(file)) {
                    error(exchange, 404, "EntryNotFound", file + " does not exist");
                } else if (repo.lfs().contains(file)) {
                    // as the hub does: LFS content comes from storage on another host
                    exchange.getResponseHeaders().add("Location", "http://127.0.0.1:"
                            + lfsStorage.getAddress().getPort() + "/" + m.group(1) + "/" + file + "?signed=1");
                    exchange.sendResponseHeaders(302, -1);
                } else {
                    serveFile(exchange, file, repo.files().get(file));
                }
            } else if ((m = MS_FILES.matcher(path)).matches()) {
                Repo repo = repos.get(m.group(1));
                if (repo == null) {
                    json(exchange, 404, "{\"Code\":10010205001,\"Message\":\"model not exist\",\"Success\":false}");
                    return;
                }
                json(exchange, 200, msFiles(repo));
            } else if ((m = MS_FILE.matcher(path)).matches()) {
                Repo repo = repos.get(m.group(1));
                String file = query.get("FilePath");
                if (repo == null || file == null || !repo.files().containsKey(file)) {
                    json(exchange, 404, "{\"Code\":404,\"Message\":\"file not exist\",\"Success\":false}");
                    return;
                }
                serveFile(exchange, file, repo.files().get(file));
            } else {
                error(exchange, 404, null, "no route " + path);
            }
        }
    }

    private void handleStorage(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            seen.add(new Seen("storage:" + path, exchange.getRequestURI().getRawQuery(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Range")));
            for (Map.Entry<String, Repo> entry : repos.entrySet()) {
                String prefix = "/" + entry.getKey() + "/";
                if (path.startsWith(prefix) && entry.getValue().files().containsKey(path.substring(prefix.length()))) {
                    String file = path.substring(prefix.length());
                    serveFile(exchange, file, entry.getValue().files().get(file));
                    return;
                }
            }
            error(exchange, 404, null, "no object " + path);
        }
    }

    /** The repository, or null after answering as the hub does: 401 RepoNotFound, or GatedRepo. */
    private Repo accessibleRepo(HttpExchange exchange, String id) throws IOException {
        Repo repo = repos.get(id);
        if (repo == null) {
            // the hub does not tell a missing repository from a private one
            error(exchange, 401, "RepoNotFound", "Repository not found");
            return null;
        }
        String token = gated.get(id);
        if (token != null && !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            error(exchange, 401, "GatedRepo", "Access to model " + id + " is restricted.");
            return null;
        }
        return repo;
    }

    private void serveFile(HttpExchange exchange, String file, byte[] content) throws IOException {
        byte[] body = content;
        if (corrupt.contains(file)) {
            body = content.clone();
            body[body.length / 2] ^= 0x5a;
        }
        int start = 0;
        String range = exchange.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : Pattern.compile("bytes=(\\d+)-").matcher(range);
        if (honourRange && m != null && m.matches()) {
            start = Integer.parseInt(m.group(1));
            if (start >= body.length) {
                exchange.getResponseHeaders().add("Content-Range", "bytes */" + body.length);
                exchange.sendResponseHeaders(416, -1);
                return;
            }
            exchange.getResponseHeaders().add("Content-Range",
                    "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
            exchange.sendResponseHeaders(206, body.length - start);
        } else {
            exchange.sendResponseHeaders(200, body.length);
        }
        byte[] rest = Arrays.copyOfRange(body, start, body.length);
        AtomicLong counter = bytesServed.computeIfAbsent(file, f -> new AtomicLong());
        try (OutputStream out = exchange.getResponseBody()) {
            if (stall.contains(file)) {
                out.write(rest, 0, rest.length / 2);
                out.flush();
                counter.addAndGet(rest.length / 2);
                sleepQuietly(30_000);
                return;
            }
            out.write(rest);
            counter.addAndGet(rest.length);
        }
    }

    private static String hfInfo(String id, Repo repo, boolean blobs) {
        List<String> siblings = new ArrayList<>();
        repo.files().forEach((path, data) -> {
            StringBuilder s = new StringBuilder("{\"rfilename\":\"" + path + "\"");
            if (blobs) {
                if (repo.lfs().contains(path)) {
                    s.append(",\"blobId\":\"").append(gitBlobId(("pointer " + path).getBytes(StandardCharsets.UTF_8)))
                            .append("\",\"size\":").append(data.length)
                            .append(",\"lfs\":{\"sha256\":\"").append(sha256(data))
                            .append("\",\"size\":").append(data.length).append(",\"pointerSize\":134}");
                } else {
                    s.append(",\"blobId\":\"").append(gitBlobId(data)).append("\",\"size\":").append(data.length);
                }
            }
            siblings.add(s.append('}').toString());
        });
        return "{\"_id\":\"0123\",\"id\":\"" + id + "\",\"private\":false,\"sha\":\"" + repo.commit()
                + "\",\"siblings\":[" + String.join(",", siblings) + "]}";
    }

    private static String msFiles(Repo repo) {
        List<String> files = new ArrayList<>();
        files.add("{\"Name\":\"sub\",\"Path\":\"sub\",\"Type\":\"tree\",\"Size\":0}");
        repo.files().forEach((path, data) -> files.add("{\"Name\":\"" + path.substring(path.lastIndexOf('/') + 1)
                + "\",\"Path\":\"" + path + "\",\"Type\":\"blob\",\"Size\":" + data.length
                + ",\"Sha256\":\"" + sha256(data) + "\",\"IsLFS\":" + repo.lfs().contains(path) + "}"));
        return "{\"Code\":200,\"Data\":{\"Files\":[" + String.join(",", files)
                + "],\"IsVisual\":0},\"Message\":\"success\",\"RequestId\":\"r\",\"Success\":true}";
    }

    private static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        if (code != null) {
            exchange.getResponseHeaders().add("X-Error-Code", code);
        }
        exchange.getResponseHeaders().add("X-Error-Message", message);
        json(exchange, status, "{\"error\":\"" + message + "\"}");
    }

    private static void json(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> map = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    map.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return map;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        lfsStorage.stop(0);
        threads.shutdownNow();
    }
}
