package dev.kiln.core.generate;

import java.util.List;

/**
 * A completion's text as it grows, cut at the first stop string (which is left out, as OpenAI
 * does). Text that could still turn out to be the start of a stop string is held back, so what
 * is released never has to be taken back.
 */
final class CompletionText {

    private final List<String> stops;
    private final int longestStop;
    private final StringBuilder text = new StringBuilder();
    private int released;
    private boolean stopped;

    CompletionText(List<String> stops) {
        this.stops = stops;
        this.longestStop = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Adds decoded text; returns what can be released now. */
    String append(String delta) {
        if (stopped) {
            throw new IllegalStateException("the text already ended at a stop string");
        }
        int searchFrom = Math.max(0, text.length() - longestStop + 1);
        text.append(delta);
        int cut = firstStop(searchFrom);
        if (cut >= 0) {
            text.setLength(cut);
            stopped = true;
            return release(cut);
        }
        return release(text.length() - heldBack());
    }

    /** Whether a stop string ended the text. */
    boolean stopped() {
        return stopped;
    }

    /** Releases everything still held back: the completion ended. */
    String finish() {
        return release(text.length());
    }

    String text() {
        return text.toString();
    }

    private int firstStop(int from) {
        int first = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, from);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        return first;
    }

    /** The length of the longest end of the text that begins some stop string. */
    private int heldBack() {
        int longest = 0;
        for (String stop : stops) {
            for (int n = Math.min(stop.length() - 1, text.length()); n > longest; n--) {
                if (text.substring(text.length() - n).equals(stop.substring(0, n))) {
                    longest = n;
                    break;
                }
            }
        }
        return longest;
    }

    private String release(int upTo) {
        int end = Math.max(upTo, released);
        // never split a surrogate pair between two releases
        if (end > released && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        String out = text.substring(released, end);
        released = end;
        return out;
    }
}
