package dev.kiln.core.generate;

/** Why a completion ended, as the OpenAI API reports it. */
public enum FinishReason {

    /** A stop token or stop string ended it. */
    STOP("stop"),

    /** It reached max_new_tokens, or the model's context was full. */
    LENGTH("length");

    private final String apiName;

    FinishReason(String apiName) {
        this.apiName = apiName;
    }

    /** {@code "stop"} or {@code "length"}. */
    public String apiName() {
        return apiName;
    }
}
