package dev.kiln.core.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The progress the user watches: step/total, epoch, loss, learning rate, tokens per second and
 * the time left. On a terminal one line is redrawn after every step ({@code \r}); otherwise (a
 * log file, a pipe) a line is printed per logging step. Evaluations and saved checkpoints get a
 * line of their own.
 */
public final class ProgressLine implements TrainingListener {

    private final PrintStream out;
    private final boolean terminal;
    private long firstStep = -1;
    private long startNanos;
    private int drawnWidth;
    private double lossSum;
    private int lossSteps;
    private long tokens;
    private double seconds;

    /** @param terminal whether {@code out} is a terminal that honours {@code \r} */
    public ProgressLine(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onTrainBegin(TrainerState state) {
        firstStep = state.globalStep();
        startNanos = System.nanoTime();
    }

    @Override
    public void onStep(StepReport report) {
        if (Double.isFinite(report.loss())) {
            lossSum += report.loss();
            lossSteps++;
        }
        tokens += report.tokens();
        seconds += report.seconds();
        if (terminal) {
            String line = line(report);
            out.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
            out.flush();
            drawnWidth = line.length();
        }
    }

    @Override
    public void onLog(Map<String, Object> entry) {
        if (entry.containsKey("loss") && !terminal) {
            out.println(String.format(Locale.ROOT, "kiln: step %s  epoch %s  loss %s  lr %s  %s tok/s",
                    entry.get("step"), entry.get("epoch"), entry.get("loss"),
                    number(entry.get("learning_rate")), entry.get("tokens_per_second")));
        } else if (entry.containsKey("eval_loss")) {
            message(String.format(Locale.ROOT, "kiln: eval at step %s: loss %s, perplexity %s (%s tokens)",
                    entry.get("step"), number(entry.get("eval_loss")),
                    number(entry.get("eval_perplexity")), entry.get("eval_tokens")));
        }
        if (entry.containsKey("loss")) {
            lossSum = 0;
            lossSteps = 0;
        }
    }

    @Override
    public void onSave(Path checkpoint) {
        message("kiln: saved " + checkpoint);
    }

    @Override
    public void onTrainEnd(TrainingResult result) {
        if (terminal && drawnWidth > 0) {
            out.println();
            drawnWidth = 0;
        }
    }

    /** A line of its own, moving the redrawn progress line below it. */
    private void message(String text) {
        if (terminal && drawnWidth > 0) {
            out.print("\r" + " ".repeat(drawnWidth) + "\r");
            drawnWidth = 0;
        }
        out.println(text);
    }

    String line(StepReport r) {
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        long done = r.step() - firstStep;
        double eta = done > 0 ? elapsed / done * (r.totalSteps() - r.step()) : Double.NaN;
        double loss = lossSteps > 0 ? lossSum / lossSteps : Double.NaN;
        return String.format(Locale.ROOT, "Train %d/%d [%3.0f%%] epoch %.2f  loss %.4f  lr %s  %.0f tok/s  ETA %s",
                r.step(), r.totalSteps(), 100.0 * r.step() / r.totalSteps(), r.epoch(), loss,
                number(r.learningRate()), seconds > 0 ? tokens / seconds : 0, duration(eta));
    }

    /** h:mm:ss, or -:--:-- when unknown. */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "-:--:--";
        }
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    private static String number(Object value) {
        if (value instanceof Number n) {
            double d = n.doubleValue();
            return Math.abs(d) >= 1e-3 || d == 0 ? String.format(Locale.ROOT, "%.4g", d)
                    : String.format(Locale.ROOT, "%.3e", d);
        }
        return String.valueOf(value);
    }
}
