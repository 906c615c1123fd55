package dev.kiln.models.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splitting a string by a pattern, as the tokenizers crate's {@code NormalizedString::split}
 * does: the pattern marks the string into matching and non-matching segments, and the
 * behaviour says what becomes a piece. Empty pieces are dropped.
 */
final class Splitting {

    /** The tokenizers crate's {@code SplitDelimiterBehavior}. */
    enum Behavior {
        REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS;

        static Behavior parse(String name) {
            return switch (name.toLowerCase(Locale.ROOT).replace("_", "")) {
                case "removed" -> REMOVED;
                case "isolated" -> ISOLATED;
                case "mergedwithprevious" -> MERGED_WITH_PREVIOUS;
                case "mergedwithnext" -> MERGED_WITH_NEXT;
                case "contiguous" -> CONTIGUOUS;
                default -> throw new IllegalArgumentException("split behavior \"" + name + "\" is not supported");
            };
        }
    }

    /** A piece of text between the steps of tokenization. */
    record Split(String text, boolean atStart) {}

    /** Something that marks matching segments in a string. */
    interface Matches {
        /** Adds (start, end, match?) triples covering {@code s} in order. */
        void segments(String s, List<int[]> out);
    }

    private Splitting() {}

    static Matches regex(Pattern pattern) {
        return (s, out) -> {
            Matcher m = pattern.matcher(s);
            int prev = 0;
            while (m.find()) {
                if (prev != m.start()) {
                    out.add(new int[] {prev, m.start(), 0});
                }
                out.add(new int[] {m.start(), m.end(), 1});
                prev = m.end();
            }
            if (prev != s.length()) {
                out.add(new int[] {prev, s.length(), 0});
            }
        };
    }

    /** Each code point for which {@code predicate} holds is a match of its own. */
    static Matches chars(IntPredicate predicate) {
        return (s, out) -> {
            int last = 0;
            for (int i = 0; i < s.length(); ) {
                int cp = s.codePointAt(i);
                int next = i + Character.charCount(cp);
                if (predicate.test(cp)) {
                    if (last < i) {
                        out.add(new int[] {last, i, 0});
                    }
                    out.add(new int[] {i, next, 1});
                    last = next;
                }
                i = next;
            }
            if (last < s.length()) {
                out.add(new int[] {last, s.length(), 0});
            }
        };
    }

    static Matches inverted(Matches matches) {
        return (s, out) -> {
            int from = out.size();
            matches.segments(s, out);
            for (int i = from; i < out.size(); i++) {
                out.get(i)[2] ^= 1;
            }
        };
    }

    /** Splits {@code split} and adds the non-empty pieces to {@code out}. */
    static void split(Split split, Matches matches, Behavior behavior, List<Split> out) {
        String s = split.text();
        if (s.isEmpty()) {
            return;
        }
        List<int[]> segments = new ArrayList<>();
        matches.segments(s, segments);
        List<int[]> pieces = new ArrayList<>(segments.size());
        switch (behavior) {
            case REMOVED -> {
                for (int[] seg : segments) {
                    if (seg[2] == 0) {
                        pieces.add(seg);
                    }
                }
            }
            case ISOLATED -> pieces.addAll(segments);
            case CONTIGUOUS -> {
                boolean previous = false;
                for (int[] seg : segments) {
                    boolean match = seg[2] == 1;
                    if (match == previous && !pieces.isEmpty()) {
                        int[] last = pieces.getLast();
                        pieces.set(pieces.size() - 1, new int[] {last[0], seg[1], 0});
                    } else {
                        pieces.add(seg);
                    }
                    previous = match;
                }
            }
            case MERGED_WITH_PREVIOUS -> {
                boolean previous = false;
                for (int[] seg : segments) {
                    boolean match = seg[2] == 1;
                    if (match && !previous && !pieces.isEmpty()) {
                        int[] last = pieces.getLast();
                        pieces.set(pieces.size() - 1, new int[] {last[0], seg[1], 0});
                    } else {
                        pieces.add(seg);
                    }
                    previous = match;
                }
            }
            case MERGED_WITH_NEXT -> {
                boolean previous = false;
                for (int k = segments.size() - 1; k >= 0; k--) {
                    int[] seg = segments.get(k);
                    boolean match = seg[2] == 1;
                    if (match && !previous && !pieces.isEmpty()) {
                        int[] last = pieces.getLast();
                        pieces.set(pieces.size() - 1, new int[] {seg[0], last[1], 0});
                    } else {
                        pieces.add(seg);
                    }
                    previous = match;
                }
                java.util.Collections.reverse(pieces);
            }
        }
        for (int[] p : pieces) {
            if (p[1] > p[0]) {
                out.add(new Split(s.substring(p[0], p[1]), split.atStart() && p[0] == 0));
            }
        }
    }
}
