package dev.kiln.api.tokenizer;

import java.util.Optional;
import java.util.OptionalInt;
import org.osgi.annotation.versioning.ConsumerType;

/** Text to token ids and back, as the model was trained. Thread-safe. */
@ConsumerType
public interface Tokenizer {

    /**
     * The ids of {@code text}.
     *
     * @param addSpecialTokens add what the tokenizer adds around a sequence (e.g. Llama's BOS),
     *     as Hugging Face's {@code add_special_tokens}
     */
    int[] encode(String text, boolean addSpecialTokens);

    /** The text of {@code ids}; special tokens are left out when {@code skipSpecialTokens}. */
    String decode(int[] ids, boolean skipSpecialTokens);

    /** A decoder for ids that arrive one at a time, as generation produces them. */
    StreamingDecoder streamingDecoder(boolean skipSpecialTokens);

    /** The number of ids, added tokens included. */
    int vocabSize();

    /** The id of a token string, if it is in the vocabulary. */
    OptionalInt tokenId(String token);

    /** The token string of an id. */
    Optional<String> token(int id);

    SpecialTokens specialTokens();
}
