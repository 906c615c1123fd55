package dev.kiln.api.tokenizer;

import java.util.OptionalInt;
import java.util.Set;

/** The ids with a role: beginning and end of sequence, padding, unknown. */
public final class SpecialTokens {

    private final Integer bos;
    private final Set<Integer> eos;
    private final Integer pad;
    private final Integer unk;

    /**
     * @param bos beginning of sequence, or null
     * @param eos every id that ends generation (a chat model may have several)
     * @param pad padding, or null
     * @param unk unknown, or null
     */
    public SpecialTokens(Integer bos, Set<Integer> eos, Integer pad, Integer unk) {
        this.bos = bos;
        this.eos = Set.copyOf(eos);
        this.pad = pad;
        this.unk = unk;
    }

    public OptionalInt bos() { return bos == null ? OptionalInt.empty() : OptionalInt.of(bos); }
    public Set<Integer> eos() { return eos; }
    public OptionalInt pad() { return pad == null ? OptionalInt.empty() : OptionalInt.of(pad); }
    public OptionalInt unk() { return unk == null ? OptionalInt.empty() : OptionalInt.of(unk); }
}
