package dev.kiln.datasets.formats;

import dev.kiln.api.data.Row;
import java.util.List;
import java.util.Optional;

/**
 * The layouts a row can have, told apart by its fields in a fixed order as ms-swift's automatic
 * preprocessor does, so exactly one format claims any row:
 *
 * <ol>
 *   <li>{@code messages} (or {@code conversations} whose turns have {@code role}): MESSAGES
 *   <li>{@code conversations} / {@code conversation} otherwise: SHAREGPT
 *   <li>{@code chosen} and {@code rejected}: PREFERENCE
 *   <li>{@code completion} and {@code label}: KTO (unpaired prompt / completion / label)
 *   <li>{@code instruction}, or {@code input} with {@code output}: ALPACA
 *   <li>a query ({@code query}, {@code prompt}, {@code question}, {@code problem}) or a response
 *       ({@code response}, {@code answer}, {@code output}, {@code completion}, {@code solution}):
 *       QUERY_RESPONSE
 *   <li>{@code text}: TEXT
 * </ol>
 */
enum Layout {
    MESSAGES, SHAREGPT, PREFERENCE, KTO, ALPACA, QUERY_RESPONSE, TEXT;

    static final List<String> QUERY_FIELDS = List.of("query", "prompt", "question", "problem");
    static final List<String> RESPONSE_FIELDS = List.of("response", "answer", "output", "completion", "solution");

    static Optional<Layout> of(Row row) {
        if (row.has("messages")) {
            return Optional.of(MESSAGES);
        }
        Object conversations = row.has("conversations") ? row.fields().get("conversations")
                : row.fields().get("conversation");
        if (conversations != null) {
            return Optional.of(usesRoles(conversations) ? MESSAGES : SHAREGPT);
        }
        if (row.has("chosen") && row.has("rejected")) {
            return Optional.of(PREFERENCE);
        }
        if (row.has("completion") && row.has("label")) {
            return Optional.of(KTO);
        }
        if (row.has("instruction") || (row.has("input") && row.has("output"))) {
            return Optional.of(ALPACA);
        }
        if (QUERY_FIELDS.stream().anyMatch(row::has) || RESPONSE_FIELDS.stream().anyMatch(row::has)) {
            return Optional.of(QUERY_RESPONSE);
        }
        if (row.has("text")) {
            return Optional.of(TEXT);
        }
        return Optional.empty();
    }

    private static boolean usesRoles(Object conversations) {
        return conversations instanceof List<?> turns && !turns.isEmpty()
                && turns.getFirst() instanceof java.util.Map<?, ?> first && first.containsKey("role");
    }
}
