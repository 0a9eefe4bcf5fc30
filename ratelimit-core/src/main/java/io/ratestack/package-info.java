/**
 * Stackable rate limiters.
 *
 * <p>Start with {@link io.ratestack.RateLimiters}: {@code timesPer} makes a limiter that admits a number of uses per
 * period, {@code all} stacks limiters so that every one must admit, and {@code any} takes the first that admits.
 * Every limiter is a {@link io.ratestack.RateLimiter}; a granted use is a {@link io.ratestack.Permit} that is
 * completed with {@code close()} or refunded with {@code cancel()}.
 *
 * <p>Everything in this package is thread-safe. Implementations are package-private; only the types here are API.
 */
@NullMarked
package io.ratestack;

import org.jspecify.annotations.NullMarked;
