package dev.kiln.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln infer} on llama.cpp's tiny random Llama 2 GGUF (weights-gguf's test fixture): its
 * weights, configuration and vocabulary all come from the one file.
 */
class InferTest {

    private static final Path GGUF = Path.of(
            "../plugins-models/weights-gguf/src/test/resources/fixtures/llama-2-tiny-random.gguf")
            .toAbsolutePath().normalize();

    /** A tiny random Llama 3 checkpoint that the llama bundle's tests generate with PyTorch. */
    private static final Path LLAMA3 = Path.of("../plugins-models/llama/src/test/resources/checkpoints/llama3")
            .toAbsolutePath().normalize();

    @Test
    void chatAnswersEachLineAndGreedyDecodingRepeatsExactly() throws Exception {
        String first = chat("Hello there\nHow are you?\n");
        String second = chat("Hello there\nHow are you?\n");
        assertTrue(first.contains("f16 513,024"), first);
        assertTrue(first.contains("chat template: default (the model ships no chat template)"), first);
        List<String> answers = answers(first);
        assertEquals(2, answers.size(), first);
        assertFalse(answers.get(0).isBlank(), first);
        assertEquals(answers, answers(second), "greedy decoding is deterministic");
    }

    @Test
    void aDatasetIsAnsweredIntoJsonl(@TempDir Path dir) throws Exception {
        Path dataset = dir.resolve("questions.jsonl");
        Files.writeString(dataset, """
                {"messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]}
                {"query": "Name a colour.", "response": "Blue"}

                {"instruction": "Translate to French", "input": "cat", "output": "chat"}
                """, StandardCharsets.UTF_8);
        Path result = dir.resolve("out/answers.jsonl");
        KilnProcess.Result run = run(List.of("infer", "--model", GGUF.toString(),
                "--val_dataset", dataset.toString(), "--result_path", result.toString(),
                "--max_new_tokens", "4", "--max_batch_size", "2"));
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("3 answers written to " + result), run.output());
        List<String> lines = Files.readAllLines(result, StandardCharsets.UTF_8);
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("{\"messages\":[{\"role\":\"user\",\"content\":\"What is 2+2?\"}],"
                + "\"response\":"), lines.get(0));
        assertTrue(lines.get(0).contains("\"labels\":\"4\""), lines.get(0));
        assertTrue(lines.get(1).contains("\"labels\":\"Blue\""), lines.get(1));
        assertTrue(lines.get(2).contains("\"content\":\"Translate to French\\ncat\""), lines.get(2));
        for (String line : lines) {
            assertTrue(line.matches(".*\"finish_reason\":\"(stop|length)\",\"usage\":\\{\"prompt_tokens\":\\d+,"
                    + "\"completion_tokens\":[1-4],\"total_tokens\":\\d+}}"), line);
        }
    }

    @Test
    void badInputIsOneClearLine(@TempDir Path dir) throws Exception {
        KilnProcess.Result missing = run(List.of("infer", "--model", dir.resolve("nothing-here").toString()));
        assertEquals(1, missing.exitCode(), missing.output());
        assertTrue(missing.output().contains("nothing-here: no such file or directory"), missing.output());

        KilnProcess.Result template = run(List.of("infer", "--model", GGUF.toString(), "--template", "vicuna"));
        assertEquals(1, template.exitCode(), template.output());
        assertTrue(template.output().contains("--template vicuna: no such template; installed: "
                + "alpaca, chatml, default, llama2, llama3, qwen"), template.output());

        KilnProcess.Result topP = run(List.of("infer", "--model", GGUF.toString(), "--top_p", "1.5"));
        assertEquals(1, topP.exitCode(), topP.output());
        assertTrue(topP.output().contains("top_p must be in (0, 1]"), topP.output());

        Path mamba = Files.createDirectories(dir.resolve("mamba"));
        Files.copy(LLAMA3.resolve("model.safetensors"), mamba.resolve("model.safetensors"));
        Files.writeString(mamba.resolve("config.json"), Files.readString(LLAMA3.resolve("config.json"))
                .replace("LlamaForCausalLM", "MambaForCausalLM").replace("\"llama\"", "\"mamba\""));
        KilnProcess.Result unknown = run(List.of("infer", "--model", mamba.toString()));
        assertEquals(1, unknown.exitCode(), unknown.output());
        assertTrue(unknown.output().contains("MambaForCausalLM"), unknown.output());
        assertTrue(unknown.output().contains("gpt2") && unknown.output().contains("llama"),
                "lists the installed families: " + unknown.output());
    }

    private static String chat(String lines) throws Exception {
        try (KilnProcess p = KilnProcess.start(List.of("infer", "--model", GGUF.toString(),
                "--max_new_tokens", "8"))) {
            p.type(lines, true);
            KilnProcess.Result result = p.await(Duration.ofSeconds(90));
            assertEquals(0, result.exitCode(), result.output());
            return result.output();
        }
    }

    /** The text after each ">>> " prompt, up to the next "<<< ". */
    private static List<String> answers(String output) {
        Matcher m = Pattern.compile(">>> (.*?)\\n?<<< ", Pattern.DOTALL).matcher(output);
        List<String> answers = new java.util.ArrayList<>();
        while (m.find()) {
            answers.add(m.group(1));
        }
        return answers;
    }

    private static KilnProcess.Result run(List<String> args) throws Exception {
        try (KilnProcess p = KilnProcess.start(args)) {
            p.type("", true);
            return p.await(Duration.ofSeconds(90));
        }
    }
}
