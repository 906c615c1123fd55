package dev.kiln.models.chat.jinja;

/** Template source that does not parse (or names a filter or test that does not exist). */
public final class TemplateSyntaxException extends IllegalArgumentException {

    private final int line;
    private final int column;

    TemplateSyntaxException(String message, int line, int column) {
        super(message + " (line " + line + ", column " + column + ")");
        this.line = line;
        this.column = column;
    }

    /** 1-based line of the offending token. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending token. */
    public int column() {
        return column;
    }
}
