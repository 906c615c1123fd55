package dev.kiln.core.generate;

/** A token and its log-probability under the model (its raw logits, before any sampling step). */
public record Logprob(int tokenId, double logprob) {}
