package dev.kiln.models.chat.jinja;

/** Turns offsets into the template into 1-based line and column numbers for error messages. */
final class SourcePositions {

    private final String source;

    SourcePositions(String source) {
        this.source = source;
    }

    TemplateSyntaxException error(String message, int offset) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < Math.min(offset, source.length()); i++) {
            if (source.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new TemplateSyntaxException(message, line, offset - lineStart + 1);
    }
}
