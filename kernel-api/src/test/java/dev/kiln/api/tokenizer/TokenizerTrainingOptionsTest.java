package dev.kiln.api.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTrainingOptionsTest {

    @Test
    void defaultsAreNoSpecialTokensNoRolesNoTemplate() {
        TokenizerTrainingOptions o = TokenizerTrainingOptions.builder(1000).build();
        assertEquals(1000, o.vocabSize());
        assertEquals(0, o.minFrequency());
        assertEquals(List.of(), o.specialTokens());
        assertTrue(o.bosToken().isEmpty() && o.eosToken().isEmpty() && o.padToken().isEmpty());
        assertTrue(o.chatTemplate().isEmpty());
        assertEquals(0, o.modelMaxLength());
    }

    @Test
    void rolesNameSpecialTokens() {
        TokenizerTrainingOptions o = TokenizerTrainingOptions.builder(500).minFrequency(2)
                .specialTokens(List.of("<s>", "</s>")).bosToken("<s>").eosToken("</s>").padToken("</s>")
                .chatTemplate("{{ x }}").modelMaxLength(512).build();
        assertEquals("<s>", o.bosToken().orElseThrow());
        assertEquals("</s>", o.padToken().orElseThrow());
        assertEquals(2, o.minFrequency());
        assertEquals("{{ x }}", o.chatTemplate().orElseThrow());
        assertEquals(512, o.modelMaxLength());
    }

    @Test
    void badValuesAreRefused() {
        assertEquals("vocab size 0: must be positive", assertThrows(IllegalArgumentException.class,
                () -> TokenizerTrainingOptions.builder(0).build()).getMessage());
        assertEquals("min frequency -1: must not be negative", assertThrows(IllegalArgumentException.class,
                () -> TokenizerTrainingOptions.builder(10).minFrequency(-1).build()).getMessage());
        assertEquals("pad token <pad> is not one of the special tokens [<s>]", assertThrows(
                IllegalArgumentException.class, () -> TokenizerTrainingOptions.builder(10)
                        .specialTokens(List.of("<s>")).padToken("<pad>").build()).getMessage());
    }
}
