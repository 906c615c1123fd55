package dev.kiln.api.aligner;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/** The service property {@value #PROPERTY} that names a {@link Aligner} ({@code --rlhf_type}). */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface AlignerName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the name. */
    String PROPERTY = "kiln.aligner.name";

    /** The name: {@code dpo}, {@code kto}, .... */
    String value();
}
