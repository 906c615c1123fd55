package dev.kiln.models.chat.jinja;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja template that renders as Python jinja2 does in the environment Hugging Face
 * transformers uses for chat templates: {@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True)} with the loop controls and {@code generation} extensions, its
 * {@code tojson} filter and the globals {@code raise_exception} and {@code strftime_now}.
 * Instances are immutable and may render from several threads at once.
 */
public final class JinjaTemplate {

    /** The sandbox's limit on range(). */
    private static final long MAX_RANGE = 100_000;

    private final List<Node.Stmt> body;
    private final Clock clock;

    private JinjaTemplate(List<Node.Stmt> body, Clock clock) {
        this.body = body;
        this.clock = clock;
    }

    /**
     * Parses {@code source}.
     *
     * @param clock the time {@code strftime_now} formats, in the clock's zone
     * @throws TemplateSyntaxException with the line and column when the source does not parse or
     *     names a filter or test that does not exist outside a conditional
     */
    public static JinjaTemplate compile(String source, Clock clock) {
        return new JinjaTemplate(Parser.parse(Lexer.normalize(source), Filters.NAMES, Tests.NAMES), clock);
    }

    /**
     * Renders with {@code variables} (Java maps, lists, strings, numbers, booleans and nulls).
     *
     * @throws JinjaException with jinja2's exception name and message when rendering fails,
     *     e.g. {@code TemplateError} with the template's own message from {@code raise_exception}
     */
    public String render(Map<String, ?> variables) {
        Map<String, Object> context = new HashMap<>(globals());
        variables.forEach((name, value) -> context.put(name, Py.fromJava(value)));
        return new Interpreter().render(body, context);
    }

    private Map<String, Object> globals() {
        Map<String, Object> g = new HashMap<>();
        g.put("raise_exception", (JinjaCallable) (args, kwargs) -> {
            throw new JinjaException("TemplateError", Py.str(new Args("raise_exception", args, kwargs).required(0, "message")));
        });
        g.put("strftime_now", (JinjaCallable) (args, kwargs) -> Strftime.format(LocalDateTime.now(clock),
                Py.str(new Args("strftime_now", args, kwargs).required(0, "format"))));
        g.put("range", (JinjaCallable) JinjaTemplate::range);
        g.put("dict", (JinjaCallable) (args, kwargs) -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (!args.isEmpty() && args.getFirst() instanceof Map<?, ?> m) {
                d.putAll(m);
            }
            d.putAll(kwargs);
            return d;
        });
        g.put("namespace", (JinjaCallable) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object arg : args) {
                if (arg instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> ns.attributes.put(Py.str(k), v));
                }
            }
            ns.attributes.putAll(kwargs);
            return ns;
        });
        g.put("joiner", (JinjaCallable) (args, kwargs) -> {
            String separator = Py.str(new Args("joiner", args, kwargs).get(0, "sep", ", "));
            boolean[] used = {false};
            return (JinjaCallable) (a, k) -> {
                String out = used[0] ? separator : "";
                used[0] = true;
                return out;
            };
        });
        return g;
    }

    private static Object range(List<Object> args, Map<String, Object> kwargs) {
        for (Object a : args) {
            Py.failIfUndefined(a);
            if (!Py.isInt(a)) {
                throw JinjaException.typeError("'" + Py.typeName(a) + "' object cannot be interpreted as an integer");
            }
        }
        long start = args.size() > 1 ? Py.asLong(args.get(0)) : 0;
        long stop = args.size() > 1 ? Py.asLong(args.get(1)) : args.isEmpty() ? 0 : Py.asLong(args.get(0));
        long step = args.size() > 2 ? Py.asLong(args.get(2)) : 1;
        if (step == 0) {
            throw new JinjaException("ValueError", "range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= MAX_RANGE) {
                throw new JinjaException("OverflowError",
                        "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
            }
            out.add(i);
        }
        return out;
    }
}
