package dev.kiln.models.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The BPE trainer's rules on word counts small enough to check by hand. */
class BpeTrainerTest {

    private static final SortedSet<Integer> NO_ALPHABET = new TreeSet<>();

    private static BpeTrainer.Result train(int vocabSize, long minFrequency, Map<String, Long> words) {
        return new BpeTrainer(vocabSize, minFrequency, List.of(), NO_ALPHABET).train(words);
    }

    private static List<String> merges(BpeTrainer.Result result) {
        List<String> out = new ArrayList<>();
        result.merges().forEach(m -> out.add(m[0] + " " + m[1]));
        return out;
    }

    private static Map<String, Long> words(Object... wordsAndCounts) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < wordsAndCounts.length; i += 2) {
            out.put((String) wordsAndCounts[i], ((Number) wordsAndCounts[i + 1]).longValue());
        }
        return out;
    }

    /** The tokenizers crate's own unit test of its BpeTrainer (bpe/trainer.rs, test_train), with its expected values. */
    @Test
    void theCratesOwnExample() {
        BpeTrainer.Result r = train(30000, 2, words("roses", 1, "are", 2, "red", 1, "voilets", 1,
                "blue", 1, "BERT", 1, "is", 2, "big", 1, "and", 1, "so", 1, "GPT-2", 1));
        assertEquals(List.of("-", "2", "B", "E", "G", "P", "R", "T", "a", "b", "d", "e", "g", "i", "l",
                "n", "o", "r", "s", "t", "u", "v", "re", "are", "is"), r.vocab());
        assertEquals(List.of("r e", "a re", "i s"), merges(r));
    }

    @Test
    void theMostFrequentPairIsMergedFirstCountingEveryOccurrence() {
        // "xy" occurs 3 times in one word seen once; "ab" once in each of two words.
        BpeTrainer.Result r = train(6, 0, words("xyxyxy", 1, "ab", 1, "abz", 1));
        assertEquals(List.of("x y"), merges(r), r.vocab().toString());
    }

    @Test
    void ofPairsSeenEquallyOftenTheOneWithTheSmallerIdsWins() {
        // ids: a 0, b 1, c 2, d 3. (b, a) and (a, c) are seen once each: (0, 2) < (1, 0).
        BpeTrainer.Result r = train(5, 0, words("ba", 1, "ac", 1, "dd", 1));
        assertEquals(List.of("a c"), merges(r));
        // Then (b, a) (1, 0) before (d, d) (3, 3).
        assertEquals(List.of("a c", "b a"), merges(train(6, 0, words("ba", 1, "ac", 1, "dd", 1))));
    }

    @Test
    void aMergedTokenCountsAsANewIdAboveTheAlphabet() {
        // After "a b" -> ab (id 3), (ab, c) and (c, c) tie at 2: (2, 2) < (3, 2), so "c c" first.
        BpeTrainer.Result r = train(30000, 0, words("abc", 2, "cc", 2, "ab", 5));
        assertEquals(List.of("a b", "c c", "ab c"), merges(r));
        assertEquals(List.of("a", "b", "c", "ab", "cc", "abc"), r.vocab());
    }

    @Test
    void overlappingOccurrencesMergeFromTheLeft() {
        // "aaa" becomes "aa a", so the next pair is (aa, a), not (a, aa).
        BpeTrainer.Result r = train(30000, 0, words("aaa", 1));
        assertEquals(List.of("a a", "aa a"), merges(r));
    }

    @Test
    void specialTokensComeFirstThenTheAlphabetByCodePoint() {
        SortedSet<Integer> initial = new TreeSet<>(List.of((int) 'z', 0x1F600));
        BpeTrainer.Result r = new BpeTrainer(30000, 5, List.of("<s>", "</s>"), initial)
                .train(words("b\uFB01", 1, "a", 3));
        // U+1F600 (a surrogate pair in UTF-16) sorts by code point, after U+FB01.
        assertEquals(List.of("<s>", "</s>", "a", "b", "z", "\uFB01", "\uD83D\uDE00"), r.vocab());
        assertEquals(List.of(), r.merges(), "min frequency 5: nothing is merged");
    }

    @Test
    void trainingStopsAtTheVocabularySize() {
        Map<String, Long> words = words("the", 9, "then", 4, "there", 3, "other", 2);
        for (int size = 6; size <= 12; size++) {
            assertEquals(size, train(size, 0, words).vocab().size(), "vocab size " + size);
        }
        BpeTrainer.Result all = train(30000, 0, words);
        assertTrue(all.vocab().contains("other") && all.vocab().contains("there"),
                "without a limit every word becomes one token: " + all.vocab());
        // (t, h) and (h, e) are both seen 18 times: (h, e) has the smaller ids (h 1, e 0; t 5).
        assertEquals(List.of("h e", "t he", "the r", "the n", "ther e", "o ther"), merges(all));
    }

    @Test
    void minFrequencyStopsBeforeARarePair() {
        Map<String, Long> words = words("the", 9, "then", 4, "there", 3, "other", 2);
        // The pairs' counts when merged: 18, 18, 5, 4, 3, 2.
        assertEquals(List.of("h e", "t he", "the r", "the n", "ther e"), merges(train(30000, 3, words)));
        assertEquals(List.of("h e", "t he", "the r", "the n"), merges(train(30000, 4, words)));
    }

    @Test
    void aVocabularyTooSmallForTheAlphabetIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new BpeTrainer(3, 0, List.of("<s>"), NO_ALPHABET).train(words("abc", 1)));
        assertEquals("vocabulary size 3 is smaller than the 1 special tokens and the 3 characters of"
                + " the alphabet (4 tokens before any merge)", e.getMessage());
    }
}
