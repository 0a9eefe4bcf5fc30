package io.ratestack.spring.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Replaces the per-route limit of the annotated handler method, or of every handler method of the annotated
 * controller class. Repeat it to stack limits: every one must admit. Annotations on a method win over those on its
 * class. The global limit still applies, unless the handler is {@link Exempt}.
 *
 * <pre>{@code
 * @GetMapping("/search")
 * @RateLimit(limit = 2, per = "1s")
 * @RateLimit(limit = 100, per = "1h", name = "hourly")
 * List<Hit> search(@RequestParam String q) { ... }
 * }</pre>
 *
 * <p>A bad annotation (a limit below 1, a period that does not parse, has no unit or is not positive) fails the
 * application's startup with a message naming the method.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@Repeatable(RateLimit.List.class)
public @interface RateLimit {

    /** Uses per window, at least 1. */
    int limit();

    /**
     * The window, with a unit, as in {@code application.yml}: {@code 10s}, {@code 500ms}, {@code 1h}, {@code 1d},
     * {@code PT10S}; at most {@code 36500d}. A bare number such as {@code "10"} fails startup: Spring Boot's rule
     * would read it as milliseconds.
     */
    String per();

    /** The policy's name in the {@code RateLimit} headers; {@code route}, {@code route-2}, ... by default. */
    String name() default "";

    /**
     * Shifts the end of each window, with a unit, as {@code ratelimit.per-route.reset-offset}; {@code 0s} by
     * default.
     */
    String resetOffset() default "0s";

    /** The container of repeated {@link RateLimit} annotations. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.METHOD, ElementType.TYPE})
    @interface List {
        /** The stacked limits. */
        RateLimit[] value();
    }

    /**
     * Exempts the annotated handler method, or every handler method of the annotated class, from rate limiting,
     * global limit included.
     */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.METHOD, ElementType.TYPE})
    @interface Exempt {
    }
}
