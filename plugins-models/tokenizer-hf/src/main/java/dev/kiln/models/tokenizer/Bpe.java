package dev.kiln.models.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BPE model of the tokenizers crate: a word becomes one symbol per character (or its bytes,
 * with byte fallback, or the unknown token), then the pair of adjacent symbols with the lowest
 * merge rank is merged, again and again, the pairs waiting in a priority queue so that a long
 * word costs O(n log n). Words are cached. Thread-safe.
 */
final class Bpe {

    /** Merges of a pair no longer than this many chars are cached (the crate's limit). */
    private static final int CACHE_MAX_WORD = 256;
    private static final int CACHE_CAPACITY = 10_000;
    private static final long ABSENT = -1;

    private final Map<String, Integer> vocab;
    private final MergeMap merges;
    private final int[] rankNewId;
    private final String unkToken;
    private final Integer unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    private final int[] byteIds = new int[256];
    /** The vocabulary id of each BMP char (-1: none), when words are split without affixes. */
    private final int[] charIds;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param merges pairs of token strings, in rank order
     * @param unkToken the unknown token, or null (unknown characters are then dropped)
     * @param prefix {@code continuing_subword_prefix}, or null
     * @param suffix {@code end_of_word_suffix}, or null
     * @throws IllegalArgumentException when a merge or the unknown token is not in the vocabulary
     */
    Bpe(Map<String, Integer> vocab, List<String[]> merges, String unkToken, boolean fuseUnk,
            boolean byteFallback, boolean ignoreMerges, String prefix, String suffix) {
        this.vocab = vocab;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.prefix = prefix == null || prefix.isEmpty() ? null : prefix;
        this.suffix = suffix == null || suffix.isEmpty() ? null : suffix;
        this.unkToken = unkToken;
        if (unkToken != null) {
            unkId = vocab.get(unkToken);
            if (unkId == null) {
                throw new IllegalArgumentException("unk_token \"" + unkToken + "\" is not in the vocabulary");
            }
        } else {
            unkId = null;
        }
        this.merges = new MergeMap(merges.size());
        this.rankNewId = new int[merges.size()];
        int prefixLength = this.prefix == null ? 0 : this.prefix.length();
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = merges.get(rank);
            int a = idOf(pair[0], rank);
            int b = idOf(pair[1], rank);
            String merged = pair[0] + pair[1].substring(Math.min(prefixLength, pair[1].length()));
            int c = idOf(merged, rank);
            rankNewId[rank] = c;
            // A repeated pair keeps its last rank, as the crate's HashMap does.
            this.merges.put(a, b, rank);
        }
        if (this.prefix == null && this.suffix == null) {
            charIds = new int[0x10000];
            Arrays.fill(charIds, -1);
            vocab.forEach((token, id) -> {
                if (token.length() == 1) {
                    charIds[token.charAt(0)] = id;
                }
            });
        } else {
            charIds = null;
        }
        Arrays.fill(byteIds, -1);
        if (byteFallback) {
            for (int b = 0; b < 256; b++) {
                Integer id = vocab.get(String.format("<0x%02X>", b));
                byteIds[b] = id == null ? -1 : id;
            }
        }
    }

    /** The unknown token, or null. */
    String unkToken() {
        return unkToken;
    }

    private int idOf(String token, int rank) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("merge " + (rank + 1) + " needs \"" + token
                    + "\", which is not in the vocabulary");
        }
        return id;
    }

    /** Adds the ids of {@code word} to {@code out}. */
    void tokenize(String word, IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            Integer id = vocab.get(word);
            if (id != null) {
                out.add(id);
                return;
            }
        }
        int[] cached = cache.get(word);
        if (cached == null) {
            cached = merge(word);
            if (word.length() <= CACHE_MAX_WORD && cache.size() < CACHE_CAPACITY) {
                cache.put(word, cached);
            }
        }
        out.addAll(cached);
    }

    /** The crate's {@code merge_word}: the initial symbols, then every merge by rank. */
    private int[] merge(String word) {
        IntList symbols = new IntList(word.length());
        int unk = -1;
        int n = word.length();
        for (int i = 0, end; i < n; i = end) {
            int cp = word.codePointAt(i);
            end = i + Character.charCount(cp);
            if (charIds != null && cp < 0x10000 && charIds[cp] >= 0) {
                if (unk >= 0) {
                    symbols.add(unk);
                    unk = -1;
                }
                symbols.add(charIds[cp]);
                continue;
            }
            String s = word.substring(i, end);
            if (prefix != null && i > 0) {
                s = prefix + s;
            }
            if (suffix != null && end == n) {
                s = s + suffix;
            }
            Integer id = vocab.get(s);
            if (id != null) {
                if (unk >= 0) {
                    symbols.add(unk);
                    unk = -1;
                }
                symbols.add(id);
            } else {
                if (byteFallback && addBytes(s, symbols)) {
                    // As the crate does, a pending unknown token stays pending (it lands after
                    // these bytes).
                    continue;
                }
                if (unkId != null) {
                    // Unknown characters in a row make one unknown token when fuse_unk.
                    if (unk >= 0 && !fuseUnk) {
                        symbols.add(unk);
                    }
                    unk = unkId;
                }
            }
        }
        if (unk >= 0) {
            symbols.add(unk);
        }
        return mergeAll(symbols.toArray());
    }

    /** Adds the byte tokens ({@code <0x..>}) of {@code s} when all of them exist. */
    private boolean addBytes(String s, IntList symbols) {
        byte[] bytes = Utf8.encode(s);
        for (byte b : bytes) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        for (byte b : bytes) {
            symbols.add(byteIds[b & 0xFF]);
        }
        return true;
    }

    /** The crate's {@code Word::merge_all}, without dropout. */
    private int[] mergeAll(int[] c) {
        int n = c.length;
        if (n < 2) {
            return c;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        boolean[] removed = new boolean[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        LongHeap queue = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            int rank = merges.get(c[i], c[i + 1]);
            if (rank >= 0) {
                queue.push(((long) rank << 32) | i);
            }
        }
        int left = n;
        while (!queue.isEmpty()) {
            long top = queue.pop();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (removed[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            int current = merges.get(c[pos], c[right]);
            // A stale entry: the pair at pos has changed since it was queued.
            if (current < 0 || rankNewId[current] != rankNewId[rank]) {
                continue;
            }
            c[pos] = rankNewId[rank];
            removed[right] = true;
            left--;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                int r = merges.get(c[prev[pos]], c[pos]);
                if (r >= 0) {
                    queue.push(((long) r << 32) | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                int r = merges.get(c[pos], c[next[pos]]);
                if (r >= 0) {
                    queue.push(((long) r << 32) | pos);
                }
            }
        }
        int[] out = new int[left];
        for (int i = 0, k = 0; i < n; i++) {
            if (!removed[i]) {
                out[k++] = c[i];
            }
        }
        return out;
    }

    /** (id, id) to merge rank, open addressing. Read-only after construction. */
    private static final class MergeMap {
        private final long[] keys;
        private final int[] ranks;
        private final int mask;

        MergeMap(int expected) {
            int capacity = Integer.highestOneBit(Math.max(expected, 4) * 2 - 1) << 1;
            keys = new long[capacity];
            ranks = new int[capacity];
            Arrays.fill(keys, ABSENT);
            mask = capacity - 1;
        }

        private static long key(int a, int b) {
            return ((long) a << 32) | (b & 0xFFFFFFFFL);
        }

        private static int hash(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29));
        }

        void put(int a, int b, int rank) {
            long k = key(a, b);
            for (int i = hash(k) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == ABSENT || keys[i] == k) {
                    keys[i] = k;
                    ranks[i] = rank;
                    return;
                }
            }
        }

        int get(int a, int b) {
            long k = key(a, b);
            for (int i = hash(k) & mask; ; i = (i + 1) & mask) {
                if (keys[i] == k) {
                    return ranks[i];
                }
                if (keys[i] == ABSENT) {
                    return -1;
                }
            }
        }
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] heap;
        private int size;

        LongHeap(int capacity) {
            heap = new long[Math.max(capacity, 4)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long pop() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            int half = size >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (last <= heap[child]) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
