package dev.kiln.api.eval;

import dev.kiln.api.data.Sample;
import java.util.List;
import java.util.Map;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A kind of evaluation task (perplexity, multiple-choice log-likelihood, generation with answer
 * extraction). Register with an {@link EvaluatorName}. It sees the model only through
 * {@link ModelProbe}, so the same evaluator runs on any family and backend.
 */
@ConsumerType
public interface Evaluator {

    /** Scores {@code samples}; returns metric name to value ({@code accuracy}, {@code ppl}, ...). */
    Map<String, Double> evaluate(List<Sample> samples, ModelProbe model, Map<String, Object> arguments);

    /** What an evaluator may ask of a model. */
    @ConsumerType
    interface ModelProbe {

        /** Sum of log-probabilities of {@code continuation} after {@code prompt}. */
        double logLikelihood(String prompt, String continuation);

        /** Greedy (or configured) generation of up to {@code maxTokens} tokens. */
        String generate(String prompt, int maxTokens);
    }
}
