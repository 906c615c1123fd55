package dev.kiln.models.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code {% macro %}} bound to the scope it was defined in. Like jinja2, it accepts extra
 * positional or keyword arguments only when its body mentions {@code varargs} or {@code kwargs}.
 */
final class Macro implements JinjaCallable {

    private final Node.MacroDefinition definition;
    private final Interpreter.Frame closure;
    private final Interpreter interpreter;

    Macro(Node.MacroDefinition definition, Interpreter.Frame closure, Interpreter interpreter) {
        this.definition = definition;
        this.closure = closure;
        this.interpreter = interpreter;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        List<String> params = definition.params();
        Map<String, Object> remaining = new LinkedHashMap<>(kwargs);
        Interpreter.Frame frame = new Interpreter.Frame(closure);
        int firstDefault = params.size() - definition.defaults().size();
        for (int i = 0; i < params.size(); i++) {
            String param = params.get(i);
            Object value;
            if (i < args.size()) {
                value = args.get(i);
            } else if (remaining.containsKey(param)) {
                value = remaining.remove(param);
            } else if (i >= firstDefault) {
                value = interpreter.eval(definition.defaults().get(i - firstDefault), frame);
            } else {
                value = Undefined.hint("parameter '" + param + "' was not provided");
            }
            frame.set(param, value);
        }
        boolean takesVarargs = definition.referencedNames().contains("varargs");
        boolean takesKwargs = definition.referencedNames().contains("kwargs");
        if (args.size() > params.size() && !takesVarargs) {
            throw JinjaException.typeError("macro '" + definition.name() + "' takes not more than " + params.size()
                    + " argument(s)");
        }
        if (!remaining.isEmpty() && !takesKwargs) {
            throw JinjaException.typeError("macro '" + definition.name() + "' takes no keyword argument '"
                    + remaining.keySet().iterator().next() + "'");
        }
        if (takesVarargs) {
            frame.set("varargs", new PyTuple(new ArrayList<>(args.subList(Math.min(args.size(), params.size()), args.size()))));
        }
        if (takesKwargs) {
            frame.set("kwargs", new LinkedHashMap<Object, Object>(remaining));
        }
        StringBuilder out = new StringBuilder();
        interpreter.execute(definition.body(), frame, out);
        return out.toString();
    }

    @Override
    public String toString() {
        return "<Macro '" + definition.name() + "'>";
    }
}
