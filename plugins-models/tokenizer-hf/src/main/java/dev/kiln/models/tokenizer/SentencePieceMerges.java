package dev.kiln.models.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BPE merges for a SentencePiece vocabulary that has scores but no merges, as a GGUF file's
 * {@code llama} vocabulary has, built as transformers' {@code GGUFTokenizerSkeleton} builds them:
 * every way to cut a token into two tokens is a merge; the merges of one token are ordered by the
 * scores of their halves, highest first; then all merges by the score of the token they make,
 * highest first. Both sorts are stable, so equal scores keep the vocabulary's order.
 *
 * <p>Ranking merges by the score of their result is how SentencePiece's BPE picks the next
 * merge, so encoding with these merges gives SentencePiece's pieces.
 */
final class SentencePieceMerges {

    private SentencePieceMerges() {}

    private record Merge(String left, String right, float score, float leftScore, float rightScore) {}

    /** The merges of {@code tokens} with {@code scores}, in rank order. */
    static List<String[]> fromScores(List<String> tokens, float[] scores) {
        // As a Python dict built token by token: a repeated token keeps its first place and
        // its last score.
        Map<String, Float> vocab = new LinkedHashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            vocab.put(tokens.get(i), scores[i]);
        }
        List<Merge> merges = new ArrayList<>();
        List<Merge> local = new ArrayList<>();
        for (Map.Entry<String, Float> e : vocab.entrySet()) {
            String token = e.getKey();
            local.clear();
            // Cut between code points, as Python slices a str.
            for (int cut = token.isEmpty() ? 0 : token.offsetByCodePoints(0, 1); cut < token.length();
                    cut = token.offsetByCodePoints(cut, 1)) {
                Float left = vocab.get(token.substring(0, cut));
                Float right = vocab.get(token.substring(cut));
                if (left != null && right != null) {
                    local.add(new Merge(token.substring(0, cut), token.substring(cut), e.getValue(),
                            left, right));
                }
            }
            local.sort(Comparator.comparing((Merge m) -> m.leftScore, SentencePieceMerges::descending)
                    .thenComparing(m -> m.rightScore, SentencePieceMerges::descending));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparing((Merge m) -> m.score, SentencePieceMerges::descending));
        List<String[]> out = new ArrayList<>(merges.size());
        for (Merge m : merges) {
            out.add(new String[] {m.left, m.right});
        }
        return out;
    }

    /** Higher first; equal values (0.0 and -0.0 too, as in Python) keep their order. */
    private static int descending(float a, float b) {
        return a > b ? -1 : a < b ? 1 : 0;
    }
}
