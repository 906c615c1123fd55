package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.serving.http.ApiError;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs of {@code /v1/completions} ({@code prompt}) and {@code /v1/embeddings}
 * ({@code input}) as OpenAI takes them: a string, an array of strings, an array of token ids,
 * or an array of arrays of token ids. Strings are encoded with the model's tokenizer; ids are
 * checked against its vocabulary.
 */
final class Prompts {

    /** One prompt: its ids, and its text (decoded, for ids). */
    record Prompt(int[] ids, String text) {}

    private Prompts() {}

    /** @param name the field: {@code prompt} or {@code input} */
    static List<Prompt> parse(JsonNode field, ServedModel model, String name) {
        List<Prompt> prompts = new ArrayList<>();
        if (field.isTextual()) {
            prompts.add(text(field.textValue(), model, name));
        } else if (field.isArray() && !field.isEmpty() && field.get(0).isIntegralNumber()) {
            prompts.add(ids(field, model, name));
        } else if (field.isArray() && !field.isEmpty()) {
            for (int i = 0; i < field.size(); i++) {
                JsonNode item = field.get(i);
                String param = name + "[" + i + "]";
                if (item.isTextual()) {
                    prompts.add(text(item.textValue(), model, param));
                } else if (item.isArray()) {
                    prompts.add(ids(item, model, param));
                } else {
                    throw Fields.invalidType(param, "a string or an array of token ids", item);
                }
            }
        } else if (field.isArray()) {
            throw ApiError.badRequest("Invalid '" + name + "': empty array. Expected at least 1 element.", name);
        } else {
            throw Fields.invalidType(name, "a string, an array of strings, or an array of token ids", field);
        }
        return prompts;
    }

    static List<Prompt> parse(JsonNode field, ServedModel model) {
        return parse(field, model, "prompt");
    }

    private static Prompt text(String text, ServedModel model, String param) {
        int[] ids = model.encode(text);
        if (ids.length == 0) {
            throw ApiError.badRequest("Invalid '" + param + "': it encodes to no tokens.", param);
        }
        return new Prompt(ids, text);
    }

    private static Prompt ids(JsonNode array, ServedModel model, String param) {
        if (array.isEmpty()) {
            throw ApiError.badRequest("Invalid '" + param + "': empty array of token ids.", param);
        }
        int vocab = model.vocabSize();
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw Fields.invalidType(param + "[" + i + "]", "a token id (an integer)", id);
            }
            ids[i] = id.intValue();
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw ApiError.badRequest("Invalid '" + param + "[" + i + "]': token id " + ids[i]
                        + " is outside the model's vocabulary of " + vocab + ".", param);
            }
        }
        return new Prompt(ids, model.tokenizer().decode(ids, false));
    }
}
