package dev.kiln.core.hub;

/** Where models are downloaded from: ms-swift's {@code --use_hf true} or {@code false}. */
public enum HubSource {

    /** Hugging Face, or any endpoint with its API ({@code HF_ENDPOINT}, e.g. a mirror). */
    HUGGING_FACE("main"),

    /** ModelScope ({@code MODELSCOPE_DOMAIN}). */
    MODEL_SCOPE("master");

    private final String defaultRevision;

    HubSource(String defaultRevision) {
        this.defaultRevision = defaultRevision;
    }

    /** The branch a model id without {@code @revision} means. */
    public String defaultRevision() {
        return defaultRevision;
    }
}
