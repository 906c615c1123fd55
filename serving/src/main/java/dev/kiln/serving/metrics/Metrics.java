package dev.kiln.serving.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;

/**
 * What {@code GET /metrics} reports, in Prometheus' text format: requests by endpoint and status,
 * prompt and generated tokens, latency histograms (request duration, time to first token,
 * inter-token latency), and the engine's gauges (running and waiting requests, KV-cache use)
 * with the batch size of each decoding step. Names follow vLLM's where there is one, prefixed
 * {@code kiln_}. Thread-safe.
 */
public final class Metrics {

    public static final String CONTENT_TYPE = PrometheusText.CONTENT_TYPE;

    /** Latency buckets, in seconds: 1 ms to 2 minutes. */
    private static final double[] SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1,
        0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 120};

    private final Map<String, LongAdder> requests = new ConcurrentSkipListMap<>();
    private final Map<String, Histogram> durations = new ConcurrentHashMap<>();
    private final LongAdder promptTokens = new LongAdder();
    private final LongAdder generationTokens = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final Histogram timeToFirstToken = new Histogram(SECONDS);
    private final Histogram interTokenLatency = new Histogram(SECONDS);
    private final Histogram batchSize;
    private final List<Gauge> gauges = new CopyOnWriteArrayList<>();

    private record Gauge(String name, String help, DoubleSupplier value) {}

    /** @param maxBatch the most sequences a decoding step can hold: the batch-size buckets go to it */
    public Metrics(int maxBatch) {
        List<Double> bounds = new ArrayList<>();
        for (int b = 1; b < maxBatch; b *= 2) {
            bounds.add((double) b);
        }
        bounds.add((double) maxBatch);
        this.batchSize = new Histogram(bounds.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** A request was answered with {@code status} after {@code seconds}. */
    public void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent(endpoint + "\u0000" + status, k -> new LongAdder()).increment();
        durations.computeIfAbsent(endpoint, k -> new Histogram(SECONDS)).observe(seconds);
    }

    /** A request was turned away because the queue was full (429). */
    public void rejected() {
        rejected.increment();
    }

    public void promptTokens(int count) {
        promptTokens.add(count);
    }

    public void generationTokens(int count) {
        generationTokens.add(count);
    }

    public void timeToFirstToken(double seconds) {
        timeToFirstToken.observe(seconds);
    }

    public void interTokenLatency(double seconds) {
        interTokenLatency.observe(seconds);
    }

    /** One decoding step ran {@code sequences} sequences together. */
    public void batchSize(int sequences) {
        batchSize.observe(sequences);
    }

    /** Reports {@code value} (read at each scrape) as gauge {@code kiln_<name>}. */
    public void gauge(String name, String help, DoubleSupplier value) {
        gauges.add(new Gauge("kiln_" + name, help, value));
    }

    /** The text a scrape answers. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        PrometheusText.header(out, "kiln_requests_total", "counter",
                "Requests answered, by endpoint and HTTP status.");
        requests.forEach((key, count) -> {
            String[] parts = key.split("\u0000");
            out.append("kiln_requests_total{endpoint=\"").append(PrometheusText.label(parts[0]))
                    .append("\",status=\"").append(parts[1]).append("\"} ").append(count.sum()).append('\n');
        });
        counter(out, "kiln_requests_rejected_total", "Requests turned away with 429: the queue was full.",
                rejected.sum());
        counter(out, "kiln_prompt_tokens_total", "Prompt tokens prefilled.", promptTokens.sum());
        counter(out, "kiln_generation_tokens_total", "Tokens generated.", generationTokens.sum());
        PrometheusText.header(out, "kiln_request_duration_seconds", "histogram",
                "Time from a request's arrival to the end of its answer, by endpoint.");
        new ConcurrentSkipListMap<>(durations).forEach((endpoint, histogram) -> histogram.write(out,
                "kiln_request_duration_seconds", "endpoint=\"" + PrometheusText.label(endpoint) + "\","));
        histogram(out, "kiln_time_to_first_token_seconds",
                "Time from a request's arrival to its first generated token.", timeToFirstToken);
        histogram(out, "kiln_inter_token_latency_seconds",
                "Time between two tokens of one completion.", interTokenLatency);
        histogram(out, "kiln_batch_size", "Sequences decoded together in one step.", batchSize);
        for (Gauge gauge : gauges) {
            PrometheusText.header(out, gauge.name(), "gauge", gauge.help());
            out.append(gauge.name()).append(' ')
                    .append(PrometheusText.number(gauge.value().getAsDouble())).append('\n');
        }
        return out.toString();
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        PrometheusText.header(out, name, "counter", help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void histogram(StringBuilder out, String name, String help, Histogram histogram) {
        PrometheusText.header(out, name, "histogram", help);
        histogram.write(out, name, "");
    }
}
