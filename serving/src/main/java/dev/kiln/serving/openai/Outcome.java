package dev.kiln.serving.openai;

import dev.kiln.core.generate.GenerationResult;

/**
 * One choice once it is done: its text as the client gets it (the engine's releases joined) and
 * the engine's result (tokens, finish reason, log-probabilities).
 */
record Outcome(String text, GenerationResult result) {}
