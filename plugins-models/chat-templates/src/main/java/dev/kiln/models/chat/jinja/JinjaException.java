package dev.kiln.models.chat.jinja;

/**
 * An error raised while rendering, named like the Python exception jinja2 would raise
 * ({@code TemplateError} for {@code raise_exception}, {@code UndefinedError}, {@code TypeError},
 * {@code SecurityError}, ...) and carrying jinja2's message.
 */
public final class JinjaException extends IllegalArgumentException {

    private final String kind;

    public JinjaException(String kind, String message) {
        super(message);
        this.kind = kind;
    }

    /** The name of the Python exception jinja2 raises in the same situation. */
    public String kind() {
        return kind;
    }

    static JinjaException typeError(String message) {
        return new JinjaException("TypeError", message);
    }
}
