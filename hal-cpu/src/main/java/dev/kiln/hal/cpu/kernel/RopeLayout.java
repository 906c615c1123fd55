package dev.kiln.hal.cpu.kernel;

/** Which dimensions of a head a rotary embedding rotates together. */
public enum RopeLayout {
    /** GPT-NeoX / Llama in Hugging Face form: dimension i pairs with i + rotaryDim / 2. */
    ROTATE_HALF,
    /** GPT-J / Meta's original Llama: dimension 2i pairs with 2i + 1. */
    INTERLEAVED
}
