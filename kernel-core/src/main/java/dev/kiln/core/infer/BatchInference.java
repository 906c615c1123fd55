package dev.kiln.core.infer;

import dev.kiln.api.chat.Message;
import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.SamplingParams;
import dev.kiln.core.json.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kiln infer --val_dataset}: answers every row of a JSONL file, in batches, into a JSONL
 * file of the same rows with the model's {@code response} (and the dataset's own answer as
 * {@code labels}, as ms-swift writes them). Rows are conversations in any of the layouts
 * {@link DatasetRow} reads.
 */
public final class BatchInference {

    private final ChatModel chat;
    private final SamplingParams params;
    private final String system;
    private final int batchSize;

    public BatchInference(ChatModel chat, SamplingParams params, String system, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--max_batch_size must be >= 1, got " + batchSize);
        }
        this.chat = chat;
        this.params = params;
        this.system = system;
        this.batchSize = batchSize;
    }

    /**
     * Answers {@code dataset} into {@code result}, written under a temporary name and renamed
     * when complete.
     *
     * @return the number of rows answered
     * @throws IOException naming the file and line of a row it cannot read
     */
    public int run(Path dataset, Path result, PrintStream progress) throws IOException {
        List<DatasetRow> rows = DatasetRow.readJsonl(dataset, system);
        Path partial = result.resolveSibling(result.getFileName() + ".partial");
        if (result.toAbsolutePath().getParent() != null) {
            Files.createDirectories(result.toAbsolutePath().getParent());
        }
        try (BufferedWriter out = Files.newBufferedWriter(partial, StandardCharsets.UTF_8)) {
            for (int start = 0; start < rows.size(); start += batchSize) {
                List<DatasetRow> batch = rows.subList(start, Math.min(rows.size(), start + batchSize));
                List<List<Message>> prompts = batch.stream().map(DatasetRow::prompt).toList();
                List<GenerationResult> answers = chat.replyAll(prompts, params, GenerationListener.NONE);
                for (int i = 0; i < batch.size(); i++) {
                    out.write(Json.write(record(batch.get(i), answers.get(i))));
                    out.newLine();
                }
                progress.println("kiln: answered " + (start + batch.size()) + "/" + rows.size());
            }
        }
        Files.move(partial, result, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return rows.size();
    }

    private static Map<String, Object> record(DatasetRow row, GenerationResult answer) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Object> messages = new ArrayList<>();
        for (Message m : row.prompt()) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", m.content());
            messages.add(message);
        }
        out.put("messages", messages);
        out.put("response", answer.text());
        out.put("labels", row.label());
        out.put("finish_reason", answer.finishReason().apiName());
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", answer.promptTokens());
        usage.put("completion_tokens", answer.completionTokens());
        usage.put("total_tokens", answer.promptTokens() + answer.completionTokens());
        out.put("usage", usage);
        return out;
    }
}
