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
 *
 * @PostMapping("/upload")
 * @RateLimit(algorithm = Algorithm.TOKEN_BUCKET, limit = 1, per = "1s", capacity = 10)
 * @RateLimit(algorithm = Algorithm.CONCURRENCY, limit = 2, name = "in-flight")
 * void upload(@RequestBody byte[] body) { ... }
 * }</pre>
 *
 * <p>{@link #algorithm()} picks the limiter (times-per by default); each algorithm takes its own attributes besides
 * {@code limit} and {@code per}, as in YAML (see {@link Algorithm}). A bad annotation (a limit below 1, a period that
 * does not parse, has no unit or is not positive, an attribute of another algorithm) fails the application's startup
 * with a message naming the method and the attribute.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
@Repeatable(RateLimit.List.class)
public @interface RateLimit {

    /** The algorithm; times-per by default. */
    Algorithm algorithm() default Algorithm.TIMES_PER;

    /**
     * Uses per window, at least 1: a token bucket's tokens refilled per {@link #per()}, GCRA's rate, the requests in
     * flight of a concurrency limit.
     */
    int limit();

    /**
     * The window, with a unit, as in {@code application.yml}: {@code 10s}, {@code 500ms}, {@code 1h}, {@code 1d},
     * {@code PT10S}; at most {@code 36500d}. A bare number such as {@code "10"} fails startup: Spring Boot's rule
     * would read it as milliseconds. Required by every algorithm but concurrency, which takes none.
     */
    String per() default "";

    /** The policy's name in the {@code RateLimit} headers; {@code route}, {@code route-2}, ... by default. */
    String name() default "";

    /**
     * Times-per only: shifts the end of each window, with a unit, as {@code ratelimit.per-route.reset-offset};
     * {@code 0s} by default.
     */
    String resetOffset() default "0s";

    /** Token bucket only: the most tokens the bucket holds, at least 1; {@link #limit()} when not set (-1). */
    int capacity() default -1;

    /** Token bucket only: how tokens come back; continuously by default. */
    Algorithm.Refill refill() default Algorithm.Refill.GREEDY;

    /** Token bucket only: the tokens of a client's new bucket, 0 to the capacity; the capacity when not set (-1). */
    int initialTokens() default -1;

    /** GCRA only: the uses that may come at once, at least 1; {@link #limit()} when not set (-1). */
    int burst() default -1;

    /** Concurrency only: the {@code Retry-After} of a refused request, with a unit; {@code 1s} when not set. */
    String retryAfter() default "";

    /**
     * What each request of the handler takes of every limit it uses (the global ones and the handler's), at least 1
     * and at most what each admits at once; 1 by default. The request's cost, not one limit's: the repeated
     * annotations of one handler give it once, or the same on each.
     */
    int cost() default 1;

    /**
     * Whether the handler's limits refuse ({@link Mode#ENFORCE}, the default) or only count and observe
     * ({@link Mode#SHADOW}): a request they would refuse is let through, still taking the global limits' use. The
     * handler's, not one limit's: the handler is in shadow mode if one of its annotations says so.
     */
    Mode mode() default Mode.ENFORCE;

    /**
     * How long a request the handler's limits (or the global ones) would refuse may wait for room before it is
     * refused, with a unit ({@code "200ms"}), at most {@code 1m}; not set, the default, refuses at once. The
     * handler's, not one limit's: the repeated annotations of one handler give it once, or the same on each.
     */
    String maxWait() default "";

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
