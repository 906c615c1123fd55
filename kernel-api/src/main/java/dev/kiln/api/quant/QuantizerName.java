package dev.kiln.api.quant;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/** The service property {@value #PROPERTY} that names a {@link Quantizer} ({@code --quant_method}). */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface QuantizerName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the name. */
    String PROPERTY = "kiln.quantizer.name";

    /** The name: {@code nf4}, {@code gptq}, .... */
    String value();
}
