package dev.kiln.api.eval;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/** The service property {@value #PROPERTY} that names a {@link Evaluator} ({@code --eval_dataset} task kinds). */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface EvaluatorName {

    /** Prefix that turns the annotation's name into the property {@value #PROPERTY}. */
    String PREFIX_ = "kiln.";

    /** The service property that carries the name. */
    String PROPERTY = "kiln.evaluator.name";

    /** The name: {@code perplexity}, {@code multiple-choice}, .... */
    String value();
}
