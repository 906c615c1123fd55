package dev.kiln.models.chat.jinja;

/** One token of a template; {@code value} is the text, or the literal for numbers and strings. */
record Token(Type type, String text, Object value, int offset) {

    enum Type { DATA, VARIABLE_BEGIN, VARIABLE_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Type t, String s) {
        return type == t && text.equals(s);
    }

    boolean isName(String s) {
        return is(Type.NAME, s);
    }

    boolean isOperator(String s) {
        return is(Type.OPERATOR, s);
    }

    String describe() {
        return switch (type) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_END -> "end of print statement";
            case DATA -> "template data";
            default -> text;
        };
    }
}
