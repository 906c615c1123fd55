package dev.kiln.models.chat.jinja;

import java.util.List;
import java.util.Map;

/** Anything a template may call: macros, globals such as {@code range}, bound string methods. */
@FunctionalInterface
interface JinjaCallable {

    Object call(List<Object> args, Map<String, Object> kwargs);
}
