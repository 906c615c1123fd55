package dev.kiln.models.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Learns BPE merges from word counts exactly as the tokenizers crate's {@code BpeTrainer} does
 * (0.22): special tokens take the first ids, then the alphabet (every character of the words and
 * of the initial alphabet) sorted by code point, then each merge's new token. The pair seen most
 * often (counted over the words' occurrences) is merged first; of pairs seen equally often, the
 * one with the smaller (left id, right id). Training stops when the vocabulary has
 * {@code vocabSize} tokens, when no pair is left, or when the best pair is seen fewer than
 * {@code minFrequency} times.
 *
 * <p>The crate's bookkeeping is kept, quirks included, so that the merges are the crate's: a
 * priority queue of pairs whose counts are refreshed lazily when they reach the top, each entry
 * merging only the words recorded with it; a merge whose concatenation is already a token reuses
 * that token's id; and a pair merged twice (which that bookkeeping allows when tokens are
 * reused) keeps the rank of its last merge.
 */
final class BpeTrainer {

    /** What training learned: the tokens by id, and the merges (pairs of token strings) by rank. */
    record Result(List<String> vocab, List<String[]> merges) {}

    private final int vocabSize;
    private final long minFrequency;
    private final List<String> specialTokens;
    private final SortedSet<Integer> initialAlphabet;

    /**
     * @param initialAlphabet code points that are tokens even when the words lack them (the
     *     byte-level alphabet, so that any text encodes)
     */
    BpeTrainer(int vocabSize, long minFrequency, List<String> specialTokens,
            SortedSet<Integer> initialAlphabet) {
        this.vocabSize = vocabSize;
        this.minFrequency = minFrequency;
        this.specialTokens = List.copyOf(specialTokens);
        this.initialAlphabet = new TreeSet<>(initialAlphabet);
    }

    /** One entry of the queue: a pair, its count when queued, and the words to merge it in. */
    private static final class Candidate {
        final long pair;
        long count;
        final IntList words;

        Candidate(long pair, long count, IntList words) {
            this.pair = pair;
            this.count = count;
            this.words = words;
        }
    }

    /** Highest count first; of equal counts, the smaller pair (left id, then right id). */
    private static final Comparator<Candidate> BEST_FIRST = (a, b) -> a.count != b.count
            ? Long.compare(b.count, a.count) : Long.compare(a.pair, b.pair);

    /**
     * @param wordCounts each distinct pre-tokenized word and how often it occurs
     * @throws IllegalArgumentException when the special tokens and the alphabet alone exceed
     *     the vocabulary size
     */
    Result train(Map<String, Long> wordCounts) {
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (String special : specialTokens) {
            addToken(special, tokens, ids);
        }
        SortedSet<Integer> alphabet = new TreeSet<>(initialAlphabet);
        wordCounts.keySet().forEach(w -> w.codePoints().forEach(alphabet::add));
        for (int c : alphabet) {
            addToken(Character.toString(c), tokens, ids);
        }
        if (tokens.size() > vocabSize) {
            throw new IllegalArgumentException("vocabulary size " + vocabSize + " is smaller than the "
                    + specialTokens.size() + " special tokens and the " + alphabet.size()
                    + " characters of the alphabet (" + tokens.size() + " tokens before any merge)");
        }

        TrainingWord[] words = new TrainingWord[wordCounts.size()];
        long[] counts = new long[words.length];
        int w = 0;
        for (Map.Entry<String, Long> e : wordCounts.entrySet()) {
            words[w] = new TrainingWord(e.getKey().codePoints()
                    .map(c -> ids.get(Character.toString(c))).toArray());
            counts[w++] = e.getValue();
        }

        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, IntList> whereToUpdate = new LinkedHashMap<>();
        for (int i = 0; i < words.length; i++) {
            TrainingWord word = words[i];
            for (int s = 0; s + 1 < word.size(); s++) {
                long pair = TrainingWord.pair(word.symbol(s), word.symbol(s + 1));
                pairCounts.merge(pair, counts[i], Long::sum);
                addOnce(whereToUpdate.computeIfAbsent(pair, p -> new IntList(4)), i);
            }
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(Math.max(1, pairCounts.size()), BEST_FIRST);
        enqueue(whereToUpdate, pairCounts, queue);

        List<long[]> merges = new ArrayList<>(); // {pair, rank}
        while (tokens.size() < vocabSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            long current = pairCounts.get(top.pair);
            if (top.count != current) { // stale: queue it again with its count of now
                top.count = current;
                queue.add(top);
                continue;
            }
            if (top.count < 1 || minFrequency > top.count) {
                break;
            }
            int left = TrainingWord.left(top.pair);
            int right = TrainingWord.right(top.pair);
            int merged = addToken(tokens.get(left) + tokens.get(right), tokens, ids);
            merges.add(new long[] {top.pair, merges.size()});

            for (int k = 0; k < top.words.size(); k++) {
                int i = top.words.get(k);
                long count = counts[i];
                words[i].merge(left, right, merged, (pair, delta) -> {
                    pairCounts.merge(pair, delta * count, Long::sum);
                    if (delta > 0) {
                        addOnce(whereToUpdate.computeIfAbsent(pair, p -> new IntList(4)), i);
                    }
                });
            }
            enqueue(whereToUpdate, pairCounts, queue);
        }
        return new Result(List.copyOf(tokens), lastRanks(merges, tokens));
    }

    /** The new token's id; a token that exists keeps its id. */
    private static int addToken(String token, List<String> tokens, Map<String, Integer> ids) {
        Integer id = ids.get(token);
        if (id != null) {
            return id;
        }
        tokens.add(token);
        ids.put(token, tokens.size() - 1);
        return tokens.size() - 1;
    }

    /** A word's pairs are all counted before the next word's, so a repeat is always the last entry. */
    private static void addOnce(IntList words, int word) {
        if (words.isEmpty() || words.get(words.size() - 1) != word) {
            words.add(word);
        }
    }

    private static void enqueue(Map<Long, IntList> whereToUpdate, Map<Long, Long> pairCounts,
            PriorityQueue<Candidate> queue) {
        whereToUpdate.forEach((pair, words) -> {
            long count = pairCounts.get(pair);
            if (count > 0) {
                queue.add(new Candidate(pair, count, words));
            }
        });
        whereToUpdate.clear();
    }

    /** The merges by rank, a pair merged twice at the rank of its last merge, as the crate keeps them. */
    private static List<String[]> lastRanks(List<long[]> merges, List<String> tokens) {
        Map<Long, Long> lastRank = new HashMap<>();
        merges.forEach(m -> lastRank.put(m[0], m[1]));
        List<String[]> out = new ArrayList<>(lastRank.size());
        for (long[] m : merges) {
            if (lastRank.get(m[0]) == m[1]) {
                out.add(new String[] {tokens.get(TrainingWord.left(m[0])), tokens.get(TrainingWord.right(m[0]))});
            }
        }
        return out;
    }
}
