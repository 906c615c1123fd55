package dev.kiln.core.tensor;

import dev.kiln.api.tensor.TensorScope;
import java.util.ArrayDeque;
import java.util.Deque;

/** This thread's stack of open {@link TensorScope}s. */
final class Scopes {

    private static final ThreadLocal<Deque<Scope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private Scopes() {}

    static TensorScope open() {
        Deque<Scope> stack = OPEN.get();
        Scope scope = new Scope(stack.peek());
        stack.push(scope);
        return scope;
    }

    /** Hands {@code tensor} to the innermost open scope, if any; returns it. */
    static DeviceTensor register(DeviceTensor tensor) {
        Scope innermost = OPEN.get().peek();
        if (innermost != null && tensor.owner == null) {
            innermost.adopt(tensor);
        }
        return tensor;
    }

    /** Closes {@code scope} and any scope opened inside it that is still open. */
    static void close(Scope scope) {
        Deque<Scope> stack = OPEN.get();
        if (!stack.contains(scope)) {
            throw new IllegalStateException("a tensor scope must be closed on the thread that"
                    + " opened it");
        }
        Scope top;
        do {
            top = stack.pop();
            top.closeTensors();
        } while (top != scope);
    }
}
