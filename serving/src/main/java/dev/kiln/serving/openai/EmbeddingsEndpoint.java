package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.serving.http.ApiError;
import dev.kiln.serving.http.Call;
import dev.kiln.serving.http.HttpApi;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;

/**
 * {@code POST /v1/embeddings}: each input's embedding, the mean of the model's last hidden
 * states over its tokens, L2-normalized; as a JSON array of floats, or with
 * {@code encoding_format: "base64"} (what the openai clients ask for) as the little-endian
 * float32 bytes in base64.
 */
final class EmbeddingsEndpoint implements HttpApi.Handler {

    private final ServedModels models;

    EmbeddingsEndpoint(ServedModels models) {
        this.models = models;
    }

    @Override
    public void handle(Call call) throws IOException, InterruptedException {
        Fields f = Fields.of(call.jsonBody());
        String name = f.requiredString("model");
        ServedModel model = models.get(name);
        String format = f.string("encoding_format").orElse("float");
        if (!format.equals("float") && !format.equals("base64")) {
            throw ApiError.badRequest("Invalid 'encoding_format': '" + format + "'. Supported values"
                    + " are: 'float' and 'base64'.", "encoding_format");
        }
        List<Prompts.Prompt> inputs = Prompts.parse(f.required("input"), model, "input");
        int hidden = model.chat().loaded().config().integer("hidden_size")
                .or(() -> model.chat().loaded().config().integer("n_embd")).orElse(-1);
        f.integer("dimensions", 1, Integer.MAX_VALUE).ifPresent(d -> {
            if (d != hidden) {
                throw ApiError.badRequest("Invalid 'dimensions': this model's embeddings have "
                        + hidden + " dimensions and cannot be shortened.", "dimensions");
            }
        });
        int tokens = 0;
        for (Prompts.Prompt input : inputs) {
            if (input.ids().length > model.maxModelLength()) {
                throw ApiError.badRequest("This model's maximum context length is "
                        + model.maxModelLength() + " tokens, but an input has " + input.ids().length
                        + " tokens.", "input", "context_length_exceeded");
            }
            tokens += input.ids().length;
        }
        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.put("object", "list");
        ArrayNode data = response.putArray("data");
        for (int i = 0; i < inputs.size(); i++) {
            float[] embedding;
            try {
                embedding = model.engine().embed(inputs.get(i).ids(), model.adapter());
            } catch (IllegalStateException e) {
                throw ApiError.unavailable(e.getMessage());
            } catch (UnsupportedOperationException e) {
                throw ApiError.badRequest("This model has no embeddings: " + e.getMessage(), "model");
            }
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            if (format.equals("base64")) {
                item.put("embedding", base64(embedding));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : embedding) {
                    values.add(v);
                }
            }
        }
        response.put("model", name);
        ObjectNode usage = response.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        call.json(200, response);
    }

    private static String base64(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }
}
