package dev.kiln.core.train.plot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A line chart of one or more series over a shared x axis (the step), with "nice" tick values
 * on both axes, a title and a legend: the loss curve a run leaves in its output directory.
 */
public final class LineChart {

    /** A series: its legend label, colour (0xRRGGBB) and points, x ascending. */
    public record Series(String label, int color, double[] xs, double[] ys) {
        public Series {
            Objects.requireNonNull(label, "label");
            if (xs.length != ys.length) {
                throw new IllegalArgumentException("series " + label + ": " + xs.length + " x and "
                        + ys.length + " y values");
            }
        }
    }

    private static final int WIDTH = 800;
    private static final int HEIGHT = 500;
    private static final int LEFT = 90;
    private static final int RIGHT = 30;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;
    private static final int WHITE = 0xFFFFFF;
    private static final int BLACK = 0x000000;
    private static final int GRID = 0xE0E0E0;
    private static final int SCALE = 2;

    private final String title;
    private final String xLabel;
    private final List<Series> series = new ArrayList<>();

    public LineChart(String title, String xLabel) {
        this.title = title;
        this.xLabel = xLabel;
    }

    public LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Draws the chart; non-finite values are left out. */
    public Raster draw() {
        Raster r = new Raster(WIDTH, HEIGHT, WHITE);
        double[] xRange = range(true);
        double[] yRange = range(false);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        for (double tick : ticks(yRange[0], yRange[1])) {
            int y = TOP + plotH - (int) Math.round((tick - yRange[0]) / (yRange[1] - yRange[0]) * plotH);
            r.line(LEFT, y, LEFT + plotW, y, 1, GRID);
            String label = format(tick);
            r.text(label, LEFT - 8 - Raster.textWidth(label, SCALE), y - 7, SCALE, BLACK);
        }
        for (double tick : ticks(xRange[0], xRange[1])) {
            int x = LEFT + (int) Math.round((tick - xRange[0]) / (xRange[1] - xRange[0]) * plotW);
            r.line(x, TOP, x, TOP + plotH, 1, GRID);
            String label = format(tick);
            r.text(label, x - Raster.textWidth(label, SCALE) / 2, TOP + plotH + 8, SCALE, BLACK);
        }
        r.line(LEFT, TOP, LEFT, TOP + plotH, 2, BLACK);
        r.line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, 2, BLACK);
        r.text(title, (WIDTH - Raster.textWidth(title, SCALE)) / 2, 15, SCALE, BLACK);
        r.text(xLabel, LEFT + (plotW - Raster.textWidth(xLabel, SCALE)) / 2, HEIGHT - 25, SCALE, BLACK);
        int legendY = TOP + 8;
        for (Series s : series) {
            int previousX = -1;
            int previousY = -1;
            for (int i = 0; i < s.xs().length; i++) {
                if (!Double.isFinite(s.ys()[i]) || !Double.isFinite(s.xs()[i])) {
                    continue;
                }
                int x = LEFT + (int) Math.round((s.xs()[i] - xRange[0]) / (xRange[1] - xRange[0]) * plotW);
                int y = TOP + plotH - (int) Math.round((s.ys()[i] - yRange[0]) / (yRange[1] - yRange[0]) * plotH);
                if (previousX >= 0) {
                    r.line(previousX, previousY, x, y, 2, s.color());
                }
                r.fillRect(x - 2, y - 2, 5, 5, s.color());
                previousX = x;
                previousY = y;
            }
            int legendX = LEFT + plotW - 20 - Raster.textWidth(s.label(), SCALE);
            r.fillRect(legendX - 26, legendY + 5, 18, 4, s.color());
            r.text(s.label(), legendX, legendY, SCALE, BLACK);
            legendY += 20;
        }
        return r;
    }

    /** [min, max] over the finite values of every series, widened when empty or flat. */
    private double[] range(boolean x) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.xs().length; i++) {
                double v = x ? s.xs()[i] : s.ys()[i];
                if (Double.isFinite(s.xs()[i]) && Double.isFinite(s.ys()[i])) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
        }
        if (min > max) {
            return new double[] {0, 1};
        }
        if (max - min < 1e-12) {
            double pad = Math.max(Math.abs(min) * 0.1, 1e-3);
            return new double[] {min - pad, max + pad};
        }
        if (!x) {
            double pad = (max - min) * 0.05;
            return new double[] {min - pad, max + pad};
        }
        return new double[] {min, max};
    }

    /** Round values (1, 2 or 5 × 10^k apart) inside [min, max], about five of them. */
    static List<Double> ticks(double min, double max) {
        double raw = (max - min) / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2
                : raw / magnitude < 7.5 ? 5 : 10);
        List<Double> ticks = new ArrayList<>();
        for (long k = (long) Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) {
            ticks.add(k * step);
        }
        return ticks;
    }

    /** At most four significant digits, no trailing zeros: 0.25, 1200, 1.5e-05. */
    static String format(double value) {
        if (value == 0) {
            return "0";
        }
        double magnitude = Math.abs(value);
        if (magnitude >= 1e5 || magnitude < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", value).replace("e-0", "e-").replace("e+0", "e");
        }
        String text = new java.math.BigDecimal(value).round(new java.math.MathContext(4))
                .stripTrailingZeros().toPlainString();
        return text;
    }
}
