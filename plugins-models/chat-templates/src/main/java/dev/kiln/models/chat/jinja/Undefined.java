package dev.kiln.models.chat.jinja;

/**
 * jinja2's default {@code Undefined}: prints as the empty string, is false, iterates as empty and
 * has length 0, but raises (with the message of the lookup that produced it) when used in
 * arithmetic, called, or asked for an attribute or item.
 */
final class Undefined {

    private final String message;
    private final String kind;

    private Undefined(String message, String kind) {
        this.message = message;
        this.kind = kind;
    }

    static Undefined name(String name) {
        return new Undefined("'" + name + "' is undefined", "UndefinedError");
    }

    static Undefined attribute(Object owner, String attribute) {
        return new Undefined(Py.repr(Py.objectTypeRepr(owner)) + " has no attribute " + Py.repr(attribute),
                "UndefinedError");
    }

    static Undefined element(Object owner, Object key) {
        return new Undefined(Py.objectTypeRepr(owner) + " has no element " + Py.repr(key), "UndefinedError");
    }

    static Undefined hint(String message) {
        return new Undefined(message, "UndefinedError");
    }

    /** What the sandbox gives for a method that would modify a list or dict. */
    static Undefined unsafe(Object owner, String attribute) {
        return new Undefined("access to attribute " + Py.repr(attribute) + " of " + Py.repr(Py.typeName(owner))
                + " object is unsafe.", "SecurityError");
    }

    JinjaException fail() {
        return new JinjaException(kind, message);
    }
}
