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
 * {@code kiln sft}, {@code kiln pt}, {@code kiln export} and {@code kiln infer --adapters} on a
 * tiny Llama 3 checkpoint with a byte-level tokenizer ({@link TinyCheckpoints}): what a user
 * runs, what they see and the files they get.
 */
class TrainTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    @TempDir
    Path dir;

    /** Two questions with short answers, each twice: what the adapter memorizes. */
    private Path qaDataset() throws IOException {
        Path data = dir.resolve("qa.jsonl");
        String a = "{\"messages\": [{\"role\": \"user\", \"content\": \"who are you?\"}, "
                + "{\"role\": \"assistant\", \"content\": \"I am Kiln.\"}]}\n";
        String b = "{\"query\": \"2+2?\", \"response\": \"four\"}\n";
        Files.writeString(data, a + b + a + b, StandardCharsets.UTF_8);
        return data;
    }

    private Path questions() throws IOException {
        Path questions = dir.resolve("questions.jsonl");
        Files.writeString(questions, "{\"query\": \"who are you?\"}\n{\"query\": \"2+2?\"}\n",
                StandardCharsets.UTF_8);
        return questions;
    }

    @Test
    void sftWithLoraThenInferWithTheAdapterAndWithTheMergedModel() throws Exception {
        Path model = TinyCheckpoints.model(dir.resolve("tiny"));
        Path output = dir.resolve("output");
        KilnProcess.Result sft = run("sft", "--model", model.toString(), "--train_type", "lora",
                "--dataset", qaDataset().toString(), "--lora_rank", "8", "--lora_alpha", "16",
                "--lora_dropout", "0", "--learning_rate", "2e-2", "--lr_scheduler_type", "constant",
                "--warmup_ratio", "0", "--max_steps", "40", "--per_device_train_batch_size", "2",
                "--gradient_accumulation_steps", "1", "--logging_steps", "10", "--save_steps", "20",
                "--save_total_limit", "1", "--output_dir", output.toString());
        assertEquals(0, sft.exitCode(), sft.output());
        Path run = onlyChild(output);
        assertTrue(run.getFileName().toString().matches("v0-\\d{8}-\\d{6}"), run.toString());
        assertEquals(List.of("checkpoint-40"), names(run, "checkpoint-"), "--save_total_limit 1");
        Path checkpoint = run.resolve("checkpoint-40");
        for (String file : List.of("adapter_config.json", "adapter_model.safetensors",
                "optimizer.safetensors", "scheduler.json", "rng_state.json", "trainer_state.json",
                "args.json")) {
            assertTrue(Files.isRegularFile(checkpoint.resolve(file)), file);
        }
        assertTrue(Files.readString(checkpoint.resolve("adapter_config.json"))
                .contains("\"base_model_name_or_path\": \"" + model + "\""));
        List<String> log = Files.readAllLines(run.resolve("logging.jsonl"));
        assertEquals(6, log.size(), "steps 1, 10, 20, 30, 40 and the summary: " + log);
        assertTrue(log.getFirst().contains("\"step\":1") && log.getFirst().contains("\"loss\":"), log.getFirst());
        assertTrue(log.getLast().contains("\"train_loss\":"), log.getLast());
        assertTrue(Files.size(run.resolve("images/train_loss.png")) > 1000);
        assertTrue(Files.isRegularFile(run.resolve("args.json")));
        String out = sft.output();
        assertTrue(out.contains("kiln: lora: "), out);
        assertTrue(out.contains("kiln: step 10  epoch 5.0"), out);
        assertTrue(out.contains("kiln: trained 40 of 40 steps"), out);
        assertTrue(out.contains("kiln: last checkpoint " + checkpoint), out);
        assertTrue(out.contains("kiln: next: kiln infer --adapters " + checkpoint), out);
        assertTrue(out.contains("kiln: loss curve      " + run.resolve("images/train_loss.png")), out);

        List<String> adapted = answers(run("infer", "--adapters", checkpoint.toString(),
                "--val_dataset", questions().toString(), "--result_path", dir.resolve("a.jsonl").toString(),
                "--max_new_tokens", "12"), dir.resolve("a.jsonl"));
        assertEquals(List.of("I am Kiln.", "four"), adapted, "the adapter memorized the answers");

        KilnProcess.Result export = run("export", "--adapters", checkpoint.toString(), "--merge_lora", "true");
        assertEquals(0, export.exitCode(), export.output());
        Path merged = run.resolve("checkpoint-40-merged");
        assertTrue(export.output().contains("merged model written to " + merged), export.output());
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json",
                "tokenizer_config.json", "generation_config.json")) {
            assertTrue(Files.isRegularFile(merged.resolve(file)), file);
        }
        List<String> mergedAnswers = answers(run("infer", "--model", merged.toString(),
                "--val_dataset", questions().toString(), "--result_path", dir.resolve("m.jsonl").toString(),
                "--max_new_tokens", "12"), dir.resolve("m.jsonl"));
        assertEquals(adapted, mergedAnswers, "the merged model answers as the adapter did");
        List<String> base = answers(run("infer", "--model", model.toString(), "--val_dataset",
                questions().toString(), "--result_path", dir.resolve("b.jsonl").toString(),
                "--max_new_tokens", "12"), dir.resolve("b.jsonl"));
        assertFalse(base.contains("I am Kiln."), "the base model does not know: " + base);
    }

    @Test
    void ptTrainsAModelFromItsConfigAloneIntoALoadableDirectory() throws Exception {
        Path model = TinyCheckpoints.configOnly(dir.resolve("tiny-config"));
        Path corpus = dir.resolve("corpus.txt");
        Files.writeString(corpus, "The kiln fires the clay.\nThe clay becomes a pot.\n"
                + "A pot holds water.\nWater cools the kiln.\n", StandardCharsets.UTF_8);
        KilnProcess.Result pt = run("pt", "--model", model.toString(), "--dataset", corpus.toString(),
                "--train_type", "full", "--max_steps", "4", "--save_steps", "2", "--learning_rate", "1e-3",
                "--gradient_accumulation_steps", "1", "--logging_steps", "1",
                "--output_dir", dir.resolve("out").toString(), "--add_version", "false");
        assertEquals(0, pt.exitCode(), pt.output());
        assertTrue(pt.output().contains("no weights in " + model + ": initialized from config.json,"
                + " seed 42"), pt.output());
        Path checkpoint = dir.resolve("out/checkpoint-4");
        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json",
                "tokenizer_config.json", "generation_config.json", "optimizer.safetensors")) {
            assertTrue(Files.isRegularFile(checkpoint.resolve(file)), file);
        }
        assertTrue(pt.output().contains("kiln: next: kiln infer --model " + checkpoint), pt.output());
        KilnProcess.Result infer = run("infer", "--model", checkpoint.toString(), "--val_dataset",
                questions().toString(), "--result_path", dir.resolve("p.jsonl").toString(),
                "--max_new_tokens", "3");
        assertEquals(0, infer.exitCode(), infer.output());
        assertEquals(2, Files.readAllLines(dir.resolve("p.jsonl")).size());
    }

    /** A YAML config, and a run resumed from its checkpoint that repeats the rest of the curve. */
    @Test
    void aYamlConfiguredRunResumesWhereItsCheckpointStopped() throws Exception {
        Path model = TinyCheckpoints.model(dir.resolve("tiny"));
        Path yaml = dir.resolve("sft.yaml");
        Files.writeString(yaml, """
                # the same arguments as on the command line
                model: %s
                tuner_type: lora
                dataset:
                  - %s
                lora_rank: 4
                learning_rate: 1e-2
                max_steps: 6
                save_steps: 3
                logging_steps: 1
                per_device_train_batch_size: 1
                gradient_accumulation_steps: 2
                warmup_steps: 2
                add_version: false
                """.formatted(model, qaDataset()), StandardCharsets.UTF_8);
        KilnProcess.Result whole = run("sft", "--config", yaml.toString(), "--output_dir",
                dir.resolve("whole").toString());
        assertEquals(0, whole.exitCode(), whole.output());
        KilnProcess.Result resumed = run("sft", "--config", yaml.toString(), "--output_dir",
                dir.resolve("resumed").toString(), "--resume_from_checkpoint",
                dir.resolve("whole/checkpoint-3").toString());
        assertEquals(0, resumed.exitCode(), resumed.output());
        List<String> wholeLosses = losses(dir.resolve("whole/logging.jsonl"));
        List<String> resumedLosses = losses(dir.resolve("resumed/logging.jsonl"));
        assertEquals(6, wholeLosses.size(), wholeLosses.toString());
        assertEquals(wholeLosses.subList(3, 6), resumedLosses, "steps 4 to 6");
    }

    @Test
    void ctrlCSavesACheckpointBeforeExiting() throws Exception {
        Path model = TinyCheckpoints.model(dir.resolve("tiny"));
        Path output = dir.resolve("out");
        try (KilnProcess kiln = KilnProcess.start(List.of("sft", "--model", model.toString(),
                "--dataset", qaDataset().toString(), "--max_steps", "100000", "--logging_steps", "1",
                "--gradient_accumulation_steps", "1", "--output_dir", output.toString(),
                "--add_version", "false"))) {
            kiln.awaitLine(l -> l.startsWith("kiln: step 3 "), "the third step", TIMEOUT);
            kiln.interrupt();
            KilnProcess.Result result = kiln.await(TIMEOUT);
            assertEquals(130, result.exitCode(), result.output());
            Matcher stopped = Pattern.compile("kiln: stopped after (\\d+) of 100000 steps")
                    .matcher(result.output());
            assertTrue(stopped.find(), result.output());
            assertTrue(result.output().contains("kiln: SIGINT: saving a checkpoint, then stopping"),
                    result.output());
            Path checkpoint = output.resolve("checkpoint-" + stopped.group(1));
            assertTrue(Files.isRegularFile(checkpoint.resolve("adapter_model.safetensors")), checkpoint.toString());
            assertTrue(result.output().contains("--resume_from_checkpoint " + checkpoint), result.output());
        }
    }

    @Test
    void badInputIsNamed() throws Exception {
        Path model = TinyCheckpoints.model(dir.resolve("tiny"));
        KilnProcess.Result unknownTuner = run("sft", "--model", model.toString(), "--dataset",
                qaDataset().toString(), "--train_type", "qlora9");
        assertEquals(1, unknownTuner.exitCode(), unknownTuner.output());
        assertTrue(unknownTuner.output().contains("--train_type qlora9: no such tuner is installed;"
                + " installed: full, lora"), unknownTuner.output());

        Path missing = dir.resolve("nope.jsonl");
        KilnProcess.Result noFile = run("sft", "--model", model.toString(), "--dataset", missing.toString());
        assertEquals(1, noFile.exitCode(), noFile.output());
        assertTrue(noFile.output().contains(missing.toString()), noFile.output());

        Path yaml = dir.resolve("bad.yaml");
        Files.writeString(yaml, "model: " + model + "\nlora_rnk: 8\n");
        KilnProcess.Result badKey = run("sft", "--config", yaml.toString(), "--dataset", "x.jsonl");
        assertEquals(2, badKey.exitCode(), badKey.output());
        assertTrue(badKey.output().contains(yaml + ":2: unknown key 'lora_rnk' (did you mean 'lora_rank'?)"),
                badKey.output());

        KilnProcess.Result noModel = run("sft", "--dataset", "x.jsonl");
        assertEquals(2, noModel.exitCode(), noModel.output());
        assertTrue(noModel.output().contains("--model is required"), noModel.output());

        KilnProcess.Result notAnAdapter = run("export", "--adapters", model.toString(), "--merge_lora", "true");
        assertEquals(1, notAnAdapter.exitCode(), notAnAdapter.output());
        assertTrue(notAnAdapter.output().contains("a full model directory (config.json, no"
                + " adapter_config.json): use --model " + model), notAnAdapter.output());
    }

    private static KilnProcess.Result run(String... args) throws Exception {
        try (KilnProcess p = KilnProcess.start(List.of(args))) {
            return p.await(TIMEOUT);
        }
    }

    /** The "response" of every row of a batch-inference result file. */
    private static List<String> answers(KilnProcess.Result run, Path result) throws IOException {
        assertEquals(0, run.exitCode(), run.output());
        List<String> answers = new ArrayList<>();
        Pattern response = Pattern.compile("\"response\":\"((?:[^\"\\\\]|\\\\.)*)\"");
        for (String line : Files.readAllLines(result, StandardCharsets.UTF_8)) {
            Matcher m = response.matcher(line);
            assertTrue(m.find(), line);
            answers.add(m.group(1));
        }
        return answers;
    }

    /** The "loss" and "grad_norm" (unrounded) of every training log line, as written. */
    private static List<String> losses(Path logging) throws IOException {
        List<String> losses = new ArrayList<>();
        Pattern loss = Pattern.compile("\"loss\":([^,}]+),\"grad_norm\":([^,}]+)");
        for (String line : Files.readAllLines(logging, StandardCharsets.UTF_8)) {
            Matcher m = loss.matcher(line);
            if (m.find()) {
                losses.add(m.group(1) + " " + m.group(2));
            }
        }
        return losses;
    }

    private static Path onlyChild(Path dir) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            List<Path> all = children.toList();
            assertEquals(1, all.size(), all.toString());
            return all.getFirst();
        }
    }

    private static List<String> names(Path dir, String prefix) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            return children.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix))
                    .sorted().toList();
        }
    }
}
