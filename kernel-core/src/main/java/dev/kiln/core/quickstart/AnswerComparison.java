package dev.kiln.core.quickstart;

import dev.kiln.api.chat.Message;
import dev.kiln.api.tensor.TensorOps;
import dev.kiln.core.generate.GenerationConfig;
import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.infer.ChatModel;
import dev.kiln.core.infer.ChatModelFactory;
import dev.kiln.core.json.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two models' greedy answers to the same questions, each asked alone in a chat, as
 * {@code kiln infer} answers them (the model's chat template, its generation_config.json's stop
 * tokens): what the quickstart shows to prove that fine-tuning taught the model who it is.
 */
final class AnswerComparison {

    /** One question and what each model answered. */
    record Row(String question, String base, String tuned) {}

    private final ChatModelFactory models;
    private final TensorOps ops;
    private final int maxNewTokens;

    AnswerComparison(ChatModelFactory models, TensorOps ops, int maxNewTokens) {
        this.models = models;
        this.ops = ops;
        this.maxNewTokens = maxNewTokens;
    }

    List<Row> compare(List<String> questions, Path base, Path tuned) throws IOException {
        List<String> before = answers(base, questions);
        List<String> after = answers(tuned, questions);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < questions.size(); i++) {
            rows.add(new Row(questions.get(i), before.get(i), after.get(i)));
        }
        return rows;
    }

    private List<String> answers(Path model, List<String> questions) throws IOException {
        try (ChatModel chat = models.open(model, ops, null, null)) {
            SamplingParams greedy = GenerationConfig.read(model).samplingDefaults().toBuilder()
                    .temperature(0).maxNewTokens(maxNewTokens).build();
            List<List<Message>> conversations = questions.stream()
                    .map(q -> List.of(Message.of(Message.USER, q))).toList();
            return chat.replyAll(conversations, greedy, GenerationListener.NONE).stream()
                    .map(GenerationResult::text).toList();
        }
    }

    /** The rows as the user reads them: each answer quoted, on one line. */
    static void print(List<Row> rows, PrintStream out) {
        for (Row row : rows) {
            out.println("  " + row.question());
            out.println("    base model:  " + Json.write(row.base()));
            out.println("    tuned model: " + Json.write(row.tuned()));
        }
    }

    /** One JSON object per row: question, base, tuned. */
    static void write(List<Row> rows, Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Row row : rows) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("question", row.question());
            json.put("base", row.base());
            json.put("tuned", row.tuned());
            text.append(Json.write(json)).append('\n');
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
