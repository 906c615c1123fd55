package dev.kiln.core.backend;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One move of a {@link MovableDevice}'s memory and work from one device to another.
 *
 * @param from the device it left, e.g. {@code cpu:0}
 * @param to the device it runs on since, e.g. {@code opencl:0}
 * @param buffers how many buffers moved
 * @param bytes how much memory moved
 * @param took how long the move held the job
 * @param at when it finished
 */
public record DeviceMove(String from, String to, int buffers, long bytes, Duration took, Instant at) {

    /** "moved from cpu:0 to opencl:0: 291 buffers, 1.2 MB in 35 ms". */
    public String describe() {
        return String.format(Locale.ROOT, "moved from %s to %s: %d buffers, %.1f MB in %d ms", from, to, buffers,
                bytes / 1e6, took.toMillis());
    }
}
