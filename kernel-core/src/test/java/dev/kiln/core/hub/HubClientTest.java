package dev.kiln.core.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {

    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    private static final ModelId TINY = ModelId.parse("kiln-test/tiny-llama");

    @TempDir
    Path temp;

    private FakeHub hub;
    private Map<String, byte[]> files;
    private byte[] weights;

    @BeforeEach
    void startHub() throws IOException {
        hub = new FakeHub();
        weights = new byte[300_000];
        new Random(7).nextBytes(weights);
        files = new LinkedHashMap<>();
        files.put("config.json", utf8("{\"model_type\":\"llama\",\"vocab_size\":32}"));
        files.put("generation_config.json", utf8("{\"eos_token_id\":2}"));
        files.put("tokenizer.json", utf8("{\"model\":{\"type\":\"BPE\"}}"));
        files.put("tokenizer_config.json", utf8("{\"bos_token\":\"<s>\"}"));
        files.put("README.md", utf8("# tiny"));
        files.put("original/params.json", utf8("{}"));
        files.put("model.safetensors", weights);
        hub.addRepo(TINY.repoId(), COMMIT, files, Set.of("model.safetensors"));
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    private HubSettings settings() {
        return new HubSettings(hub.endpoint(), hub.endpoint(), null, null, temp.resolve("kiln/hub"),
                temp.resolve("hf/hub"), false, Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    private Path download(HubSettings settings) {
        try (HubClient client = new HubClient(settings)) {
            return client.resolve(TINY, HubSource.HUGGING_FACE, FilePatterns.modelDefaults(), DownloadListener.NONE);
        }
    }

    @Test
    void downloadsTheFilesAModelNeedsIntoHuggingFaceLayout() throws IOException {
        Map<String, Long> lastProgress = new ConcurrentHashMap<>();
        Set<String> finished = ConcurrentHashMap.newKeySet();
        DownloadListener listener = new DownloadListener() {
            @Override
            public void progress(String file, long done, long total) {
                lastProgress.merge(file, done, Math::max);
                assertTrue(done <= total, file + ": " + done + " of " + total);
            }

            @Override
            public void finished(String file) {
                finished.add(file);
            }
        };
        Path dir;
        try (HubClient client = new HubClient(settings().withTokens("hf_secret", null))) {
            dir = client.resolve(TINY, HubSource.HUGGING_FACE, FilePatterns.modelDefaults(), listener);
        }

        Path repo = temp.resolve("kiln/hub/models--kiln-test--tiny-llama");
        assertEquals(repo.resolve("snapshots").resolve(COMMIT), dir);
        for (String name : List.of("config.json", "generation_config.json", "tokenizer.json",
                "tokenizer_config.json", "model.safetensors")) {
            assertArrayEquals(files.get(name), Files.readAllBytes(dir.resolve(name)), name);
            assertTrue(Files.isSymbolicLink(dir.resolve(name)), name + " links to its blob");
        }
        assertFalse(Files.exists(dir.resolve("README.md")), "not a file a model needs");
        assertFalse(Files.exists(dir.resolve("original")), "not a file a model needs");
        assertEquals(repo.resolve("blobs").resolve(FakeHub.sha256(weights)),
                dir.resolve("model.safetensors").toRealPath());
        assertEquals(repo.resolve("blobs").resolve(FakeHub.gitBlobId(files.get("config.json"))),
                dir.resolve("config.json").toRealPath());
        assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")));
        assertEquals((long) weights.length, lastProgress.get("model.safetensors"));
        assertTrue(finished.containsAll(List.of("config.json", "model.safetensors")));

        // the hub saw the token; the LFS storage it redirected to did not
        assertTrue(hub.requestsFor("/api/models/").stream().allMatch(s -> "Bearer hf_secret".equals(s.authorization())));
        List<FakeHub.Seen> storage = hub.requestsFor("storage:");
        assertEquals(1, storage.size());
        assertNull(storage.get(0).authorization());
    }

    @Test
    void aCompleteCachedModelNeedsNoNetwork() {
        Path first = download(settings());
        hub.close();
        assertEquals(first, download(settings()));
        assertEquals(first, download(settings().withOffline(true)));
    }

    @Test
    void readsHuggingFaceHubsOwnCache() throws IOException {
        Path repo = temp.resolve("hf/hub/models--kiln-test--cached");
        Path snapshot = repo.resolve("snapshots/feedface");
        Files.createDirectories(snapshot);
        Files.writeString(snapshot.resolve("config.json"), "{}");
        Files.write(snapshot.resolve("model.safetensors"), new byte[8]);
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), "feedface");
        hub.close();
        try (HubClient client = new HubClient(settings())) {
            assertEquals(snapshot, client.resolve("kiln-test/cached"));
            assertEquals(snapshot, client.resolve("kiln-test/cached@feedface"));
        }
    }

    @Test
    void aSnapshotWithoutItsWeightsIsDownloadedAgain() throws IOException {
        Path dir = download(settings());
        Files.delete(dir.resolve("model.safetensors"));
        try (HubClient client = new HubClient(settings())) {
            assertTrue(client.cached(TINY, HubSource.HUGGING_FACE, FilePatterns.modelDefaults()).isEmpty());
        }
        long before = hub.served("model.safetensors");
        assertEquals(dir, download(settings()));
        // the blob is still there: only the link was missing
        assertEquals(before, hub.served("model.safetensors"));
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void offlineWithoutACachedCopySaysSo() {
        HubException e = assertThrows(HubException.class, () -> download(settings().withOffline(true)));
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        assertTrue(hub.seen.isEmpty());
    }

    @Test
    void resumesAnInterruptedDownloadFromWhereItStopped() throws IOException {
        int have = 123_456;
        Path blobs = Files.createDirectories(temp.resolve("kiln/hub/models--kiln-test--tiny-llama/blobs"));
        Files.write(blobs.resolve(FakeHub.sha256(weights) + ".incomplete"), Arrays.copyOf(weights, have));

        Path dir = download(settings());

        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertEquals(weights.length - have, hub.served("model.safetensors"), "only the rest was fetched");
        assertEquals("bytes=" + have + "-", hub.requestsFor("storage:").get(0).range());
        assertFalse(Files.exists(blobs.resolve(FakeHub.sha256(weights) + ".incomplete")));
    }

    @Test
    void startsOverWhenTheServerIgnoresTheRange() throws IOException {
        hub.honourRange = false;
        Path blobs = Files.createDirectories(temp.resolve("kiln/hub/models--kiln-test--tiny-llama/blobs"));
        Files.write(blobs.resolve(FakeHub.sha256(weights) + ".incomplete"), Arrays.copyOf(weights, 1000));

        Path dir = download(settings());

        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertEquals(weights.length, hub.served("model.safetensors"));
    }

    @Test
    void aCorruptDownloadIsDeletedAndNamed() {
        hub.corrupt.add("model.safetensors");
        HubException e = assertThrows(HubException.class, () -> download(settings()));
        assertTrue(e.getMessage().contains("'model.safetensors' is corrupt"), e.getMessage());
        assertTrue(e.getMessage().contains("SHA-256"), e.getMessage());
        Path blobs = temp.resolve("kiln/hub/models--kiln-test--tiny-llama/blobs");
        assertFalse(Files.exists(blobs.resolve(FakeHub.sha256(weights) + ".incomplete")));
        assertFalse(Files.exists(blobs.resolve(FakeHub.sha256(weights))));
        try (HubClient client = new HubClient(settings())) {
            assertTrue(client.cached(TINY, HubSource.HUGGING_FACE, FilePatterns.modelDefaults()).isEmpty());
        }
        hub.corrupt.clear();
        assertTrue(Files.isRegularFile(download(settings()).resolve("model.safetensors")));
    }

    @Test
    void aCorruptGitFileIsCaughtByItsBlobId() {
        hub.corrupt.add("config.json");
        HubException e = assertThrows(HubException.class, () -> download(settings()));
        assertTrue(e.getMessage().contains("'config.json' is corrupt"), e.getMessage());
        assertTrue(e.getMessage().contains("git blob id"), e.getMessage());
    }

    @Test
    void anUnknownModelIsNamed() {
        try (HubClient client = new HubClient(settings())) {
            HubException e = assertThrows(HubException.class, () -> client.resolve("kiln-test/missing"));
            assertTrue(e.getMessage().startsWith("no model 'kiln-test/missing' on " + hub.endpoint()), e.getMessage());
            assertTrue(e.getMessage().contains("HF_TOKEN"), e.getMessage());

            HubException revision = assertThrows(HubException.class, () -> client.resolve("kiln-test/tiny-llama@v9"));
            assertTrue(revision.getMessage().startsWith("model 'kiln-test/tiny-llama' has no revision 'v9'"),
                    revision.getMessage());
        }
    }

    @Test
    void aGatedModelAsksForAToken() {
        hub.gated.put(TINY.repoId(), "hf_granted");
        HubException e = assertThrows(HubException.class, () -> download(settings()));
        assertTrue(e.getMessage().contains("is gated"), e.getMessage());
        assertTrue(e.getMessage().contains("set HF_TOKEN"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());

        HubException wrong = assertThrows(HubException.class, () -> download(settings().withTokens("hf_other", null)));
        assertTrue(wrong.getMessage().contains("the HF_TOKEN that was sent does not grant access"), wrong.getMessage());

        assertTrue(Files.isRegularFile(download(settings().withTokens("hf_granted", null)).resolve("config.json")));
    }

    @Test
    void anUnreachableEndpointIsNamed() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + closedPort);
        HubException e = assertThrows(HubException.class, () -> download(settings().withEndpoints(dead, dead)));
        assertTrue(e.getMessage().startsWith("could not fetch " + dead + "/api/models/kiln-test/tiny-llama/"),
                e.getMessage());
    }

    @Test
    void aStalledDownloadTimesOutInsteadOfHanging() {
        hub.stall.add("model.safetensors");
        HubSettings impatient = settings().withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1));
        HubException e = assertTimeoutPreemptively(Duration.ofSeconds(15),
                () -> assertThrows(HubException.class, () -> download(impatient)));
        assertTrue(e.getMessage().contains("no data for 1 s"), e.getMessage());
        assertTrue(e.getMessage().contains("/kiln-test/tiny-llama/model.safetensors"), e.getMessage());
    }

    @Test
    void allowPatternsChooseTheFiles() {
        try (HubClient client = new HubClient(settings())) {
            Path dir = client.resolve(TINY, HubSource.HUGGING_FACE, FilePatterns.of(List.of("*.json")),
                    DownloadListener.NONE);
            assertEquals(List.of("config.json", "generation_config.json", "original/params.json",
                    "tokenizer.json", "tokenizer_config.json"), SnapshotCheck.files(dir));
            assertEquals(0, hub.served("model.safetensors"));
        }
    }

    @Test
    void aRepositoryWithoutSafetensorsIsExplained() {
        hub.addRepo("kiln-test/gguf-only", COMMIT, Map.of("config.json", utf8("{}"),
                "tiny-Q4_0.gguf", new byte[16]), Set.of("tiny-Q4_0.gguf"));
        try (HubClient client = new HubClient(settings())) {
            HubException e = assertThrows(HubException.class, () -> client.resolve("kiln-test/gguf-only"));
            assertTrue(e.getMessage().contains("tiny-Q4_0.gguf"), e.getMessage());
            assertTrue(e.getMessage().contains("--allow_patterns"), e.getMessage());
            Path dir = client.resolve(ModelId.parse("kiln-test/gguf-only"), HubSource.HUGGING_FACE,
                    FilePatterns.of(List.of("*Q4_0.gguf")), DownloadListener.NONE);
            assertEquals(List.of("tiny-Q4_0.gguf"), SnapshotCheck.files(dir));
        }
    }

    @Test
    void downloadsFromModelScope() throws IOException {
        Path dir;
        try (HubClient client = new HubClient(settings())) {
            dir = client.resolve(TINY, HubSource.MODEL_SCOPE, FilePatterns.modelDefaults(), DownloadListener.NONE);
        }
        Path repo = temp.resolve("kiln/hub/modelscope/models--kiln-test--tiny-llama");
        assertEquals(repo.resolve("snapshots/master"), dir);
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("model.safetensors")));
        assertArrayEquals(files.get("config.json"), Files.readAllBytes(dir.resolve("config.json")));
        assertFalse(Files.exists(dir.resolve("README.md")));
        assertEquals("Revision=master&Recursive=true", hub.requestsFor("/repo/files").get(0).query());
        assertTrue(hub.requestsFor("/api/v1/models/kiln-test/tiny-llama/repo").stream()
                .anyMatch(s -> "Revision=master&FilePath=model.safetensors".equals(s.query())));

        hub.corrupt.add("tokenizer.json");
        Files.delete(dir.resolve("tokenizer.json"));
        Files.delete(repo.resolve("blobs").resolve(FakeHub.sha256(files.get("tokenizer.json"))));
        // still complete: the tokenizer is not required, so no download is attempted
        try (HubClient client = new HubClient(settings())) {
            assertEquals(dir, client.resolve(TINY, HubSource.MODEL_SCOPE, FilePatterns.modelDefaults(),
                    DownloadListener.NONE));
            HubException e = assertThrows(HubException.class, () -> client.download(TINY,
                    HubSource.MODEL_SCOPE, FilePatterns.modelDefaults(), DownloadListener.NONE));
            assertTrue(e.getMessage().contains("'tokenizer.json' is corrupt"), e.getMessage());
        }
    }

    @Test
    void anUnknownModelScopeModelIsNamed() {
        try (HubClient client = new HubClient(settings())) {
            HubException e = assertThrows(HubException.class, () -> client.resolve(
                    ModelId.parse("kiln-test/missing"), HubSource.MODEL_SCOPE, FilePatterns.modelDefaults(),
                    DownloadListener.NONE));
            assertTrue(e.getMessage().startsWith("no model 'kiln-test/missing' at revision 'master' on "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("model not exist"), e.getMessage());
        }
    }

    @Test
    void tellsHubIdsFromPaths() {
        assertTrue(HubClient.isHubId("Qwen/Qwen2.5-0.5B-Instruct"));
        assertTrue(HubClient.isHubId("meta-llama/Llama-3.2-1B@refs/pr/1"));
        assertFalse(HubClient.isHubId("./models/qwen"));
        assertFalse(HubClient.isHubId("/models/qwen"));
        assertFalse(HubClient.isHubId("qwen"));
        assertFalse(HubClient.isHubId("a/b/c"));
        assertFalse(HubClient.isHubId("org/.."));
        // the tests run in the module's directory, where src/main is an org/name-shaped path
        assertTrue(Files.isDirectory(Path.of("src/main")));
        assertFalse(HubClient.isHubId("src/main"));
        assertTrue(HubClient.isHubId("kiln-no-such-org/no-such-model"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
