package dev.kiln.models.tokenizer;

import dev.kiln.api.tokenizer.TokenizerFactory;
import dev.kiln.api.weights.WeightFormat;

/**
 * A {@link GgufTokenizerFactory} outside OSGi: Declarative Services binds its weight format
 * through a package-private method, which this class (in the same package) calls.
 */
public final class GgufTokenizerFactories {

    private GgufTokenizerFactories() {}

    public static TokenizerFactory reading(WeightFormat format) {
        GgufTokenizerFactory factory = new GgufTokenizerFactory();
        factory.addFormat(format);
        return factory;
    }
}
