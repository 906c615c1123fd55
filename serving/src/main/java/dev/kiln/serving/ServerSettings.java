package dev.kiln.serving;

import java.util.List;

/**
 * How {@code kiln deploy} serves: where it listens, who may call it, how many sequences it
 * generates at once and how much waits, and the limits on requests.
 *
 * @param host the address to bind; null means loopback without API keys, every interface with
 * @param apiKeys the accepted keys; empty means no key is asked for
 * @param maxNumSeqs the most sequences generated at once (vLLM's and ms-swift's max_num_seqs)
 * @param maxModelLength tokens per sequence, prompt and completion; null for the model's own
 *     (its max_position_embeddings, at most {@link CacheSizing#DEFAULT_MAX_MODEL_LEN})
 * @param kvCacheBytes the memory the KV-cache pool may take
 * @param maxQueue the most requests that may wait for a free slot; beyond, 429
 * @param maxRequestBytes the largest request body accepted; beyond, 413
 */
public record ServerSettings(String host, int port, List<String> apiKeys, int maxNumSeqs,
        Integer maxModelLength, long kvCacheBytes, int maxQueue, long maxRequestBytes) {

    public ServerSettings {
        apiKeys = List.copyOf(apiKeys);
        require(port >= 0 && port <= 65535, "--port must be in 0..65535", port);
        require(maxNumSeqs >= 1, "--max_num_seqs must be >= 1", maxNumSeqs);
        require(maxModelLength == null || maxModelLength >= 2, "--max_model_len must be >= 2", maxModelLength);
        require(kvCacheBytes > 0, "--kv_cache_memory must be positive", kvCacheBytes);
        require(maxQueue >= 0, "--max_queue_size must be >= 0", maxQueue);
        require(maxRequestBytes > 0, "--max_request_bytes must be positive", maxRequestBytes);
    }

    /** The address to bind: the given host, else loopback when no key protects the server. */
    public String bindHost() {
        if (host != null) {
            return host;
        }
        return apiKeys.isEmpty() ? "127.0.0.1" : "0.0.0.0";
    }

    private static void require(boolean ok, String rule, Object got) {
        if (!ok) {
            throw new IllegalArgumentException(rule + ", got " + got);
        }
    }
}
