package dev.kiln.core.train;

import dev.kiln.core.train.plot.LineChart;
import dev.kiln.core.train.plot.PngEncoder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The loss curve of a run as a PNG: the logged training loss and, when the run evaluated, the
 * validation loss, over the step, from the whole log history (a resumed run's included). Drawn
 * without java.awt, so it works on any JVM.
 */
public final class LossCurve {

    /** Where it goes in the run directory, as ms-swift places its plots. */
    public static final String FILE = "images/train_loss.png";

    private static final int BLUE = 0x1F77B4;
    private static final int ORANGE = 0xFF7F0E;

    private LossCurve() {}

    /**
     * Writes the curve of {@code logHistory} under {@code runDirectory}.
     *
     * @return the file written
     */
    public static Path write(Path runDirectory, List<Map<String, Object>> logHistory)
            throws IOException {
        LineChart chart = new LineChart("loss", "step");
        chart.add(series("train loss", BLUE, logHistory, "loss"));
        LineChart.Series eval = series("eval loss", ORANGE, logHistory, "eval_loss");
        if (eval.xs().length > 0) {
            chart.add(eval);
        }
        Path file = runDirectory.resolve(FILE);
        Files.createDirectories(file.getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            PngEncoder.write(chart.draw(), out);
        }
        return file;
    }

    private static LineChart.Series series(String label, int color, List<Map<String, Object>> history,
            String key) {
        List<double[]> points = new ArrayList<>();
        for (Map<String, Object> entry : history) {
            if (entry.get(key) instanceof Number y && entry.get("step") instanceof Number x) {
                points.add(new double[] {x.doubleValue(), y.doubleValue()});
            }
        }
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            xs[i] = points.get(i)[0];
            ys[i] = points.get(i)[1];
        }
        return new LineChart.Series(label, color, xs, ys);
    }
}
