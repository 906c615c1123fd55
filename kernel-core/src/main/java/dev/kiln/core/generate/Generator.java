package dev.kiln.core.generate;

import dev.kiln.api.model.CausalLM;
import dev.kiln.api.model.KvCache;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.Shape;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.api.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Generates completions with a {@link CausalLM}: prefills the prompts into a {@link KvCache},
 * then decodes one token per step for every unfinished row. Several prompts run as one batch,
 * left-padded to the longest, with per-row positions and an attention mask that hides the
 * padding; each row stops on its own (stop token, stop string, max_new_tokens, full context).
 *
 * <p>Each forward runs with gradients off and inside its own {@link TensorScope}, and only the
 * logits of each row's last position are computed (by {@link CausalLM#forwardLast} where the
 * model offers it) and copied to the host, so memory stays flat however long the completion. A model whose forward cannot mask padding gets the prompts one at a time.
 *
 * <p>Not thread-safe: tensor scopes belong to the thread that opens them.
 */
public final class Generator {

    private final CausalLM model;
    private final Tokenizer tokenizer;
    private final TensorOps ops;
    private final int maxContextLength;
    /** Set once the model's forwardLast turned out to be missing, to stop asking. */
    private boolean forwardLastUnsupported;

    /** A generator whose context ends at the model's {@code max_position_embeddings}, if it states one. */
    public Generator(CausalLM model, Tokenizer tokenizer, TensorOps ops) {
        this(model, tokenizer, ops,
                model.config().integer("max_position_embeddings").orElse(Integer.MAX_VALUE));
    }

    /** @param maxContextLength the most tokens, prompt and completion, a row may hold */
    public Generator(CausalLM model, Tokenizer tokenizer, TensorOps ops, int maxContextLength) {
        this.model = Objects.requireNonNull(model, "model");
        this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
        this.ops = Objects.requireNonNull(ops, "ops");
        if (maxContextLength < 1) {
            throw new IllegalArgumentException("maxContextLength must be >= 1, got " + maxContextLength);
        }
        this.maxContextLength = maxContextLength;
    }

    /** Continues one prompt. */
    public GenerationResult generate(int[] promptIds, SamplingParams params, GenerationListener listener) {
        return generate(List.of(new GenerationRequest(promptIds, params)), listener).getFirst();
    }

    /**
     * Continues every request's prompt, as one batch; results in the order of the requests.
     *
     * @throws IllegalArgumentException when a prompt does not fit the context or holds an id
     *     outside the model's vocabulary
     */
    @SuppressWarnings("try") // gradients stay off while the mode is open
    public List<GenerationResult> generate(List<GenerationRequest> requests, GenerationListener listener) {
        if (requests.isEmpty()) {
            return List.of();
        }
        Objects.requireNonNull(listener, "listener");
        try (GradMode off = ops.noGrad()) {
            try {
                return new Batch(requests, listener).run();
            } catch (PaddingUnsupported e) {
                List<GenerationResult> results = new ArrayList<>();
                for (int i = 0; i < requests.size(); i++) {
                    results.add(new Batch(List.of(requests.get(i)), renumbered(listener, i)).run().getFirst());
                }
                return results;
            }
        }
    }

    private static GenerationListener renumbered(GenerationListener listener, int row) {
        return new GenerationListener() {
            @Override
            public void onToken(int ignored, int tokenId, String text, TokenLogprobs logprobs) {
                listener.onToken(row, tokenId, text, logprobs);
            }

            @Override
            public void onFinish(int ignored, String text, GenerationResult result) {
                listener.onFinish(row, text, result);
            }
        };
    }

    /** Thrown before any token is generated when the model cannot mask a padded batch. */
    private static final class PaddingUnsupported extends RuntimeException {
        PaddingUnsupported(UnsupportedOperationException cause) {
            super(cause);
        }
    }

    /** One batched run: the padded prompts, the cache, and a sequence per row. */
    private final class Batch {

        private final List<GenerationRequest> requests;
        private final GenerationListener listener;
        private final int rows;
        private final int promptWidth;
        private final int[] padding;
        private final int capacity;
        private final int padId;
        private final boolean masked;
        private final List<Sequence> sequences = new ArrayList<>();
        /** Tokens each row holds in the cache, padding included. */
        private int filled;

        Batch(List<GenerationRequest> requests, GenerationListener listener) {
            this.requests = requests;
            this.listener = listener;
            this.rows = requests.size();
            int longest = 0;
            long mostNew = 0;
            for (GenerationRequest r : requests) {
                longest = Math.max(longest, r.promptIds().length);
                mostNew = Math.max(mostNew, r.params().maxNewTokens());
            }
            this.promptWidth = longest;
            checkPrompts();
            this.padding = new int[rows];
            boolean anyPadding = false;
            for (int b = 0; b < rows; b++) {
                padding[b] = longest - requests.get(b).promptIds().length;
                anyPadding |= padding[b] > 0;
            }
            this.masked = anyPadding;
            // the last token generated is never fed back, so it needs no room in the cache
            this.capacity = (int) Math.min(longest + mostNew - 1, maxContextLength - 1L);
            // what fills the padding is masked out; it only has to be an id the model knows
            int vocab = model.config().integer("vocab_size").orElse(Integer.MAX_VALUE);
            this.padId = tokenizer.specialTokens().pad().stream().filter(id -> id < vocab).findFirst().orElse(0);
        }

