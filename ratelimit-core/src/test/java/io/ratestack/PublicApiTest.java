package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The public types of ratelimit-core, written out: a type made public fails this test until it is added to the list,
 * so widening the API is a visible decision. Public means a user may rely on it; implementation types are package-
 * private.
 */
class PublicApiTest {

    @Test
    void publicTypesAreTheListedOnes() {
        assertThat(PublicTypes.of(RateLimiter.class, "io.ratestack")).containsExactly(
                "AcquireResult",
                "Cancellable",
                "Clock",
                "FakeClock",
                "ForwardingPermit",
                "InvalidTermException",
                "Limit",
                "LimitAlgorithm",
                "LimitSpec",
                "LimitSpec$Concurrency",
                "LimitSpec$Gcra",
                "LimitSpec$SlidingWindow",
                "LimitSpec$TokenBucket",
                "Permit",
                "RateLimitCancelException",
                "RateLimitStatus",
                "RateLimitedException",
                "RateLimiter",
                "RateLimiters",
                "RateLimiters$ConcurrencyBuilder",
                "RateLimiters$GcraBuilder",
                "RateLimiters$SlidingWindowBuilder",
                "RateLimiters$TimesPerBuilder",
                "RateLimiters$TokenBucketBuilder",
                "Refusal",
                "RemoteLimit",
                "RemoteLimit$State",
                "Scheduler",
                "Subscription");
    }
}
