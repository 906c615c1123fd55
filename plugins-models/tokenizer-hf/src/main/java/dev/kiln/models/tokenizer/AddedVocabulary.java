package dev.kiln.models.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The added tokens, found in the text before the model sees it, as the tokenizers crate's
 * {@code AddedVocabulary} does: the tokens with {@code normalized: false} are matched in the raw
 * text first; the pieces between them are normalized, and the tokens with {@code normalized:
 * true} are matched there, in their normalized form. Matches are leftmost-longest and do not
 * overlap; {@code single_word}, {@code lstrip} and {@code rstrip} apply to each match.
 */
final class AddedVocabulary {

    /** A token found in the text. */
    record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip,
            boolean rstrip, boolean normalized) {}

    /** A piece of text, or an added token ({@code id >= 0}). */
    record Piece(String text, int id, boolean atStart) {}

    private final List<AddedToken> tokens;
    private final Trie raw;
    private final Trie normalizedTrie;

    AddedVocabulary(List<AddedToken> tokens, Normalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        raw = new Trie();
        normalizedTrie = new Trie();
        for (AddedToken t : tokens) {
            if (t.content().isEmpty()) {
                continue;
            }
            if (t.normalized()) {
                String pattern = normalizer == null ? t.content() : normalizer.normalize(t.content());
                if (!pattern.isEmpty()) {
                    normalizedTrie.add(pattern, t);
                }
            } else {
                raw.add(t.content(), t);
            }
        }
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    /** Finds the added tokens in {@code text} and normalizes what is between them. */
    List<Piece> extractAndNormalize(String text, Normalizer normalizer) {
        List<Piece> first = new ArrayList<>();
        split(text, true, raw, first);
        List<Piece> out = new ArrayList<>();
        for (Piece p : first) {
            if (p.id() >= 0) {
                out.add(p);
            } else {
                String normalized = normalizer == null ? p.text() : normalizer.normalize(p.text());
                split(normalized, p.atStart(), normalizedTrie, out);
            }
        }
        return out;
    }

    /** The crate's {@code find_matches}: non-empty pieces of {@code s} into {@code out}. */
    private static void split(String s, boolean atStart, Trie trie, List<Piece> out) {
        if (s.isEmpty()) {
            return;
        }
        int startOffset = 0;
        int pos = 0;
        int[] match = new int[2];
        while (pos < s.length()) {
            AddedToken t = trie.leftmostLongest(s, pos, match);
            if (t == null) {
                break;
            }
            int start = match[0];
            int stop = match[1];
            pos = stop;
            if (t.singleWord()) {
                boolean startSpace = start == 0 || !Chars.isWordChar(s.codePointBefore(start));
                boolean stopSpace = stop == s.length() || !Chars.isWordChar(s.codePointAt(stop));
                if (!startSpace || !stopSpace) {
                    continue;
                }
            }
            if (t.lstrip()) {
                int newStart = start;
                while (newStart > 0 && Chars.isWhitespace(s.codePointBefore(newStart))) {
                    newStart -= Character.charCount(s.codePointBefore(newStart));
                }
                start = Math.max(newStart, startOffset);
            }
            if (t.rstrip()) {
                while (stop < s.length() && Chars.isWhitespace(s.codePointAt(stop))) {
                    stop += Character.charCount(s.codePointAt(stop));
                }
            }
            if (startOffset < start) {
                out.add(new Piece(s.substring(startOffset, start), -1, atStart && startOffset == 0));
            }
            out.add(new Piece(s.substring(Math.min(start, stop), stop), t.id(), false));
            startOffset = stop;
        }
        if (startOffset < s.length()) {
            out.add(new Piece(s.substring(startOffset), -1, atStart && startOffset == 0));
        }
    }

    /** A char trie of the token strings. */
    private static final class Trie {
        private final Node root = new Node();
        private final java.util.BitSet firstChars = new java.util.BitSet();

        private static final class Node {
            final Map<Character, Node> children = new HashMap<>(4);
            AddedToken token;
        }

        void add(String s, AddedToken t) {
            firstChars.set(s.charAt(0));
            Node node = root;
            for (int i = 0; i < s.length(); i++) {
                node = node.children.computeIfAbsent(s.charAt(i), c -> new Node());
            }
            if (node.token == null) {
                node.token = t;
            }
        }

        /** The leftmost, then longest, match at or after {@code from}: {@code match = [start, end]}. */
        AddedToken leftmostLongest(String s, int from, int[] match) {
            if (root.children.isEmpty()) {
                return null;
            }
            for (int start = from; start < s.length(); start++) {
                if (!firstChars.get(s.charAt(start))) {
                    continue;
                }
                Node node = root;
                AddedToken best = null;
                int bestEnd = -1;
                for (int i = start; i < s.length(); i++) {
                    node = node.children.get(s.charAt(i));
                    if (node == null) {
                        break;
                    }
                    if (node.token != null) {
                        best = node.token;
                        bestEnd = i + 1;
                    }
                }
                if (best != null) {
                    match[0] = start;
                    match[1] = bestEnd;
                    return best;
                }
            }
            return null;
        }
    }
}