        List<GenerationResult> run() {
            try (KvCache cache = model.newCache(rows, capacity)) {
                float[] logits = prefill(cache);
                int vocab = logits.length / rows;
                checkVocabulary(vocab);
                for (int b = 0; b < rows; b++) {
                    sequences.add(new Sequence(b, requests.get(b), tokenizer, vocab, listener));
                }
                while (true) {
                    for (int b = 0; b < rows; b++) {
                        Sequence s = sequences.get(b);
                        if (!s.finished()) {
                            s.step(logits, b * vocab, vocab);
                        }
                    }
                    if (sequences.stream().allMatch(Sequence::finished)) {
                        break;
                    }
                    if (filled >= capacity) {
                        sequences.stream().filter(s -> !s.finished()).forEach(Sequence::finishForLength);
                        break;
                    }
                    logits = decode(cache);
                }
            }
            return sequences.stream().map(Sequence::result).toList();
        }

        private float[] prefill(KvCache cache) {
            int[] ids = new int[rows * promptWidth];
            int[] positions = new int[rows * promptWidth];
            for (int b = 0; b < rows; b++) {
                int[] prompt = requests.get(b).promptIds();
                for (int t = 0; t < promptWidth; t++) {
                    int i = b * promptWidth + t;
                    ids[i] = t < padding[b] ? padId : prompt[t - padding[b]];
                    positions[i] = Math.max(0, t - padding[b]);
                }
            }
            try {
                return forward(cache, ids, positions, promptWidth);
            } catch (UnsupportedOperationException e) {
                if (masked) {
                    throw new PaddingUnsupported(e);
                }
                throw e;
            }
        }

        private float[] decode(KvCache cache) {
            int[] ids = new int[rows];
            int[] positions = new int[rows];
            for (int b = 0; b < rows; b++) {
                Sequence s = sequences.get(b);
                ids[b] = s.finished() ? padId : s.lastToken();
                positions[b] = filled - padding[b];
            }
            return forward(cache, ids, positions, 1);
        }

        /** Runs the model on {@code [rows, seq]} ids; returns the logits of each row's last position. */
        @SuppressWarnings("try") // the scope frees the step's tensors by being open
        private float[] forward(KvCache cache, int[] ids, int[] positions, int seq) {
            try (TensorScope step = ops.scope()) {
                Tensor mask = masked ? ops.tensor(mask(filled + seq), Shape.of(rows, filled + seq)) : null;
                Tensor last = lastLogits(ops.tensor(ids, Shape.of(rows, seq)),
                        ops.tensor(positions, Shape.of(rows, seq)), mask, cache, seq);
                filled += seq;
                return last.toFloatArray();
            }
        }

        /** {@code [rows, vocab]}: by the model's last-position forward where it has one. */
        private Tensor lastLogits(Tensor ids, Tensor positions, Tensor mask, KvCache cache, int seq) {
            if (!forwardLastUnsupported) {
                try {
                    Tensor last = model.forwardLast(ids, positions, mask, cache);
                    requireShape(last, rows, -1);
                    return last;
                } catch (UnsupportedOperationException notOffered) {
                    // the full forward below says whether it was the mask
                }
            }
            Tensor logits = model.forward(ids, positions, mask, cache);
            forwardLastUnsupported = true;
            requireShape(logits, rows, seq);
            return seq == 1 ? logits : ops.narrow(logits, 1, seq - 1, 1);
        }

        private void requireShape(Tensor logits, int batch, int seq) {
            Shape shape = logits.shape();
            boolean ok = seq < 0 ? shape.rank() == 2 && shape.dim(0) == batch
                    : shape.rank() == 3 && shape.dim(0) == batch && shape.dim(1) == seq;
            if (!ok) {
                throw new IllegalStateException("the model returned logits " + shape + " for "
                        + batch + " rows; expected " + (seq < 0 ? "[" + batch + ", vocab]"
                        : "[" + batch + ", " + seq + ", vocab]"));
            }
        }

        /** Hugging Face's attention_mask over {@code length} cached-plus-new positions: 0 on padding. */
        private int[] mask(int length) {
            int[] mask = new int[rows * length];
            for (int b = 0; b < rows; b++) {
                for (int t = padding[b]; t < length; t++) {
                    mask[b * length + t] = 1;
                }
            }
            return mask;
        }

        private void checkPrompts() {
            for (int b = 0; b < rows; b++) {
                int length = requests.get(b).promptIds().length;
                if (length >= maxContextLength) {
                    throw new IllegalArgumentException("prompt " + b + " has " + length
                            + " tokens, which leaves no room to generate in the model's context of "
                            + maxContextLength);
                }
            }
            model.config().integer("vocab_size").ifPresent(this::checkVocabulary);
        }

        private void checkVocabulary(int vocab) {
            for (int b = 0; b < rows; b++) {
                for (int id : requests.get(b).promptIds()) {
                    if (id < 0 || id >= vocab) {
                        throw new IllegalArgumentException("prompt " + b + " holds token id " + id
                                + ", outside the model's vocabulary of " + vocab);
                    }
                }
            }
        }
    }
}
