package dev.kiln.models.chat.jinja;

/**
 * markupsafe's {@code Markup}: a string that is already safe. It matters even without
 * autoescaping because {@code Markup + str} escapes the plain operand, as in Python.
 */
record Markup(String text) {

    static String escape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&#34;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** markupsafe.escape: Markup stays as it is, anything else is turned into text and escaped. */
    static Markup escapeValue(Object value) {
        return value instanceof Markup m ? m : new Markup(escape(Py.str(value)));
    }

    @Override
    public String toString() {
        return text;
    }
}
