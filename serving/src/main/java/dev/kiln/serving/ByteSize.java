package dev.kiln.serving;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A memory size as a user writes it: {@code 4096}, {@code 512M}, {@code 2G}, {@code 1.5GiB}, {@code 64KB}. */
final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");

    private ByteSize() {}

    /** The size in bytes (binary units: 1K = 1024). @throws IllegalArgumentException naming the option */
    static long parse(String option, String text) {
        Matcher m = SIZE.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a size (e.g. 512M, 2G)");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        double bytes = Double.parseDouble(m.group(1)) * (1L << shift);
        if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException(option + ": '" + text + "' is out of range");
        }
        return (long) bytes;
    }

    /** {@code 1.5 GiB}, {@code 12 MiB}, {@code 300 bytes}. */
    static String format(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return (value == Math.rint(value) ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.1f", value)) + " " + units[unit];
    }
}
