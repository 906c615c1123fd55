package dev.kiln.models.chat.jinja;

import dev.kiln.models.chat.jinja.Node.*;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a parsed template. Scoping follows jinja2: {@code if} shares its scope, every iteration of
 * a {@code for} loop starts a fresh scope over the enclosing one (so a {@code set} inside a loop
 * is gone after it, which is what {@code namespace()} is for), and macros see the scope they were
 * defined in as it is when they are called.
 */
final class Interpreter {

    /** One scope of variables; lookups fall through to the enclosing scope. */
    static final class Frame {

        private final Map<String, Object> variables = new HashMap<>();
        private final Frame parent;

        Frame(Frame parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Frame f = this; f != null; f = f.parent) {
                if (f.variables.containsKey(name)) {
                    return f.variables.get(name);
                }
            }
            return Undefined.name(name);
        }

        void set(String name, Object value) {
            variables.put(name, value);
        }
    }

    private enum Flow { NORMAL, BREAK, CONTINUE }

    String render(List<Stmt> body, Map<String, Object> context) {
        Frame root = new Frame(null);
        context.forEach(root::set);
        StringBuilder out = new StringBuilder();
        execute(body, root, out);
        return out.toString();
    }

    void execute(List<Stmt> body, Frame frame, StringBuilder out) {
        run(body, frame, out);
    }

    private Flow run(List<Stmt> body, Frame frame, StringBuilder out) {
        for (Stmt s : body) {
            Flow flow = run(s, frame, out);
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow run(Stmt s, Frame frame, StringBuilder out) {
        switch (s) {
            case Text t -> out.append(t.text());
            case Print p -> out.append(Py.str(eval(p.value(), frame)));
            case If i -> {
                return run(Py.truthy(eval(i.test(), frame)) ? i.body() : i.otherwise(), frame, out);
            }
            case For f -> runFor(f, frame, out);
            case Node.Set set -> assign(set.target(), eval(set.value(), frame), frame);
            case SetBlock b -> {
                StringBuilder captured = new StringBuilder();
                run(b.body(), new Frame(frame), captured);
                assign(b.target(), applyFilters(b.filter(), captured.toString(), frame), frame);
            }
            case MacroDefinition m -> frame.set(m.name(), new Macro(m, frame, this));
            case FilterBlock b -> {
                StringBuilder captured = new StringBuilder();
                run(b.body(), new Frame(frame), captured);
                out.append(Py.str(applyFilters(b.filter(), captured.toString(), frame)));
            }
            case With w -> {
                Frame inner = new Frame(frame);
                for (int i = 0; i < w.targets().size(); i++) {
                    assign(w.targets().get(i), eval(w.values().get(i), frame), inner);
                }
                run(w.body(), inner, out);
            }
            case Block b -> run(b.body(), new Frame(frame), out);
            case Break b -> {
                return Flow.BREAK;
            }
            case Continue c -> {
                return Flow.CONTINUE;
            }
        }
        return Flow.NORMAL;
    }

    private void runFor(For f, Frame frame, StringBuilder out) {
        List<Object> items = Py.iterate(eval(f.iterable(), frame));
        if (f.condition() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Frame test = new Frame(frame);
                assign(f.target(), item, test);
                if (Py.truthy(eval(f.condition(), test))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        if (items.isEmpty()) {
            run(f.otherwise(), frame, out);
            return;
        }
        LoopContext loop = new LoopContext(items);
        for (int i = 0; i < items.size(); i++) {
            Frame iteration = new Frame(frame);
            loop.advance(i);
            iteration.set("loop", loop);
            assign(f.target(), items.get(i), iteration);
            if (run(f.body(), iteration, out) == Flow.BREAK) {
                break;
            }
        }
    }

    private void assign(Target target, Object value, Frame frame) {
        switch (target) {
            case NameTarget n -> frame.set(n.name(), value);
            case AttributeTarget a -> {
                Object owner = frame.lookup(a.owner());
                if (!(owner instanceof Namespace ns)) {
                    throw new JinjaException("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
                }
                ns.attributes.put(a.attribute(), value);
            }
            case TupleTarget t -> {
                List<Object> items = Py.iterate(value);
                if (items.size() != t.items().size()) {
                    throw new JinjaException("ValueError", items.size() > t.items().size()
                            ? "too many values to unpack (expected " + t.items().size() + ")"
                            : "not enough values to unpack (expected " + t.items().size() + ", got " + items.size() + ")");
                }
                for (int i = 0; i < items.size(); i++) {
                    assign(t.items().get(i), items.get(i), frame);
                }
            }
        }
    }

    /** Applies a filter chain whose innermost value is the placeholder {@code Name("")}. */
    private Object applyFilters(Expr chain, Object value, Frame frame) {
        if (chain instanceof Filter f) {
            return filter(f, applyFilters(f.value(), value, frame), frame);
        }
        return value;
    }

    // --- expressions ------------------------------------------------------------------------

    Object eval(Expr e, Frame frame) {
        return switch (e) {
            case Const c -> c.value();
            case Name n -> frame.lookup(n.name());
            case ListLiteral l -> evalAll(l.items(), frame);
            case TupleLiteral t -> new PyTuple(evalAll(t.items(), frame));
            case DictLiteral d -> {
                Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object key = eval(d.keys().get(i), frame);
                    map.put(key instanceof Markup m ? m.text() : key, eval(d.values().get(i), frame));
                }
                yield map;
            }
            case GetAttr g -> Py.getAttr(eval(g.target(), frame), g.name());
            case GetItem g -> Py.getItem(eval(g.target(), frame), eval(g.key(), frame));
            case Slice s -> new Py.SliceValue(evalOrNull(s.start(), frame), evalOrNull(s.stop(), frame),
                    evalOrNull(s.step(), frame));
            case Call c -> call(c, frame);
            case Filter f -> filter(f, eval(f.value(), frame), frame);
            case Test t -> test(t, frame);
            case Not n -> !Py.truthy(eval(n.operand(), frame));
            case Negative n -> Py.negate(eval(n.operand(), frame));
            case Positive n -> {
                Object v = eval(n.operand(), frame);
                Py.failIfUndefined(v);
                if (!Py.isNumber(v)) {
                    throw JinjaException.typeError("bad operand type for unary +: '" + Py.typeName(v) + "'");
                }
                yield v instanceof Boolean b ? (Object) (b ? 1L : 0L) : v;
            }
            case Binary b when b.op().equals("~") -> Py.str(eval(b.left(), frame)) + Py.str(eval(b.right(), frame));
            case Binary b -> Py.binary(b.op(), eval(b.left(), frame), eval(b.right(), frame));
            case And a -> {
                Object left = eval(a.left(), frame);
                yield Py.truthy(left) ? eval(a.right(), frame) : left;
            }
            case Or o -> {
                Object left = eval(o.left(), frame);
                yield Py.truthy(left) ? left : eval(o.right(), frame);
            }
            case Compare c -> compare(c, frame);
            case Conditional c -> Py.truthy(eval(c.test(), frame)) ? eval(c.then(), frame)
                    : c.otherwise() == null
                            ? Undefined.hint("the inline if-expression evaluated to false and no else section was defined.")
                            : eval(c.otherwise(), frame);
        };
    }

    private Object evalOrNull(Expr e, Frame frame) {
        return e == null ? null : eval(e, frame);
    }

    private List<Object> evalAll(List<Expr> exprs, Frame frame) {
        List<Object> out = new ArrayList<>(exprs.size());
        for (Expr e : exprs) {
            out.add(eval(e, frame));
        }
        return out;
    }

    private Object compare(Compare c, Frame frame) {
        Object left = eval(c.first(), frame);
        for (int i = 0; i < c.ops().size(); i++) {
            Object right = eval(c.operands().get(i), frame);
            String op = c.ops().get(i);
            boolean holds = switch (op) {
                case "==" -> Py.eq(left, right);
                case "!=" -> !Py.eq(left, right);
                case "<" -> Py.compare(left, right, op) < 0;
                case "<=" -> Py.compare(left, right, op) <= 0;
                case ">" -> Py.compare(left, right, op) > 0;
                case ">=" -> Py.compare(left, right, op) >= 0;
                case "in" -> Py.contains(right, left);
                case "notin" -> !Py.contains(right, left);
                default -> throw new IllegalStateException(op);
            };
            if (!holds) {
                return false;
            }
            left = right;
        }
        return true;
    }

    private Map<String, Object> keywords(List<Keyword> kwargs, Frame frame) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Keyword k : kwargs) {
            out.put(k.name(), eval(k.value(), frame));
        }
        return out;
    }

    private Object call(Call c, Frame frame) {
        Object callee = eval(c.callee(), frame);
        List<Object> args = evalAll(c.args(), frame);
        if (c.starArgs() != null) {
            args.addAll(Py.iterate(eval(c.starArgs(), frame)));
        }
        Map<String, Object> kwargs = keywords(c.kwargs(), frame);
        if (c.starKwargs() != null && eval(c.starKwargs(), frame) instanceof Map<?, ?> extra) {
            extra.forEach((k, v) -> kwargs.put(Py.str(k), v));
        }
        return invoke(callee, args, kwargs);
    }

    static Object invoke(Object callee, List<Object> args, Map<String, Object> kwargs) {
        Py.failIfUndefined(callee);
        if (callee instanceof JinjaCallable f) {
            return f.call(args, kwargs);
        }
        throw JinjaException.typeError("'" + Py.typeName(callee) + "' object is not callable");
    }

    private Object filter(Filter f, Object value, Frame frame) {
        if (f.missing()) {
            throw new JinjaException("TemplateRuntimeError", "No filter named '" + f.name() + "' found.");
        }
        Args args = new Args(f.name(), evalAll(f.args(), frame), keywords(f.kwargs(), frame));
        return Filters.apply(f.name(), value, args, this);
    }

    private Object test(Test t, Frame frame) {
        if (t.missing()) {
            throw new JinjaException("TemplateRuntimeError", "No test named '" + t.name() + "' found.");
        }
        Object value = eval(t.value(), frame);
        return Tests.apply(t.name(), value, new Args(t.name(), evalAll(t.args(), frame), keywords(t.kwargs(), frame)));
    }
}
