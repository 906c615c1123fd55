package dev.kiln.serving.openai;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.TokenLogprobs;
import java.util.List;

/** How one endpoint writes the events of a stream: chat completion chunks, or text completion ones. */
interface StreamFormat {

    /** What is sent before any token (the chat's role announcement per choice). */
    List<ObjectNode> opening(int choices);

    /** The chunk for a token of {@code choice}, or null when there is nothing to tell. */
    ObjectNode token(int choice, String text, TokenLogprobs logprobs);

    /** The chunks that end {@code choice}: what was held back, and the finish reason. */
    List<ObjectNode> finish(int choice, String text, GenerationResult result);

    /** The last chunk when usage was asked for: no choices, the usage. */
    ObjectNode usage(Usage usage);
}
