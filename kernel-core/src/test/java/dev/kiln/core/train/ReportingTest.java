package dev.kiln.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kiln.core.json.Json;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the user sees and finds: the progress line, logging.jsonl, the loss curve, run names. */
class ReportingTest {

    @TempDir
    Path dir;

    private static List<Map<String, Object>> history() {
        List<Map<String, Object>> history = new ArrayList<>();
        for (int step = 1; step <= 40; step++) {
            history.add(Map.of("loss", 3.0 / step + 0.5, "step", (long) step, "epoch", step / 40.0,
                    "learning_rate", 1e-4));
            if (step % 10 == 0) {
                history.add(Map.of("eval_loss", 3.5 / step + 0.7, "step", (long) step));
            }
        }
        return history;
    }

    /** Decoded by javax.imageio, an independent PNG reader: the curves' colours are drawn. */
    @Test
    void theLossCurveIsAPngWithBothCurves() throws Exception {
        Path file = LossCurve.write(dir, history());
        assertEquals(dir.resolve("images/train_loss.png"), file);
        BufferedImage image = ImageIO.read(file.toFile());
        assertEquals(800, image.getWidth());
        assertEquals(500, image.getHeight());
        int blue = 0;
        int orange = 0;
        int black = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                switch (image.getRGB(x, y) & 0xFFFFFF) {
                    case 0x1F77B4 -> blue++;
                    case 0xFF7F0E -> orange++;
                    case 0x000000 -> black++;
                    default -> { }
                }
            }
        }
        assertTrue(blue > 1000, "train curve pixels: " + blue);
        assertTrue(orange > 200, "eval curve pixels: " + orange);
        assertTrue(black > 1000, "axes and labels: " + black);
        // the falling curve: its first point is high on the left, its last low on the right
        assertTrue(columnHas(image, 92, 0x1F77B4, 45, 120), "first point near the top");
        assertTrue(columnHas(image, 768, 0x1F77B4, 330, 445), "last point near the bottom");
    }

    private static boolean columnHas(BufferedImage image, int x, int rgb, int fromY, int toY) {
        for (int y = fromY; y < toY; y++) {
            if ((image.getRGB(x, y) & 0xFFFFFF) == rgb) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aCurveWithoutLoggedLossesIsStillAnImage() throws Exception {
        Path file = LossCurve.write(dir, List.of(Map.of("train_loss", 1.0, "step", 1L)));
        assertEquals(800, ImageIO.read(file.toFile()).getWidth());
    }

    @Test
    void onATerminalTheLineIsRedrawnOtherwiseOneLinePerLog() {
        StepReport step = new StepReport(3, 10, 0.3, 2.5, 1e-4, 1.0, 1000, 0.5);
        Map<String, Object> log = Map.of("loss", 2.5, "learning_rate", 1e-4, "epoch", 0.3, "step", 3L,
                "tokens_per_second", 2000.0);
        ByteArrayOutputStream terminal = new ByteArrayOutputStream();
        ProgressLine redrawn = new ProgressLine(new PrintStream(terminal, true, StandardCharsets.UTF_8), true);
        redrawn.onTrainBegin(new TrainerState());
        redrawn.onStep(step);
        redrawn.onLog(log);
        redrawn.onStep(new StepReport(4, 10, 0.4, 2.4, 1e-4, 1.0, 1000, 0.5));
        String shown = terminal.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("\rTrain 3/10 [ 30%] epoch 0.30  loss 2.5000  lr 1.000e-04  2000 tok/s  ETA "),
                shown);
        assertTrue(shown.contains("\rTrain 4/10"), shown);
        assertFalse(shown.contains("\n"), "nothing but the redrawn line: " + shown);

        ByteArrayOutputStream file = new ByteArrayOutputStream();
        ProgressLine lines = new ProgressLine(new PrintStream(file, true, StandardCharsets.UTF_8), false);
        lines.onTrainBegin(new TrainerState());
        lines.onStep(step);
        lines.onLog(log);
        lines.onLog(Map.of("eval_loss", 2.0, "eval_perplexity", Math.exp(2), "eval_tokens", 50L, "step", 3L));
        lines.onSave(dir.resolve("checkpoint-3"));
        assertEquals(List.of("kiln: step 3  epoch 0.3  loss 2.5  lr 1.000e-04  2000.0 tok/s",
                "kiln: eval at step 3: loss 2.000, perplexity 7.389 (50 tokens)",
                "kiln: saved " + dir.resolve("checkpoint-3")),
                file.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void etaIsHoursMinutesSeconds() {
        assertEquals("1:01:01", ProgressLine.duration(3661));
        assertEquals("0:00:05", ProgressLine.duration(4.6));
        assertEquals("-:--:--", ProgressLine.duration(Double.NaN));
    }

    @Test
    void loggingJsonlHasOneObjectPerLoggedEntry() throws Exception {
        try (TrainingLog log = new TrainingLog(dir)) {
            history().forEach(log::onLog);
        }
        List<String> lines = Files.readAllLines(dir.resolve("logging.jsonl"));
        assertEquals(44, lines.size());
        assertEquals(2L, Json.parseObject(lines.get(1), "line 2").get("step"));
    }

    @Test
    void runDirectoriesAreVersionedAsMsSwiftNamesThem() throws Exception {
        LocalDateTime now = LocalDateTime.of(2025, 3, 4, 5, 6, 7);
        assertEquals(dir.resolve("v0-20250304-050607"), RunDirectory.create(dir, now));
        Files.createDirectories(dir.resolve("v7-20240101-000000"));
        Files.createDirectories(dir.resolve("other"));
        assertEquals(dir.resolve("v8-20250304-050607"), RunDirectory.create(dir, now));
    }

    @Test
    void argumentsOutOfRangeNameTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingArguments.builder().gradientAccumulationSteps(0).build());
        assertTrue(e.getMessage().startsWith("--gradient_accumulation_steps 0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainingArguments.builder().adamBeta2(1).build());
        assertTrue(e.getMessage().contains("--adam_beta2 1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainingArguments.builder().warmupRatio(1.5).build());
        assertTrue(e.getMessage().contains("--warmup_ratio 1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.Type.parse("step"));
        assertEquals("--lr_scheduler_type step: not one of linear, cosine, constant, constant_with_warmup",
                e.getMessage());
    }

    @Test
    void warmupStepsWinOverTheRatio() {
        assertEquals(5, LearningRateSchedule.warmupSteps(100, 5, 0.5));
        assertEquals(4, LearningRateSchedule.warmupSteps(70, 0, 0.05), "ceil(3.5)");
        assertEquals(0, LearningRateSchedule.warmupSteps(70, 0, 0));
    }

    @Test
    void trainerStateSurvivesItsJson() {
        TrainerState state = new TrainerState();
        state.configure(10, 2, TrainingArguments.defaults(), 4);
        state.stepDone(0.1, new dev.kiln.core.data.DataPosition(0, 2), 300);
        state.log(Map.of("loss", 2.0, "step", 1L));
        String json = Json.writeIndented(state.toJson());
        TrainerState back = TrainerState.fromJson(Json.parseObject(json, "state"), "state");
        assertEquals(json, Json.writeIndented(back.toJson()));
        assertEquals(Optional.of(300L), Optional.of(back.tokensSeen()));
    }
}
