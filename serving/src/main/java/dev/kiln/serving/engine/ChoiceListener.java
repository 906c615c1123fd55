package dev.kiln.serving.engine;

import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.TokenLogprobs;
import dev.kiln.serving.metrics.Metrics;

/**
 * Passes one choice's tokens and result to its submission, and times them: the first token's
 * delay since the request arrived, and the gaps between the tokens after it.
 */
final class ChoiceListener implements GenerationListener {

    private final Submission submission;
    private final int choice;
    private final Metrics metrics;
    private long lastTokenNanos;

    ChoiceListener(Submission submission, int choice, Metrics metrics) {
        this.submission = submission;
        this.choice = choice;
        this.metrics = metrics;
    }

    @Override
    public void onToken(int row, int tokenId, String text, TokenLogprobs logprobs) {
        long now = System.nanoTime();
        if (lastTokenNanos == 0) {
            metrics.timeToFirstToken((now - submission.arrivalNanos()) / 1e9);
        } else {
            metrics.interTokenLatency((now - lastTokenNanos) / 1e9);
        }
        lastTokenNanos = now;
        metrics.generationTokens(1);
        submission.emit(new Submission.Token(submission.number(choice), tokenId, text, logprobs));
    }

    @Override
    public void onFinish(int row, String text, GenerationResult result) {
        submission.emit(new Submission.Finished(submission.number(choice), text, result));
    }
}
