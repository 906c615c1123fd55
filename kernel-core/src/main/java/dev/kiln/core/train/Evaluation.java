package dev.kiln.core.train;

import dev.kiln.api.data.DatasetException;
import dev.kiln.api.model.CausalLM;
import dev.kiln.api.tensor.GradMode;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.api.tensor.TensorScope;
import dev.kiln.core.data.Batch;
import dev.kiln.core.data.BatchSource;
import dev.kiln.core.data.DataPosition;
import dev.kiln.core.data.EpochBatches;
import java.io.IOException;
import java.util.Optional;

/**
 * The eval loop: the loss of every validation batch without gradients, averaged per token over
 * the whole set (every trained token weighs the same, whatever batch it fell in), and its
 * perplexity {@code exp(loss)}.
 */
final class Evaluation {

    /**
     * @param loss the per-token mean loss
     * @param tokens the tokens that took loss
     * @param seconds how long it took
     */
    record Result(double loss, long tokens, double seconds) {
        double perplexity() {
            return Math.exp(loss);
        }
    }

    private final TensorOps ops;
    private final CausalLmLoss loss;

    Evaluation(TensorOps ops, CausalLM model) {
        this.ops = ops;
        this.loss = new CausalLmLoss(ops, model);
    }

    @SuppressWarnings("try") // the no-grad mode and the scope act by being open
    Result run(BatchSource validation) throws IOException, DatasetException {
        long start = System.nanoTime();
        double sum = 0;
        long tokens = 0;
        try (EpochBatches batches = validation.epoch(DataPosition.start()); GradMode off = ops.noGrad()) {
            for (Optional<Batch> next = batches.next(); next.isPresent(); next = batches.next()) {
                Batch batch = next.get();
                int[] targets = CausalLmLoss.targets(batch);
                int trained = CausalLmLoss.countTrained(targets);
                if (trained == 0) {
                    continue;
                }
                try (TensorScope scope = ops.scope()) {
                    sum += (double) loss.loss(batch, targets, trained, trained).item() * trained;
                }
                tokens += trained;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(tokens == 0 ? Double.NaN : sum / tokens, tokens, seconds);
    }
}
