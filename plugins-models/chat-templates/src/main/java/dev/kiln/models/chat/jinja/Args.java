package dev.kiln.models.chat.jinja;

import java.util.List;
import java.util.Map;

/** The arguments of one call, read Python-style: by position or by keyword, with defaults. */
record Args(String function, List<Object> positional, Map<String, Object> keywords) {

    Object get(int index, String name, Object fallback) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        return keywords.containsKey(name) ? keywords.get(name) : fallback;
    }

    Object required(int index, String name) {
        Object v = get(index, name, Py.MISSING);
        if (v == Py.MISSING) {
            throw JinjaException.typeError(function + "() missing required argument '" + name + "'");
        }
        return v;
    }

    String string(int index, String name, String fallback) {
        Object v = get(index, name, fallback);
        if (v == null || v instanceof Undefined) {
            return fallback;
        }
        if (!Py.isString(v)) {
            throw JinjaException.typeError(function + "() argument '" + name + "' must be str, not " + Py.typeName(v));
        }
        return Py.text(v);
    }

    long integer(int index, String name, long fallback) {
        Object v = get(index, name, fallback);
        if (v == null) {
            return fallback;
        }
        if (!Py.isInt(v)) {
            throw JinjaException.typeError("'" + Py.typeName(v) + "' object cannot be interpreted as an integer");
        }
        return Py.asLong(v);
    }

    boolean bool(int index, String name, boolean fallback) {
        return Py.truthy(get(index, name, fallback));
    }
}
