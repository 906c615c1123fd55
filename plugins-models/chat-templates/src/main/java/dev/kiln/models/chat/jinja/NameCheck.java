package dev.kiln.models.chat.jinja;

import dev.kiln.models.chat.jinja.Node.*;
import java.util.List;

/**
 * jinja2's compile-time check of filter and test names: an unknown name is a syntax error, except
 * inside an {@code if} statement or a conditional expression (a "soft" frame), where jinja2 defers
 * the error to the moment the branch runs. Loops, macros and blocks open fresh, hard frames.
 */
final class NameCheck {

    private final SourcePositions positions;

    private NameCheck(SourcePositions positions) {
        this.positions = positions;
    }

    static void check(List<Stmt> body, SourcePositions positions) {
        new NameCheck(positions).statements(body, false);
    }

    private void statements(List<Stmt> body, boolean soft) {
        for (Stmt s : body) {
            statement(s, soft);
        }
    }

    private void statement(Stmt s, boolean soft) {
        switch (s) {
            case Print p -> expr(p.value(), soft);
            case If i -> {
                expr(i.test(), true);
                statements(i.body(), true);
                statements(i.otherwise(), true);
            }
            case For f -> {
                expr(f.iterable(), soft);
                expr(f.condition(), false);
                statements(f.body(), false);
                statements(f.otherwise(), false);
            }
            case Node.Set set -> expr(set.value(), soft);
            case SetBlock b -> {
                statements(b.body(), false);
                expr(b.filter(), false);
            }
            case MacroDefinition m -> {
                m.defaults().forEach(d -> expr(d, false));
                statements(m.body(), false);
            }
            case FilterBlock f -> {
                expr(f.filter(), false);
                statements(f.body(), false);
            }
            case With w -> {
                w.values().forEach(v -> expr(v, soft));
                statements(w.body(), false);
            }
            case Block b -> statements(b.body(), false);
            case Text t -> { }
            case Break b -> { }
            case Continue c -> { }
        }
    }

    private void exprs(List<Expr> list, boolean soft) {
        list.forEach(e -> expr(e, soft));
    }

    private void keywords(List<Keyword> list, boolean soft) {
        list.forEach(k -> expr(k.value(), soft));
    }

    private void expr(Expr e, boolean soft) {
        switch (e) {
            case null -> { }
            case Filter f -> {
                if (f.missing() && !soft) {
                    throw positions.error("No filter named '" + f.name() + "'.", f.offset());
                }
                expr(f.value(), soft);
                exprs(f.args(), soft);
                keywords(f.kwargs(), soft);
            }
            case Test t -> {
                if (t.missing() && !soft) {
                    throw positions.error("No test named '" + t.name() + "'.", t.offset());
                }
                expr(t.value(), soft);
                exprs(t.args(), soft);
                keywords(t.kwargs(), soft);
            }
            case Conditional c -> {
                expr(c.test(), true);
                expr(c.then(), true);
                expr(c.otherwise(), true);
            }
            case ListLiteral l -> exprs(l.items(), soft);
            case TupleLiteral t -> exprs(t.items(), soft);
            case DictLiteral d -> {
                exprs(d.keys(), soft);
                exprs(d.values(), soft);
            }
            case GetAttr g -> expr(g.target(), soft);
            case GetItem g -> {
                expr(g.target(), soft);
                expr(g.key(), soft);
            }
            case Slice s -> {
                expr(s.start(), soft);
                expr(s.stop(), soft);
                expr(s.step(), soft);
            }
            case Call c -> {
                expr(c.callee(), soft);
                exprs(c.args(), soft);
                keywords(c.kwargs(), soft);
                expr(c.starArgs(), soft);
                expr(c.starKwargs(), soft);
            }
            case Not n -> expr(n.operand(), soft);
            case Negative n -> expr(n.operand(), soft);
            case Positive n -> expr(n.operand(), soft);
            case Binary b -> {
                expr(b.left(), soft);
                expr(b.right(), soft);
            }
            case And a -> {
                expr(a.left(), soft);
                expr(a.right(), soft);
            }
            case Or o -> {
                expr(o.left(), soft);
                expr(o.right(), soft);
            }
            case Compare c -> {
                expr(c.first(), soft);
                exprs(c.operands(), soft);
            }
            case Const c -> { }
            case Name n -> { }
        }
    }
}
