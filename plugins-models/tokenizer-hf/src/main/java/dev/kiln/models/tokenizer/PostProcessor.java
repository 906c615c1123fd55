package dev.kiln.models.tokenizer;

import java.util.List;

/**
 * A tokenizer.json post-processor, for what it adds around a single sequence when special tokens
 * are asked for. Offsets, type ids and pairs are not Kiln's concern.
 */
interface PostProcessor {

    int[] process(int[] ids, boolean addSpecialTokens);

    /** The special token the template puts first, if any: the BOS. */
    default Integer leadingSpecial() {
        return null;
    }

    /**
     * {@code TemplateProcessing}'s single template: each item either the sequence ({@code null})
     * or the ids of a special token.
     */
    record Template(List<int[]> items) implements PostProcessor {
        @Override
        public int[] process(int[] ids, boolean addSpecialTokens) {
            if (!addSpecialTokens) {
                return ids;
            }
            IntList out = new IntList(ids.length + 4);
            for (int[] item : items) {
                out.addAll(item == null ? ids : item);
            }
            return out.toArray();
        }

        @Override
        public Integer leadingSpecial() {
            return !items.isEmpty() && items.getFirst() != null && items.getFirst().length > 0
                    ? items.getFirst()[0] : null;
        }
    }

    /** {@code ByteLevel}: only trims offsets, adds nothing. */
    record Identity() implements PostProcessor {
        @Override
        public int[] process(int[] ids, boolean addSpecialTokens) {
            return ids;
        }
    }

    /** {@code Sequence}: each processor in turn. */
    record Sequence(List<PostProcessor> processors) implements PostProcessor {
        @Override
        public int[] process(int[] ids, boolean addSpecialTokens) {
            for (PostProcessor p : processors) {
                ids = p.process(ids, addSpecialTokens);
            }
            return ids;
        }

        @Override
        public Integer leadingSpecial() {
            Integer lead = null;
            for (PostProcessor p : processors) {
                Integer l = p.leadingSpecial();
                if (l != null) {
                    lead = l;
                }
            }
            return lead;
        }
    }
}
