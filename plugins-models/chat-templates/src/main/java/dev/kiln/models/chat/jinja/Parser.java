package dev.kiln.models.chat.jinja;

import dev.kiln.models.chat.jinja.Node.*;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the syntax tree from tokens, following jinja2's parser rule for rule (operator
 * precedence, tuples without parentheses, tests without parentheses, filters binding tighter than
 * unary minus). Unknown filters and tests are marked here and reported by {@link NameCheck}.
 */
final class Parser {

    private final List<Token> tokens;
    private final SourcePositions positions;
    private final Set<String> filters;
    private final Set<String> tests;
    private final Deque<Set<String>> macroNames = new ArrayDeque<>();
    private final Deque<String> openBlocks = new ArrayDeque<>();
    private int p;

    private Parser(List<Token> tokens, SourcePositions positions, Set<String> filters, Set<String> tests) {
        this.tokens = tokens;
        this.positions = positions;
        this.filters = filters;
        this.tests = tests;
    }

    static List<Stmt> parse(String normalizedSource, Set<String> filters, Set<String> tests) {
        SourcePositions positions = new SourcePositions(normalizedSource);
        Parser parser = new Parser(Lexer.tokenize(normalizedSource), positions, filters, tests);
        List<Stmt> body = parser.subparse(Set.of());
        NameCheck.check(body, positions);
        return body;
    }

    // --- token stream -----------------------------------------------------------------------

    private Token current() {
        return tokens.get(p);
    }

