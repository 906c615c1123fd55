package dev.kiln.models.chat.jinja;

import java.util.List;

/** The syntax tree of a template: expressions and statements, as jinja2's parser builds them. */
final class Node {

    private Node() {}

    sealed interface Expr {}

    record Const(Object value) implements Expr {}

    record Name(String name) implements Expr {}

    record ListLiteral(List<Expr> items) implements Expr {}

    record TupleLiteral(List<Expr> items) implements Expr {}

    record DictLiteral(List<Expr> keys, List<Expr> values) implements Expr {}

    record GetAttr(Expr target, String name) implements Expr {}

    record GetItem(Expr target, Expr key) implements Expr {}

    record Slice(Expr start, Expr stop, Expr step) implements Expr {}

    record Keyword(String name, Expr value) {}

    record Call(Expr callee, List<Expr> args, List<Keyword> kwargs, Expr starArgs, Expr starKwargs) implements Expr {}

    /** {@code value | name(args)}; {@code missing} when the filter does not exist (a runtime error in a conditional). */
    record Filter(Expr value, String name, List<Expr> args, List<Keyword> kwargs, boolean missing, int offset) implements Expr {}

    record Test(Expr value, String name, List<Expr> args, List<Keyword> kwargs, boolean missing, int offset) implements Expr {}

    record Not(Expr operand) implements Expr {}

    record Negative(Expr operand) implements Expr {}

    record Positive(Expr operand) implements Expr {}

    /** Arithmetic ({@code + - * / // % **}) and string concatenation {@code ~}. */
    record Binary(String op, Expr left, Expr right) implements Expr {}

    record And(Expr left, Expr right) implements Expr {}

    record Or(Expr left, Expr right) implements Expr {}

    /** {@code a < b <= c}: ops are {@code == != < <= > >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> operands) implements Expr {}

    /** {@code then if test else otherwise}; otherwise is null when there is no else. */
    record Conditional(Expr test, Expr then, Expr otherwise) implements Expr {}

    sealed interface Stmt {}

    record Text(String text) implements Stmt {}

    record Print(Expr value) implements Stmt {}

    record If(Expr test, List<Stmt> body, List<Stmt> otherwise) implements Stmt {}

    record For(Target target, Expr iterable, Expr condition, List<Stmt> body, List<Stmt> otherwise) implements Stmt {}

    record Set(Target target, Expr value) implements Stmt {}

    /** {@code {% set x | filters %}body{% endset %}}; the filters apply to a {@link Name} "" placeholder. */
    record SetBlock(Target target, Expr filter, List<Stmt> body) implements Stmt {}

    record MacroDefinition(String name, List<String> params, List<Expr> defaults, List<Stmt> body,
            java.util.Set<String> referencedNames) implements Stmt {}

    /** {@code {% filter f %}body{% endfilter %}}, the filters applied to a {@link Name} "" placeholder. */
    record FilterBlock(Expr filter, List<Stmt> body) implements Stmt {}

    record With(List<Target> targets, List<Expr> values, List<Stmt> body) implements Stmt {}

    /** {@code {% generation %}}: transformers' marker of the assistant's text; renders its body. */
    record Block(List<Stmt> body) implements Stmt {}

    record Break() implements Stmt {}

    record Continue() implements Stmt {}

    /** Where {@code set}, {@code for} and {@code with} store: a name, {@code ns.attr}, or a tuple of targets. */
    sealed interface Target {}

    record NameTarget(String name) implements Target {}

    record AttributeTarget(String owner, String attribute) implements Target {}

    record TupleTarget(List<Target> items) implements Target {}

}
