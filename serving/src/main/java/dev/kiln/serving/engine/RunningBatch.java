package dev.kiln.serving.engine;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCachePool;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.core.generate.GenerationRequest;
import dev.kiln.core.generate.Sequence;
import dev.kiln.serving.metrics.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The sequences being generated, one per slot of the KV-cache pool, always in the slots
 * {@code [0, size)}: a step decodes them all with one forward over those rows, each at its own
 * length. A sequence joins by a prefill of its prompt into the first free slot (n choices of
 * one prompt share one prefill, copied slot to slot) and leaves when it finishes or its client
 * is gone; the last sequence then moves into the slot it left. Joining and leaving happen
 * between steps, at token boundaries. Runs on the engine thread only.
 */
final class RunningBatch {

    private final CausalLM model;
    private final TensorOps ops;
    private final Tokenizer tokenizer;
    private final KvCachePool pool;
    private final Metrics metrics;
    private final AdapterRouting routing;
    /** Row r runs in slot r. */
    private final List<Row> rows = new ArrayList<>();
    private int vocab = -1;

    private record Row(Submission submission, Sequence sequence) {
        boolean done() {
            return sequence.finished() || submission.cancelled();
        }
    }

    RunningBatch(CausalLM model, TensorOps ops, Tokenizer tokenizer, KvCachePool pool, Metrics metrics,
            AdapterRouting routing) {
        this.model = model;
        this.ops = ops;
        this.tokenizer = tokenizer;
        this.pool = pool;
        this.metrics = metrics;
        this.routing = routing;
    }

    /** Whether a running sequence generates with the adapter. */
    boolean uses(int adapter) {
        return rows.stream().anyMatch(row -> row.submission().adapter() == adapter);
    }

    int size() {
        return rows.size();
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    int freeSlots() {
        return pool.slots() - rows.size();
    }

    /** Tokens the running sequences hold in the cache. */
    long cachedTokens() {
        long tokens = 0;
        for (int slot = 0; slot < rows.size(); slot++) {
            tokens += pool.length(slot);
        }
        return tokens;
    }

    /**
     * Prefills the submission's prompt into the next free slot, copies it to one slot per
     * further choice, and chooses each choice's first token.
     */
    void admit(Submission submission) {
        int first = rows.size();
        int[] prompt = submission.prompt();
        pool.clear(first);
        routing.set(submission.adapter() == Adapters.BASE ? null : new int[] {submission.adapter()});
        float[] logits = lastLogits(prompt, positions(prompt.length), 1, first);
        vocab = logits.length;
        metrics.promptTokens(prompt.length);
        for (int choice = 1; choice < submission.choices(); choice++) {
            pool.copy(first, first + choice);
        }
        for (int choice = 0; choice < submission.choices(); choice++) {
            Sequence sequence = new Sequence(choice,
                    new GenerationRequest(prompt, submission.params(choice)), tokenizer, vocab,
                    new ChoiceListener(submission, choice, metrics));
            rows.add(new Row(submission, sequence));
            sequence.step(logits, 0, vocab);
        }
        compact();
    }

    /** One decoding step: every running sequence feeds its last token and chooses the next. */
    void step() {
        for (int slot = 0; slot < rows.size(); slot++) {
            if (pool.length(slot) >= pool.capacity()) {
                rows.get(slot).sequence().finishForLength(); // no room to feed its last token
            }
        }
        compact();
        int n = rows.size();
        if (n == 0) {
            return;
        }
        int[] ids = new int[n];
        int[] positions = new int[n];
        int[] adapters = new int[n];
        boolean adapted = false;
        for (int slot = 0; slot < n; slot++) {
            ids[slot] = rows.get(slot).sequence().lastToken();
            positions[slot] = pool.length(slot);
            adapters[slot] = rows.get(slot).submission().adapter();
            adapted |= adapters[slot] != Adapters.BASE;
        }
        routing.set(adapted ? adapters : null);
        float[] logits = lastLogits(ids, positions, n, 0);
        metrics.batchSize(n);
        for (int slot = 0; slot < n; slot++) {
            rows.get(slot).sequence().step(logits, slot * vocab, vocab);
        }
        compact();
    }

    /** Frees the slots of finished and cancelled sequences. */
    void compact() {
        for (int slot = rows.size() - 1; slot >= 0; slot--) {
            if (rows.get(slot).done()) {
                int last = rows.size() - 1;
                if (slot != last) {
                    pool.copy(last, slot);
                    rows.set(slot, rows.get(last));
                }
                rows.remove(last);
                pool.clear(last);
            }
        }
    }

    /** Tells every running submission that it failed, and empties the batch. */
    void failAll(String message) {
        Set<Submission> failed = new LinkedHashSet<>();
        rows.forEach(row -> failed.add(row.submission()));
        failed.forEach(s -> s.emit(new Submission.Failed(message)));
        for (int slot = 0; slot < rows.size(); slot++) {
            pool.clear(slot);
        }
        rows.clear();
    }

    /** The logits {@code [rows, vocab]} of the last position of {@code ids} fed to slots {@code [first, first + rows)}. */
    @SuppressWarnings("try") // the scope frees the step's tensors by being open
    private float[] lastLogits(int[] ids, int[] positions, int batch, int first) {
        int seq = ids.length / batch;
        try (TensorScope step = ops.scope()) {
            return model.forwardLast(ops.tensor(ids, Shape.of(batch, seq)),
                    ops.tensor(positions, Shape.of(batch, seq)), null, pool.rows(first, batch))
                    .toFloatArray();
        }
    }

    private static int[] positions(int length) {
        int[] positions = new int[length];
        for (int i = 0; i < length; i++) {
            positions[i] = i;
        }
        return positions;
    }
}
