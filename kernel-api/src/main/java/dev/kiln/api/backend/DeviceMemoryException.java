package dev.kiln.api.backend;

import java.util.Locale;

/** A backend could not allocate: says how much was asked and how much was free. */
public class DeviceMemoryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long freeBytes;

    public DeviceMemoryException(String backend, long requestedBytes, long freeBytes) {
        super(backend + ": out of memory: asked for " + format(requestedBytes) + ", "
                + format(freeBytes) + " free");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
    }

    public long requestedBytes() { return requestedBytes; }
    public long freeBytes() { return freeBytes; }

    static String format(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
        }
        return bytes + " bytes";
    }
}
