package dev.kiln.serving.metrics;

import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram: counts of observations at or below each bucket's upper bound, their
 * sum and count. Lock-free; written by the engine and request threads, read by a scrape.
 */
public final class Histogram {

    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    /** @param bounds the buckets' upper bounds, increasing; +Inf is added */
    public Histogram(double... bounds) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("histogram bounds must increase: " + bounds[i - 1]
                        + " then " + bounds[i]);
            }
        }
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(value);
    }

    public long count() {
        return count.sum();
    }

    /** Appends the series of {@code name} with {@code labels} ({@code a="b",} or empty). */
    void write(StringBuilder out, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            out.append(name).append("_bucket{").append(labels).append("le=\"")
                    .append(PrometheusText.number(bounds[i])).append("\"} ").append(cumulative).append('\n');
        }
        long total = count.sum();
        out.append(name).append("_bucket{").append(labels).append("le=\"+Inf\"} ").append(total).append('\n');
        String plain = labels.isEmpty() ? "" : "{" + labels.substring(0, labels.length() - 1) + "}";
        out.append(name).append("_sum").append(plain).append(' ').append(PrometheusText.number(sum.sum())).append('\n');
        out.append(name).append("_count").append(plain).append(' ').append(total).append('\n');
    }
}
