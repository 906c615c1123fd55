package dev.kiln.serving.engine;

import dev.kiln.api.model.LinearLayer;
import dev.kiln.api.model.WrappedLinearLayer;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tensor.TensorOps;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A base linear layer shared by several adapters, each row of a batch choosing its own (or
 * none): the base runs once over all rows, and each run of consecutive rows with one adapter
 * adds that adapter's delta on those rows only. The rows' adapters are the engine's
 * {@link AdapterRouting} for the forward being run; rows are a batch's first dimension.
 */
final class RoutedLinear extends WrappedLinearLayer {

    private final TensorOps ops;
    private final AdapterRouting routing;
    /** Adapter id to the layer computing its delta (base output zero). */
    private final Map<Integer, LinearLayer> deltas = new HashMap<>();

    RoutedLinear(TensorOps ops, LinearLayer base, AdapterRouting routing) {
        super(base);
        this.ops = ops;
        this.routing = routing;
    }

    void put(int adapter, LinearLayer delta) {
        deltas.put(adapter, delta);
    }

    void remove(int adapter) {
        deltas.remove(adapter);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = base().forward(x);
        int[] rows = routing.rows();
        if (deltas.isEmpty() || rows == null) {
            return out;
        }
        int batch = x.shape().dim(0);
        if (rows.length != batch) {
            throw new IllegalStateException("adapter routing covers " + rows.length
                    + " rows, the forward has " + batch);
        }
        List<Tensor> parts = new ArrayList<>();
        boolean adapted = false;
        for (int start = 0; start < batch; ) {
            int end = start + 1;
            while (end < batch && rows[end] == rows[start]) {
                end++;
            }
            LinearLayer delta = deltas.get(rows[start]);
            Tensor part = end - start == batch ? out : ops.narrow(out, 0, start, end - start);
            if (delta != null) {
                Tensor input = end - start == batch ? x : ops.narrow(x, 0, start, end - start);
                part = ops.add(part, delta.forward(input));
                adapted = true;
            }
            parts.add(part);
            start = end;
        }
        if (!adapted) {
            return out;
        }
        return parts.size() == 1 ? parts.getFirst() : ops.concat(parts, 0);
    }


    @Override
    public String toString() {
        return "routed " + deltas.keySet() + " over " + base();
    }
}
