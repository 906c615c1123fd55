package dev.kiln.core.tensor;

import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorScope;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;

/** A {@link TensorScope}: owns the handles created inside it until it closes them. */
final class Scope implements TensorScope {

    private final Scope enclosing;
    // Handles compare by identity, so a set gives O(1) keep and forget.
    private final SequencedSet<DeviceTensor> owned = new LinkedHashSet<>();
    private boolean closed;

    Scope(Scope enclosing) {
        this.enclosing = enclosing;
    }

    void adopt(DeviceTensor tensor) {
        owned.add(tensor);
        tensor.owner = this;
    }

    /** Called when a handle is closed before its scope. */
    void forget(DeviceTensor tensor) {
        owned.remove(tensor);
    }

    @Override
    public Tensor keep(Tensor tensor) {
        if (closed) {
            throw new IllegalStateException("keep: the scope is already closed");
        }
        DeviceTensor handle = DeviceTensor.of(tensor);
        if (handle.owner == this) {
            owned.remove(handle);
            handle.owner = null;
            if (enclosing != null && !enclosing.closed) {
                enclosing.adopt(handle);
            }
        }
        return tensor;
    }

    @Override
    public void close() {
        if (!closed) {
            Scopes.close(this);
        }
    }

    /** Closes the owned handles, newest first. */
    void closeTensors() {
        closed = true;
        List<DeviceTensor> toClose = new ArrayList<>(owned.reversed());
        owned.clear();
        for (DeviceTensor tensor : toClose) {
            tensor.owner = null;
            tensor.close();
        }
    }
}
