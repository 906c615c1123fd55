package dev.kiln.hal.cpu;

import static dev.kiln.hal.cpu.Operands.at;

import dev.kiln.api.backend.RopeSpec;
import dev.kiln.api.backend.Slice;
import dev.kiln.hal.cpu.kernel.Rope;
import dev.kiln.hal.cpu.kernel.RopeLayout;
import dev.kiln.hal.cpu.kernel.RopeScaling;
import dev.kiln.hal.cpu.kernel.RopeTable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * rope, in place, split into token blocks. The cos/sin tables are built once per {@link RopeSpec}
 * and kept: a model has one or two specs, and a table is rebuilt (larger) only when a position
 * beyond it turns up, growing by powers of two so that a lengthening generation rebuilds rarely.
 */
final class CpuRope {

    /** The fewest positions a table is built for: small tables would be rebuilt again soon. */
    static final int MIN_POSITIONS = 2048;
    /** More specs than any model uses: past this the cache starts afresh rather than grow. */
    private static final int MAX_CACHED_SPECS = 16;

    private final CpuDevice device;
    private final Blocks blocks;
    private final Map<RopeSpec, RopeTable> tables = new ConcurrentHashMap<>();

    CpuRope(CpuDevice device, Blocks blocks) {
        this.device = device;
        this.blocks = blocks;
    }

    void rope(RopeSpec spec, Slice x, Slice positions, int tokens, int heads, boolean inverse) {
        Operands op = new Operands(device, "rope");
        if (spec == null) {
            throw op.fail("spec is null");
        }
        op.size("tokens", tokens);
        op.size("heads", heads);
        int headDim = spec.headDim();
        long rowLength = (long) heads * headDim;
        float[] xs = op.f32("x", x, tokens * rowLength);
        int[] ps = op.i32("positions", positions, tokens);
        int xo = at(x), po = at(positions);
        if (tokens == 0 || heads == 0) {
            return;
        }
        RopeTable table = table(spec, maxPosition(op, ps, po, tokens));
        blocks.rows(tokens, rowLength, (from, to) -> {
            if (inverse) {
                Rope.ropeBackward(xs, xo, xs, xo, heads, headDim, table, ps, po, from, to);
            } else {
                Rope.rope(xs, xo, xs, xo, heads, headDim, table, ps, po, from, to);
            }
        });
    }

    /** The spec's table, covering at least position {@code maxPosition}. */
    RopeTable table(RopeSpec spec, int maxPosition) {
        if (tables.size() > MAX_CACHED_SPECS) {
            tables.clear();
        }
        return tables.compute(spec, (key, old) -> old != null && old.maxPositions() > maxPosition ? old
                : RopeTable.build(spec.interleaved() ? RopeLayout.INTERLEAVED : RopeLayout.ROTATE_HALF,
                        spec.rotaryDim(), positionsFor(maxPosition, old), spec.theta(), scaling(spec.scaling())));
    }

    /** A power of two above {@code maxPosition}, at least twice the old table's. */
    private static int positionsFor(int maxPosition, RopeTable old) {
        long wanted = Math.max((long) maxPosition + 1, old == null ? MIN_POSITIONS : 2L * old.maxPositions());
        long size = Math.max(MIN_POSITIONS, Long.highestOneBit(wanted - 1) << 1);
        // Past 2^30 positions, exactly what is needed (the table may not fit anyway).
        return (int) (size <= 1 << 30 ? size : (long) maxPosition + 1);
    }

    private static int maxPosition(Operands op, int[] positions, int offset, int tokens) {
        int max = 0;
        for (int t = 0; t < tokens; t++) {
            int position = positions[offset + t];
            if (position < 0) {
                throw op.fail("position of token " + t + " is negative: " + position);
            }
            max = Math.max(max, position);
        }
        return max;
    }

    private static RopeScaling scaling(RopeSpec.Scaling s) {
        return switch (s.type()) {
            case "linear" -> RopeScaling.linear(s.factor());
            case "llama3" -> RopeScaling.llama3(s.factor(), s.lowFreqFactor(), s.highFreqFactor(),
                    s.originalMaxPositions());
            default -> RopeScaling.none(); // "none": RopeSpec.Scaling admits no other type
        };
    }
}
