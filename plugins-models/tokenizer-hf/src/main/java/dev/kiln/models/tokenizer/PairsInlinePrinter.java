package dev.kiln.models.tokenizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;

/**
 * Pretty JSON as Hugging Face's files look: two-space indents, {@code "key": value}, one array
 * element per line, except arrays inside arrays (tokenizer.json's merge pairs), which stay on
 * one line so that a merge is one line of the file.
 */
final class PairsInlinePrinter extends DefaultPrettyPrinter {

    PairsInlinePrinter() {
        indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        _objectFieldValueSeparatorWithSpaces = ": ";
    }

    @Override
    public DefaultPrettyPrinter createInstance() {
        return new PairsInlinePrinter();
    }

    /** Whether the array being written is an element of an array. */
    private static boolean nested(JsonGenerator g) {
        JsonStreamContext parent = g.getOutputContext().getParent();
        return parent != null && parent.inArray();
    }

    @Override
    public void writeStartArray(JsonGenerator g) throws IOException {
        if (nested(g)) {
            g.writeRaw('[');
        } else {
            super.writeStartArray(g);
        }
    }

    @Override
    public void beforeArrayValues(JsonGenerator g) throws IOException {
        if (!nested(g)) {
            super.beforeArrayValues(g);
        }
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
        if (nested(g)) {
            g.writeRaw(", ");
        } else {
            super.writeArrayValueSeparator(g);
        }
    }

    @Override
    public void writeEndArray(JsonGenerator g, int values) throws IOException {
        if (nested(g)) {
            g.writeRaw(']');
        } else {
            super.writeEndArray(g, values);
        }
    }
}
