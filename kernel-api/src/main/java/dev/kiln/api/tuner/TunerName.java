package dev.kiln.api.tuner;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/** The service property {@value #PROPERTY} that names a {@link Tuner} ({@code --train_type}). */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TunerName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the name. */
    String PROPERTY = "kiln.tuner.name";

    /** The name: {@code full}, {@code lora}, .... */
    String value();
}
