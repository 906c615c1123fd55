package dev.kiln.serving.openai;

import dev.kiln.core.generate.SamplingParams;
import dev.kiln.serving.http.ApiError;
import java.util.List;

/** What the generating endpoints share: their sampling fields checked against the model served. */
final class Requests {

    private Requests() {}

    static SamplingRequest sampling(Fields f, SamplingRequest.Kind kind, ServedModel model) {
        try {
            return new SamplingRequest(f, kind, model.samplingDefaults(), model.engine().slots());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), null);
        }
    }

    static List<SamplingParams> choices(SamplingRequest sampling, int promptLength, ServedModel model,
            String promptParam) {
        try {
            return sampling.choices(promptLength, model.maxModelLength(), promptParam);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest(e.getMessage(), null);
        }
    }
}
