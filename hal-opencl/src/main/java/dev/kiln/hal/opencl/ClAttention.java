package dev.kiln.hal.opencl;

import static org.jocl.CL.clReleaseMemObject;

import dev.kiln.api.backend.AttentionShape;
import dev.kiln.api.backend.DeviceBuffer;
import dev.kiln.api.backend.Slice;
import dev.kiln.api.tensor.DType;
import java.util.function.Supplier;
import org.jocl.cl_mem;

/**
 * attention and its backward (attention.cl), flash-style: the forward and dq keep one query row
 * per work item and stream tiles of keys and values through local memory with an online
 * softmax; dk and dv keep one key row per work item and stream tiles of queries. Nothing of size
 * seqQ × seqK is ever stored, and every output element is summed by one work item (no atomics).
 * The kernels are compiled per head-size class, so rows live in private memory of a fixed size.
 */
final class ClAttention {

    private static final int SMALLEST_HEAD_CAPACITY = 16;

    private final OpenClDevice device;
    /** Widens a bfloat16 KV cache before the kernels read it. */
    private final ClConvert convert;

    ClAttention(OpenClDevice device, ClConvert convert) {
        this.device = device;
        this.convert = convert;
    }

    void forward(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        Operands check = new Operands(device, "attention");
        DType kType = check.any("k", k, s.keyElements()).dtype();
        DType vType = check.any("v", v, s.keyElements()).dtype();
        if (kType != vType) {
            throw check.fail("k and v must both be F32 or both BF16, not " + kType + " and " + vType);
        }
        if (kType == DType.BF16) {
            forwardOverBf16Cache(s, q, k, v, mask, out, lse);
            return;
        }
        check.f32("q", q, s.queryElements());
        check.f32("k", k, s.keyElements());
        check.f32("v", v, s.keyElements());
        if (mask != null) {
            check.f32("mask", mask, maskElements(s));
        }
        check.f32("out", out, s.queryElements());
        check.f32("lse", lse, s.lseElements());
        ClProgram program = device.attentionProgram(headCapacity(s.headDim()));
        int group = groupSize(program, "attention_forward");
        long groups = (long) s.batch() * s.heads() * blocks(s.seqQ(), group);
        shaped(launch(program, "attention_forward", () -> "attention " + describe(s, mask))
                .slice(q).slice(k).slice(v).optional(mask, q).flag(mask != null).slice(out).slice(lse), s)
                .runGroups(groups, group);
    }

    /**
     * K and V kept in bfloat16: positions [0, seqK) of each batch entry are converted into F32
     * buffers of capacity seqK, then attended to as F32. The buffers are released at once; OpenCL
     * keeps them until the kernels queued on them have run.
     */
    private void forwardOverBf16Cache(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse) {
        AttentionShape used = new AttentionShape(s.batch(), s.seqQ(), s.seqK(), s.seqK(), s.heads(), s.kvHeads(),
                s.headDim(), s.scale(), s.causal(), s.queryOffset());
        DeviceBuffer kWide = device.allocate(DType.F32, used.keyElements());
        DeviceBuffer vWide = null;
        try {
            vWide = device.allocate(DType.F32, used.keyElements());
            long row = (long) s.kvHeads() * s.headDim();
            for (int b = 0; b < s.batch(); b++) {
                long from = (long) b * s.kvCapacity() * row;
                long to = (long) b * s.seqK() * row;
                convert.convert(new Slice(k.buffer(), k.offset() + from), new Slice(kWide, to), s.seqK() * row);
                convert.convert(new Slice(v.buffer(), v.offset() + from), new Slice(vWide, to), s.seqK() * row);
            }
            forward(used, q, Slice.of(kWide), Slice.of(vWide), mask, out, lse);
        } finally {
            kWide.release();
            if (vWide != null) {
                vWide.release();
            }
        }
    }