    private Token peek() {
        return tokens.get(Math.min(p + 1, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(p);
        if (p < tokens.size() - 1) {
            p++;
        }
        return t;
    }

    private TemplateSyntaxException fail(String message, Token at) {
        return positions.error(message, at.offset());
    }

    private Token expect(Token.Type type, String what) {
        Token t = current();
        if (t.type() != type) {
            throw fail("expected token '" + what + "', got '" + t.describe() + "'", t);
        }
        return next();
    }

    private void expectOperator(String op) {
        if (!current().isOperator(op)) {
            throw fail("expected token '" + op + "', got '" + current().describe() + "'", current());
        }
        next();
    }

    private void expectName(String name) {
        if (!current().isName(name)) {
            throw fail("expected token '" + name + "', got '" + current().describe() + "'", current());
        }
        next();
    }

    private boolean skipOperator(String op) {
        if (current().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    // --- statements -------------------------------------------------------------------------

    /** Template data and tags up to one of {@code endTags} (left as the current token) or the end. */
    private List<Stmt> subparse(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.type()) {
                case DATA -> {
                    body.add(new Text(t.text()));
                    next();
                }
                case VARIABLE_BEGIN -> {
                    next();
                    body.add(new Print(parseTuple(false, true, Set.of(), false)));
                    expect(Token.Type.VARIABLE_END, "end of print statement");
                }
                case BLOCK_BEGIN -> {
                    next();
                    if (current().type() == Token.Type.NAME && endTags.contains(current().text())) {
                        return body;
                    }
                    body.add(parseStatement());
                    expect(Token.Type.BLOCK_END, "end of statement block");
                }
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                                + String.join(" or ", endTags.stream().sorted().map(n -> "'" + n + "'").toList())
                                + "." + (openBlocks.isEmpty() ? ""
                                : " The innermost block that needs to be closed is '" + openBlocks.peek() + "'."), t);
                    }
                    return body;
                }
                default -> throw fail("unexpected '" + t.describe() + "'", t);
            }
        }
    }

    /** Parses a body ending at {@code endTag}, consuming the end tag's name. */
    private List<Stmt> statements(String endTag) {
        expect(Token.Type.BLOCK_END, "end of statement block");
        List<Stmt> body = subparse(Set.of(endTag));
        next();
        return body;
    }

    private Stmt parseStatement() {
        Token t = current();
        if (t.type() != Token.Type.NAME) {
            throw fail("tag name expected", t);
        }
        openBlocks.push(t.text());
        try {
            return statement(t);
        } finally {
            openBlocks.pop();
        }
    }

    private Stmt statement(Token t) {
        return switch (t.text()) {
            case "if" -> parseIf();
            case "for" -> parseFor();
            case "set" -> parseSet();
            case "macro" -> parseMacro();
            case "filter" -> parseFilterBlock();
            case "with" -> parseWith();
            case "generation" -> {
                next();
                yield new Block(statements("endgeneration"));
            }
            case "break" -> {
                next();
                yield new Break();
            }
            case "continue" -> {
                next();
                yield new Continue();
            }
            case "call", "block", "extends", "include", "import", "from", "autoescape" ->
                    throw fail("The '" + t.text() + "' tag is not supported in chat templates.", t);
            default -> throw fail("Encountered unknown tag '" + t.text() + "'.", t);
        };
    }

    private Stmt parseIf() {
        next();
        Expr test = parseTuple(false, false, Set.of(), false);
        expect(Token.Type.BLOCK_END, "end of statement block");
        List<Stmt> body = subparse(Set.of("elif", "else", "endif"));
        Token end = next();
        List<Stmt> otherwise = List.of();
        if (end.text().equals("elif")) {
            otherwise = List.of(parseIfAfterKeyword());
        } else if (end.text().equals("else")) {
            otherwise = statements("endif");
        }
        return new If(test, body, otherwise);
    }

    /** An {@code elif} branch: the rest of the chain, sharing the one {@code endif}. */
    private Stmt parseIfAfterKeyword() {
        p--;
        return parseIf();
    }

    private Stmt parseFor() {
        next();
        Target target = parseTarget(Set.of("in"), false);
        expectName("in");
        Expr iterable = parseTuple(false, false, Set.of("recursive"), false);
        Expr condition = null;
        if (current().isName("recursive")) {
            throw fail("Recursive loops are not supported.", current());
        }
        if (skipName("if")) {
            condition = parseExpression(true);
        }
        expect(Token.Type.BLOCK_END, "end of statement block");
        List<Stmt> body = subparse(Set.of("endfor", "else"));
        List<Stmt> otherwise = List.of();
        if (next().text().equals("else")) {
            otherwise = statements("endfor");
        }
        return new For(target, iterable, condition, body, otherwise);
    }

    private Stmt parseSet() {
        next();
        Target target = parseTarget(Set.of(), true);
        if (skipOperator("=")) {
            return new Node.Set(target, parseTuple(false, true, Set.of(), false));
        }
        Expr filter = parseFilters(new Name(""), false);
        return new SetBlock(target, filter, statements("endset"));
    }

    private Stmt parseMacro() {
        next();
        String name = expect(Token.Type.NAME, "name").text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        expectOperator("(");
        while (!current().isOperator(")")) {
            if (!params.isEmpty()) {
                expectOperator(",");
                if (current().isOperator(")")) {
                    break;
                }
            }
            Token param = expect(Token.Type.NAME, "name");
            params.add(param.text());
            if (skipOperator("=")) {
                defaults.add(parseExpression(true));
            } else if (!defaults.isEmpty()) {
                throw fail("non-default argument follows default argument", param);
            }
        }
        next();
        Set<String> referenced = new HashSet<>();
        macroNames.push(referenced);
        try {
            return new MacroDefinition(name, params, defaults, statements("endmacro"), referenced);
        } finally {
            macroNames.pop();
        }
    }

    private Stmt parseFilterBlock() {
        next();
        Expr filter = parseFilters(new Name(""), true);
        return new FilterBlock(filter, statements("endfilter"));
    }

    private Stmt parseWith() {
        next();
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().type() != Token.Type.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOperator(",");
            }
            targets.add(parseTarget(Set.of(), false));
            expectOperator("=");
            values.add(parseExpression(true));
        }
        return new With(targets, values, statements("endwith"));
    }

    /** An assignment target: names, {@code ns.attr} where allowed, tuples of them. */
    private Target parseTarget(Set<String> extraEnd, boolean withNamespace) {
        List<Target> items = new ArrayList<>();
        boolean tuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(extraEnd) || current().isOperator("=")) {
                break;
            }
            items.add(parseTargetItem(withNamespace));
            if (current().isOperator(",")) {
                tuple = true;
            } else {
                break;
            }
        }
        if (items.isEmpty()) {
            throw fail("expected an assignment target", current());
        }
        return tuple ? new TupleTarget(items) : items.getFirst();
    }

    private Target parseTargetItem(boolean withNamespace) {
        if (skipOperator("(")) {
            Target inner = parseTarget(Set.of(), withNamespace);
            expectOperator(")");
            return inner;
        }
        Token name = current();
        if (name.type() != Token.Type.NAME) {
            throw fail("can't assign to '" + name.describe() + "'", name);
        }
        next();
        if (withNamespace && current().isOperator(".")) {
            next();
            return new AttributeTarget(name.text(), expect(Token.Type.NAME, "name").text());
        }
        if (Set.of("true", "false", "none", "True", "False", "None").contains(name.text())) {
            throw fail("can't assign to '" + name.text() + "'", name);
        }
        return new NameTarget(name.text());
    }

    // --- expressions ------------------------------------------------------------------------

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        return t.type() == Token.Type.VARIABLE_END || t.type() == Token.Type.BLOCK_END || t.isOperator(")")
                || (t.type() == Token.Type.NAME && extraEnd.contains(t.text()));
    }

    private Expr parseTuple(boolean simplified, boolean withConditional, Set<String> extraEnd, boolean parenthesized) {
        List<Expr> items = new ArrayList<>();
        boolean tuple = false;
        while (true) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            items.add(simplified ? parsePrimary() : parseExpression(withConditional));
            if (current().isOperator(",")) {
                tuple = true;
            } else {
                break;
            }
        }
        if (!tuple) {
            if (!items.isEmpty()) {
                return items.getFirst();
            }
            if (!parenthesized) {
                throw fail("Expected an expression, got '" + current().describe() + "'", current());
            }
        }
        return new TupleLiteral(items);
    }

    private Expr parseExpression(boolean withConditional) {
        return withConditional ? parseConditional() : parseOr();
    }

    private Expr parseConditional() {
        Expr then = parseOr();
        while (skipName("if")) {
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseConditional() : null;
            then = new Conditional(test, then, otherwise);
        }
        return then;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (skipName("or")) {
            left = new Or(left, parseAnd());
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (skipName("and")) {
            left = new And(left, parseNot());
        }
        return left;
    }

    private Expr parseNot() {
        if (skipName("not")) {
            return new Not(parseNot());
        }
        return parseCompare();
    }

    private static final Set<String> COMPARISONS = Set.of("==", "!=", "<", "<=", ">", ">=");

    private Expr parseCompare() {
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.type() == Token.Type.OPERATOR && COMPARISONS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek().isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Compare(first, ops, operands);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOperator("+") || current().isOperator("-")) {
            String op = next().text();
            left = new Binary(op, left, parseConcat());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        while (skipOperator("~")) {
            left = new Binary("~", left, parseMath2());
        }
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().isOperator("*") || current().isOperator("/") || current().isOperator("//")
                || current().isOperator("%")) {
            String op = next().text();
            left = new Binary(op, left, parsePow());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (skipOperator("**")) {
            left = new Binary("**", left, parseUnary(true));
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Expr node;
        if (skipOperator("-")) {
            node = new Negative(parseUnary(false));
        } else if (skipOperator("+")) {
            node = new Positive(parseUnary(false));
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        return withFilter ? parseFilterExpression(node) : node;
    }

    private Expr parsePrimary() {
        Token t = current();
        switch (t.type()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Const(true);
                    case "false", "False" -> new Const(false);
                    case "none", "None" -> new Const(null);
                    default -> {
                        macroNames.forEach(names -> names.add(t.text()));
                        yield new Name(t.text());
                    }
                };
            }
            case STRING -> {
                StringBuilder s = new StringBuilder();
                while (current().type() == Token.Type.STRING) {
                    s.append((String) next().value());
                }
                return new Const(s.toString());
            }
            case INTEGER, FLOAT -> {
                next();
                return new Const(t.value());
            }
            case OPERATOR -> {
                switch (t.text()) {
                    case "(" -> {
                        next();
                        Expr inner = parseTuple(false, true, Set.of(), true);
                        expectOperator(")");
                        return inner;
                    }
                    case "[" -> {
                        next();
                        List<Expr> items = new ArrayList<>();
                        while (!current().isOperator("]")) {
                            if (!items.isEmpty()) {
                                expectOperator(",");
                                if (current().isOperator("]")) {
                                    break;
                                }
                            }
                            items.add(parseExpression(true));
                        }
                        next();
                        return new ListLiteral(items);
                    }
                    case "{" -> {
                        next();
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!current().isOperator("}")) {
                            if (!keys.isEmpty()) {
                                expectOperator(",");
                                if (current().isOperator("}")) {
                                    break;
                                }
                            }
                            keys.add(parseExpression(true));
                            expectOperator(":");
                            values.add(parseExpression(true));
                        }
                        next();
                        return new DictLiteral(keys, values);
                    }
                    default -> { }
                }
            }
            default -> { }
        }
        throw fail("unexpected '" + t.describe() + "'", t);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            if (current().isOperator(".") || current().isOperator("[")) {
                node = parseSubscript(node);
            } else if (current().isOperator("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpression(Expr node) {
        while (true) {
            if (current().isOperator("|")) {
                node = parseFilters(node, false);
            } else if (current().isName("is")) {
                node = parseTest(node);
            } else if (current().isOperator("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.text().equals(".")) {
            Token attribute = next();
            if (attribute.type() == Token.Type.NAME) {
                return new GetAttr(node, attribute.text());
            }
            if (attribute.type() != Token.Type.INTEGER) {
                throw fail("expected name or number", attribute);
            }
            return new GetItem(node, new Const(attribute.value()));
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            args.add(parseSubscribed());
        }
        next();
        return new GetItem(node, args.size() == 1 ? args.getFirst() : new TupleLiteral(args));
    }

    private Expr parseSubscribed() {
        Expr start = null;
        if (!current().isOperator(":")) {
            start = parseExpression(true);
            if (!current().isOperator(":")) {
                return start;
            }
        }
        next();
        Expr stop = null;
        if (!current().isOperator("]") && !current().isOperator(",") && !current().isOperator(":")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (skipOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            step = parseExpression(true);
        }
        return new Slice(start, stop, step);
    }

    private record CallArgs(List<Expr> args, List<Keyword> kwargs, Expr starArgs, Expr starKwargs) {}

    private CallArgs parseCallArgs() {
        expectOperator("(");
        List<Expr> args = new ArrayList<>();
        List<Keyword> kwargs = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean first = true;
        while (!current().isOperator(")")) {
            if (!first) {
                expectOperator(",");
                if (current().isOperator(")")) {
                    break;
                }
            }
            first = false;
            if (skipOperator("*")) {
                starArgs = parseExpression(true);
            } else if (skipOperator("**")) {
                starKwargs = parseExpression(true);
            } else if (current().type() == Token.Type.NAME && peek().isOperator("=")) {
                String key = next().text();
                next();
                kwargs.add(new Keyword(key, parseExpression(true)));
            } else {
                if (!kwargs.isEmpty() || starArgs != null || starKwargs != null) {
                    throw fail("Invalid argument syntax", current());
                }
                args.add(parseExpression(true));
            }
        }
        next();
        return new CallArgs(args, kwargs, starArgs, starKwargs);
    }

    private Expr parseCall(Expr node) {
        CallArgs a = parseCallArgs();
        return new Call(node, a.args(), a.kwargs(), a.starArgs(), a.starKwargs());
    }

    /** One or more {@code | name(args)}; with {@code startInline} the first filter has no bar. */
    private Expr parseFilters(Expr node, boolean startInline) {
        while (current().isOperator("|") || startInline) {
            if (!startInline) {
                next();
            }
            startInline = false;
            Token nameToken = expect(Token.Type.NAME, "name");
            String name = dottedName(nameToken.text());
            CallArgs a = current().isOperator("(") ? parseCallArgs() : new CallArgs(List.of(), List.of(), null, null);
            node = new Filter(node, name, a.args(), a.kwargs(), !filters.contains(name), nameToken.offset());
        }
        return node;
    }

    private String dottedName(String first) {
        StringBuilder name = new StringBuilder(first);
        while (current().isOperator(".")) {
            next();
            name.append('.').append(expect(Token.Type.NAME, "name").text());
        }
        return name.toString();
    }

    private static final Set<Token.Type> TEST_ARGUMENT_START = Set.of(Token.Type.NAME, Token.Type.STRING,
            Token.Type.INTEGER, Token.Type.FLOAT);

    private Expr parseTest(Expr node) {
        next();
        boolean negated = skipName("not");
        Token nameToken = expect(Token.Type.NAME, "name");
        String name = dottedName(nameToken.text());
        List<Expr> args = List.of();
        List<Keyword> kwargs = List.of();
        Token t = current();
        if (t.isOperator("(")) {
            CallArgs a = parseCallArgs();
            args = a.args();
            kwargs = a.kwargs();
        } else if ((TEST_ARGUMENT_START.contains(t.type()) || t.isOperator("[") || t.isOperator("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is", t);
            }
            args = List.of(parsePostfix(parsePrimary()));
        }
        Expr test = new Test(node, name, args, kwargs, !tests.contains(name), nameToken.offset());
        return negated ? new Not(test) : test;
    }
}
