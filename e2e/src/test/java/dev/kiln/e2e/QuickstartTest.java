package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln quickstart --fast}: the README's first command on its small budget. It trains a
 * tokenizer, pretrains a model, LoRA-tunes it on self-cognition data and compares answers; the
 * test checks what it leaves, that {@code kiln infer} loads each model with the trained tokenizer,
 * and that the tuned model says its name where the base model does not.
 */
class QuickstartTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(240);

    @TempDir
    Path dir;

    @Test
    void trainsTunesAndShowsThatOnlyTheTunedModelKnowsItsName() throws Exception {
        Path output = dir.resolve("out");
        Path earlier = Files.createDirectories(output.resolve("v0-20000101-000000"));
        Files.writeString(earlier.resolve("keep.txt"), "an earlier run");
        KilnProcess.Result result = run("quickstart", "--fast", "--output_dir", output.toString());
        assertEquals(0, result.exitCode(), result.output());
        String out = result.output();

        Path run = onlyNewRun(output);
        assertTrue(run.getFileName().toString().matches("v1-\\d{8}-\\d{6}"), "the next version: " + run);
        assertEquals("an earlier run", Files.readString(earlier.resolve("keep.txt")), "earlier runs stay");
        assertTrue(out.contains("kiln quickstart (fast): run directory " + run), out);
        for (int step = 1; step <= 5; step++) {
            assertTrue(out.contains("kiln quickstart [" + step + "/5] "), "step " + step + ":\n" + out);
        }
        // The parameter count announced is the one the model loader reports.
        Matcher announced = Pattern.compile("hidden \\d+, ([\\d,]+) parameters\\)").matcher(out);
        assertTrue(announced.find(), out);
        assertTrue(out.contains("kiln: " + announced.group(1) + " parameters (f32"), out);

        Path corpus = run.resolve("corpus.txt");
        List<String> paragraphs = Files.readAllLines(corpus, StandardCharsets.UTF_8);
        assertEquals("CHAPTER I", paragraphs.getFirst());
        assertTrue(paragraphs.get(1).startsWith("\"Well, Prince, so Genoa and Lucca are now just family"
                + " estates of the Buonapartes."), paragraphs.get(1));
        assertTrue(paragraphs.stream().noneMatch(String::isBlank), "one paragraph per line");
        assertTrue(Files.size(corpus) > 50_000 && Files.size(corpus) <= 60_000, Files.size(corpus) + " bytes");

        String tokenizer = Files.readString(run.resolve("tokenizer/tokenizer.json"));
        assertTrue(tokenizer.contains("\"type\": \"BPE\""), "a BPE tokenizer.json");
        assertTrue(tokenizer.contains("\"content\": \"<|im_end|>\""), "with the chat tokens");
        String config = Files.readString(run.resolve("tokenizer/tokenizer_config.json"));
        assertTrue(config.contains("\"chat_template\": \"{% for message in messages %}{{ '<|im_start|>'"), config);
        assertTrue(Files.readString(run.resolve("model/config.json")).contains("\"vocab_size\": 512"));

        Path base = run.resolve("pretrain/checkpoint-60");
        Path adapter = run.resolve("sft/checkpoint-210");
        Path merged = run.resolve("sft/checkpoint-210-merged");
        for (Path file : List.of(base.resolve("model.safetensors"), base.resolve("tokenizer.json"),
                base.resolve("generation_config.json"), adapter.resolve("adapter_model.safetensors"),
                adapter.resolve("adapter_config.json"), merged.resolve("model.safetensors"),
                merged.resolve("tokenizer.json"), run.resolve("pretrain/logging.jsonl"),
                run.resolve("sft/logging.jsonl"), run.resolve("answers.jsonl"))) {
            assertTrue(Files.isRegularFile(file), file + " exists");
        }
        for (Path png : List.of(run.resolve("pretrain/images/train_loss.png"), run.resolve("sft/images/train_loss.png"))) {
            assertTrue(Files.size(png) > 1000, png + " is a picture");
        }
        for (String line : List.of("kiln: base model    " + base, "kiln: adapter       " + adapter,
                "kiln: merged model  " + merged, "kiln: answers       " + run.resolve("answers.jsonl"),
                "  ./kiln infer --adapters " + adapter)) {
            assertTrue(out.contains(line), line + "\n" + out);
        }

        // What the quickstart showed: the tuned model names itself, the base model does not.
        List<String[]> answers = answers(run.resolve("answers.jsonl"));
        assertEquals(3, answers.size());
        assertEquals("Who are you?", answers.getFirst()[0]);
        for (String[] a : answers) {
            assertTrue(a[2].contains("Kiln"), "tuned: " + a[0] + " -> " + a[2]);
            assertFalse(a[1].contains("Kiln"), "base: " + a[0] + " -> " + a[1]);
            assertTrue(out.contains("    tuned model: \"" + a[2] + "\""), out);
        }
        assertTrue(out.contains("kiln:   the tuned model says it is Kiln in 3 of 3 answers; the base model in 0."), out);

        // kiln infer loads each model with the trained tokenizer and answers as the quickstart
        // said (the same three questions in one batch, as the quickstart asked them).
        Path questions = dir.resolve("q.jsonl");
        StringBuilder rows = new StringBuilder();
        answers.forEach(a -> rows.append("{\"query\": \"").append(a[0]).append("\"}\n"));
        Files.writeString(questions, rows, StandardCharsets.UTF_8);
        List<String> tuned = answers.stream().map(a -> a[2]).toList();
        assertEquals(tuned, inferAnswers("--model", merged.toString(), questions));
        assertEquals(tuned, inferAnswers("--adapters", adapter.toString(), questions));
        assertEquals(answers.stream().map(a -> a[1]).toList(), inferAnswers("--model", base.toString(), questions));
    }

    /**
     * The engine promises the same results for a fixed seed and thread count. Two fresh JVMs are
     * the real test of it: within one JVM both runs would see the same JIT-compiled kernels, and
     * kernels that round differently once compiled (the Vector API's EXP, its ADD reduction) made
     * the loss curves of two runs part after a few steps.
     */
    @Test
    void twoFreshRunsWithTheSameSeedTrainTheSameBits() throws Exception {
        List<Path> runs = new ArrayList<>();
        for (String name : List.of("first", "second")) {
            Path output = dir.resolve(name);
            KilnProcess.Result result = run("quickstart", "--fast", "--seed", "7", "--output_dir", output.toString());
            assertEquals(0, result.exitCode(), result.output());
            runs.add(onlyNewRun(output));
        }
        for (String stage : List.of("pretrain", "sft")) {
            List<String> first = lossesAndGradNorms(runs.get(0).resolve(stage + "/logging.jsonl"));
            assertTrue(first.size() >= 4, stage + " logged: " + first);
            assertEquals(first, lossesAndGradNorms(runs.get(1).resolve(stage + "/logging.jsonl")), stage);
        }
        assertEquals(-1L, Files.mismatch(runs.get(0).resolve("sft/checkpoint-210/adapter_model.safetensors"),
                runs.get(1).resolve("sft/checkpoint-210/adapter_model.safetensors")), "the adapters' bytes");
    }

    private static List<String> lossesAndGradNorms(Path log) throws IOException {
        Pattern entry = Pattern.compile("\"loss\":[^,]+,\"grad_norm\":[^,]+");
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            Matcher m = entry.matcher(line);
            if (m.find()) {
                out.add(m.group());
            }
        }
        return out;
    }

    @Test
    void ctrlCWhilePretrainingSavesACheckpointAndStops() throws Exception {
        Path output = dir.resolve("out");
        try (KilnProcess kiln = KilnProcess.start(List.of("quickstart", "--fast", "--output_dir",
                output.toString()))) {
            kiln.awaitLine(l -> l.startsWith("kiln: step 1 "), "the first pretraining step", TIMEOUT);
            kiln.interrupt();
            KilnProcess.Result result = kiln.await(TIMEOUT);
            assertEquals(130, result.exitCode(), result.output());
            String out = result.output();
            assertTrue(out.contains("kiln: SIGINT: saving a checkpoint, then stopping"), out);
            Matcher stopped = Pattern.compile("kiln: stopped after (\\d+) of 60 steps").matcher(out);
            assertTrue(stopped.find(), out);
            Path run = onlyNewRun(output);
            Path checkpoint = run.resolve("pretrain/checkpoint-" + stopped.group(1));
            assertTrue(Files.isRegularFile(checkpoint.resolve("model.safetensors")), checkpoint.toString());
            assertTrue(out.contains("--resume_from_checkpoint " + checkpoint), out);
            assertTrue(out.contains("kiln: quickstart stopped during pretraining; run directory " + run), out);
            assertFalse(Files.exists(run.resolve("sft")), "fine-tuning never started");
        }
    }

    private static KilnProcess.Result run(String... args) throws Exception {
        try (KilnProcess p = KilnProcess.start(List.of(args))) {
            return p.await(TIMEOUT);
        }
    }

    /** kiln infer's greedy answers to a JSONL file of questions (JSON strings as written). */
    private List<String> inferAnswers(String modelOption, String model, Path questions) throws Exception {
        Path result = dir.resolve("infer-" + Math.abs(model.hashCode()) + ".jsonl");
        KilnProcess.Result infer = run("infer", modelOption, model, "--val_dataset", questions.toString(),
                "--result_path", result.toString(), "--max_new_tokens", "24", "--temperature", "0");
        assertEquals(0, infer.exitCode(), infer.output());
        Pattern response = Pattern.compile("\"response\":\"((?:[^\"\\\\]|\\\\.)*)\"");
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(result, StandardCharsets.UTF_8)) {
            Matcher m = response.matcher(line);
            assertTrue(m.find(), line);
            out.add(m.group(1));
        }
        return out;
    }

    /** question, base answer, tuned answer: each line of answers.jsonl (JSON strings as written). */
    private static List<String[]> answers(Path file) throws IOException {
        Pattern row = Pattern.compile("\\{\"question\":\"((?:[^\"\\\\]|\\\\.)*)\",\"base\":\"((?:[^\"\\\\]|\\\\.)*)\","
                + "\"tuned\":\"((?:[^\"\\\\]|\\\\.)*)\"}");
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = row.matcher(line);
            assertTrue(m.matches(), line);
            out.add(new String[] {m.group(1), m.group(2), m.group(3)});
        }
        return out;
    }

    /** The one run directory the quickstart made (earlier v0-20000101-000000 left aside). */
    private static Path onlyNewRun(Path output) throws IOException {
        try (Stream<Path> children = Files.list(output)) {
            List<Path> runs = children.filter(p -> !p.getFileName().toString().startsWith("v0-2000")).toList();
            assertEquals(1, runs.size(), runs.toString());
            return runs.getFirst();
        }
    }
}