    void backward(AttentionShape s, Slice q, Slice k, Slice v, Slice mask, Slice out, Slice lse, Slice dOut, Slice dq,
            Slice dk, Slice dv) {
        Operands check = new Operands(device, "attentionBackward");
        check.f32("q", q, s.queryElements());
        check.f32("k", k, s.keyElements());
        check.f32("v", v, s.keyElements());
        if (mask != null) {
            check.f32("mask", mask, maskElements(s));
        }
        check.f32("out", out, s.queryElements());
        check.f32("lse", lse, s.lseElements());
        check.f32("dOut", dOut, s.queryElements());
        check.f32("dq", dq, s.queryElements());
        check.f32("dk", dk, s.keyElements());
        check.f32("dv", dv, s.keyElements());
        ClProgram program = device.attentionProgram(headCapacity(s.headDim()));
        Supplier<String> call = () -> "attentionBackward " + describe(s, mask);
        cl_mem dots = device.scratchFloats(s.lseElements());
        try {
            launch(program, "attention_backward_dot", call).slice(out).slice(dOut).memory(dots).intValue(s.seqQ())
                    .intValue(s.heads()).intValue(s.headDim()).longValue(s.lseElements())
                    .run1d(s.lseElements(), device.tuning().elementGroup());
            int queryGroup = groupSize(program, "attention_backward_dq");
            shaped(launch(program, "attention_backward_dq", call).slice(q).slice(k).slice(v).optional(mask, q)
                    .flag(mask != null).slice(lse).memory(dots).slice(dOut).slice(dq), s)
                    .runGroups((long) s.batch() * s.heads() * blocks(s.seqQ(), queryGroup), queryGroup);
            int keyGroup = groupSize(program, "attention_backward_dkdv");
            shaped(launch(program, "attention_backward_dkdv", call).slice(q).slice(k).slice(v).optional(mask, q)
                    .flag(mask != null).slice(lse).memory(dots).slice(dOut).slice(dk).slice(dv), s)
                    .runGroups((long) s.batch() * s.kvHeads() * blocks(s.seqK(), keyGroup), keyGroup);
        } finally {
            clReleaseMemObject(dots); // freed once the kernels have run
        }
    }

    /** The arguments every attention kernel ends with. */
    private static Launch shaped(Launch launch, AttentionShape s) {
        return launch.intValue(s.seqQ()).intValue(s.seqK()).intValue(s.kvCapacity()).intValue(s.heads())
                .intValue(s.kvHeads()).intValue(s.headDim()).floatValue(s.scale()).flag(s.causal())
                .intValue(s.queryOffset());
    }

    /** Work items per work-group: the tuning's, or fewer where the compiled kernel allows fewer. */
    private int groupSize(ClProgram program, String kernel) {
        return Tuning.floorPowerOfTwo(Math.min(device.tuning().attentionGroup(), program.maxWorkGroupSize(kernel)));
    }

    /** The private row size the kernels are compiled for: a power of two, at least the head. */
    static int headCapacity(int headDim) {
        int capacity = SMALLEST_HEAD_CAPACITY;
        while (capacity < headDim) {
            capacity *= 2;
        }
        return capacity;
    }

    private static long blocks(int rows, int group) {
        return (rows + group - 1) / group;
    }

    private static long maskElements(AttentionShape s) {
        return (long) s.batch() * s.seqQ() * s.seqK();
    }

    private Launch launch(ClProgram program, String kernel, Supplier<String> call) {
        return new Launch(device, program, kernel, call);
    }

    private static String describe(AttentionShape s, Slice mask) {
        return "batch=" + s.batch() + " seqQ=" + s.seqQ() + " seqK=" + s.seqK() + " kvCapacity=" + s.kvCapacity()
                + " heads=" + s.heads() + "/" + s.kvHeads() + " headDim=" + s.headDim()
                + (s.causal() ? " causal queryOffset=" + s.queryOffset() : "") + (mask != null ? " masked" : "");
    }
}
