package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The terms of every algorithm as values: validated as their builders, made into the right limiter by {@code of}. */
class LimitSpecTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void tokenBucketTermsAreValidatedAsItsBuilder() {
        assertThatThrownBy(() -> LimitSpec.TokenBucket.of(0, 1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("capacity must be > 0 but was 0");
        assertThatThrownBy(() -> LimitSpec.TokenBucket.of(1, -2, Duration.ofSeconds(1)))
                .hasMessage("refillTokens must be > 0 but was -2");
        assertThatThrownBy(() -> LimitSpec.TokenBucket.of(1, 1, Duration.ZERO))
                .hasMessage("refillPeriod must be > 0 but was PT0S");
        assertThatThrownBy(() -> LimitSpec.TokenBucket.of(3, 1, Duration.ofSeconds(1)).withInitialTokens(4))
                .hasMessage("initialTokens must be >= 0 and <= 3 but was 4");
        assertThatThrownBy(() -> LimitSpec.TokenBucket.of(3, 1, null))
                .isInstanceOf(NullPointerException.class).hasMessage("refillPeriod must not be null");
    }

    @Test
    void gcraTermsAreValidatedAsItsBuilder() {
        assertThatThrownBy(() -> LimitSpec.Gcra.of(0, Duration.ofSeconds(1), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("rate must be > 0 but was 0");
        assertThatThrownBy(() -> LimitSpec.Gcra.of(1, Duration.ofSeconds(-1), 1))
                .hasMessage("period must be > 0 but was PT-1S");
        assertThatThrownBy(() -> LimitSpec.Gcra.of(1, Duration.ofSeconds(1), 0))
                .hasMessage("burst must be > 0 but was 0");
        assertThatThrownBy(() -> LimitSpec.Gcra.of(2, Duration.ofNanos(1), 1))
                .hasMessage("rate must be <= the period in nanoseconds (1) but was 2");
        assertThat(LimitSpec.Gcra.of(3, Duration.ofSeconds(1), 1).emissionInterval())
                .isEqualTo(Duration.ofNanos(333_333_334));
    }

    @Test
    void slidingWindowAndConcurrencyTermsAreValidatedAsTheirBuilders() {
        assertThatThrownBy(() -> LimitSpec.SlidingWindow.of(-1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("limit must be > 0 but was -1");
        assertThatThrownBy(() -> LimitSpec.SlidingWindow.of(1, Duration.ZERO))
                .hasMessage("window must be > 0 but was PT0S");
        assertThatThrownBy(() -> LimitSpec.Concurrency.of(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("permits must be > 0 but was 0");
        assertThatThrownBy(() -> LimitSpec.Concurrency.of(1).withRetryAfter(Duration.ZERO))
                .hasMessage("retryAfter must be > 0 but was PT0S");
    }

    @Test
    void aTermOutOfRangeIsNamedAsItsRecordComponentWithItsValueAndRule() {
        assertThatThrownBy(() -> new Limit(1, Duration.ofSeconds(1), Duration.ofSeconds(-2), null))
                .isInstanceOfSatisfying(InvalidTermException.class, bad -> {
                    assertThat(bad.term()).isEqualTo("resetOffset");
                    assertThat(bad.value()).isEqualTo(Duration.ofSeconds(-2));
                    assertThat(bad.rule()).isEqualTo("must be >= -per, so that no window is negative");
                    assertThat(bad).hasMessage("per + resetOffset must be >= 0 but was PT1S + PT-2S = PT-1S");
                });
        assertThatThrownBy(() -> Limit.of(1, Duration.ZERO))
                .isInstanceOfSatisfying(InvalidTermException.class, bad -> {
                    assertThat(bad.term()).isEqualTo("per");
                    assertThat(bad.value()).isEqualTo(Duration.ZERO);
                    assertThat(bad.rule()).isEqualTo("must be > 0");
                });
        for (Runnable bad : new Runnable[] {() -> LimitSpec.TokenBucket.of(3, 1, Duration.ofSeconds(1))
                .withInitialTokens(4), () -> LimitSpec.Gcra.of(2, Duration.ofNanos(1), 1),
                () -> LimitSpec.SlidingWindow.of(1, Duration.ZERO), () -> LimitSpec.Concurrency.of(0)}) {
            assertThatThrownBy(bad::run).isInstanceOf(InvalidTermException.class);
        }
        assertThatThrownBy(() -> LimitSpec.TokenBucket.of(3, 1, Duration.ofSeconds(1)).withInitialTokens(4))
                .isInstanceOfSatisfying(InvalidTermException.class,
                        bad -> assertThat(bad.term() + " " + bad.rule())
                                .isEqualTo("initialTokens must be >= 0 and <= 3"));
    }

    @Test
    void namedKeepsTheTermsAndNamesThem() {
        LimitSpec.TokenBucket bucket = LimitSpec.TokenBucket.of(5, 1, Duration.ofSeconds(1)).intervalRefill()
                .withInitialTokens(2).named("b");
        assertThat(bucket).isEqualTo(new LimitSpec.TokenBucket(5, 1, Duration.ofSeconds(1), false, 2, "b"));
        assertThat(bucket).hasToString("b: tokenBucket 5 tokens, 1 every PT1S, initially 2");
        assertThat(LimitSpec.Gcra.of(2, Duration.ofSeconds(1), 3).named("g"))
                .hasToString("g: gcra 2 per PT1S, burst 3");
        assertThat(LimitSpec.SlidingWindow.of(4, Duration.ofMinutes(1)).named("w"))
                .hasToString("w: slidingWindow 4 per PT1M");
        assertThat(LimitSpec.Concurrency.of(7).named("c")).hasToString("c: concurrency 7 at once");
        LimitSpec limit = Limit.of(3, Duration.ofSeconds(1));
        assertThat(limit.named("t")).isEqualTo(Limit.of(3, Duration.ofSeconds(1)).named("t"));
        assertThat(limit.name()).isNull();
        assertThatThrownBy(() -> LimitSpec.Concurrency.of(1).named(null))
                .isInstanceOf(NullPointerException.class).hasMessage("name must not be null");
    }

    @Test
    void ofMakesTheLimiterOfEachKindWithItsName() {
        assertThat(RateLimiters.of(Limit.of(2, Duration.ofSeconds(1)).named("t"), clock))
                .hasToString("timesPer(t: 2 per PT1S)");
        assertThat(RateLimiters.of(LimitSpec.TokenBucket.of(2, 1, Duration.ofSeconds(1)).intervalRefill(), clock))
                .hasToString("tokenBucket(2 tokens, 1 every PT1S)");
        assertThat(RateLimiters.of(LimitSpec.Gcra.of(2, Duration.ofSeconds(1), 3).named("g"), clock))
                .hasToString("gcra(g: 2 per PT1S, burst 3)");
        assertThat(RateLimiters.of(LimitSpec.SlidingWindow.of(4, Duration.ofSeconds(1)), clock))
                .hasToString("slidingWindow(4 per PT1S)");
        assertThat(RateLimiters.of(LimitSpec.Concurrency.of(7).named("c"), clock))
                .hasToString("concurrency(c: 7 at once)");
    }

    @Test
    void ofMakesLimitersOfTheSpecsTerms() {
        RateLimiter bucket = RateLimiters.of(LimitSpec.TokenBucket.of(3, 1, Duration.ofSeconds(1))
                .withInitialTokens(1), clock);
        assertThat(bucket.tryAcquire().isGranted()).isTrue();
        assertThat(bucket.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(1).toNanos(), 0));

        RateLimiter concurrency = RateLimiters.of(LimitSpec.Concurrency.of(1)
                .withRetryAfter(Duration.ofMillis(250)), clock);
        assertThat(concurrency.tryAcquire().isGranted()).isTrue();
        assertThat(concurrency.tryAcquire()).isEqualTo(new Refusal(Duration.ofMillis(250).toNanos(), 0));

        RateLimiter gcra = RateLimiters.of(LimitSpec.Gcra.of(1, Duration.ofSeconds(2), 1), clock);
        assertThat(gcra.tryAcquire().isGranted()).isTrue();
        assertThat(gcra.tryAcquire()).isEqualTo(new Refusal(Duration.ofSeconds(2).toNanos(), 0));
    }

    @Test
    void maxCostIsTheLargestCostTheInMemoryLimiterOfTheTermsAdmits() {
        List<LimitSpec> specs = List.of(Limit.of(3, Duration.ofSeconds(1)), LimitSpec.TokenBucket.of(4, 1,
                Duration.ofSeconds(1)), LimitSpec.Gcra.of(2, Duration.ofSeconds(1), 5),
                LimitSpec.SlidingWindow.of(6, Duration.ofSeconds(1)), LimitSpec.Concurrency.of(7));
        assertThat(specs).extracting(LimitSpec::maxCost).containsExactly(3, 4, 5, 6, 7);
        for (LimitSpec spec : specs) {
            RateLimiter limiter = RateLimiters.of(spec, clock);
            AcquireResult tooLarge = limiter.tryAcquire(spec.maxCost() + 1);
            assertThat(tooLarge).as("%s", spec).isInstanceOf(Refusal.class);
            assertThat(((Refusal) tooLarge).retryAfterNanos()).as("%s", spec).isEqualTo(Refusal.NEVER);
            assertThat(limiter.tryAcquire(spec.maxCost()).isGranted()).as("%s", spec).isTrue();
        }
    }

    @Test
    void recoveryIsHowLongAnEmptiedLimiterTakesToAdmitAllItEverDoesAtOnce() {
        assertThat(List.of(Limit.of(3, Duration.ofSeconds(2)).withResetOffset(Duration.ofMillis(500)),
                LimitSpec.TokenBucket.of(10, 3, Duration.ofSeconds(1)),
                LimitSpec.TokenBucket.of(10, 3, Duration.ofSeconds(1)).intervalRefill(),
                LimitSpec.Gcra.of(4, Duration.ofSeconds(1), 3), LimitSpec.SlidingWindow.of(5, Duration.ofMinutes(1)),
                LimitSpec.Concurrency.of(2))).extracting(LimitSpec::recovery).containsExactly(
                        Duration.ofMillis(2500), Duration.ofNanos(3_333_333_334L), Duration.ofSeconds(4),
                        Duration.ofMillis(750), Duration.ofMinutes(2), Duration.ZERO);
        for (LimitSpec spec : List.of(Limit.of(3, Duration.ofSeconds(2)),
                LimitSpec.TokenBucket.of(10, 3, Duration.ofSeconds(1)),
                LimitSpec.TokenBucket.of(10, 3, Duration.ofSeconds(1)).intervalRefill(),
                LimitSpec.Gcra.of(4, Duration.ofSeconds(1), 3), LimitSpec.SlidingWindow.of(5, Duration.ofMinutes(1)),
                LimitSpec.Concurrency.of(2))) {
            FakeClock time = new FakeClock();
            RateLimiter limiter = RateLimiters.of(spec, time);
            ((Permit) limiter.tryAcquire(spec.maxCost())).close();
            if (!spec.recovery().isZero()) { // a concurrency limiter is whole again once its uses end
                time.advance(spec.recovery().minusNanos(1));
                if (!(spec instanceof LimitSpec.SlidingWindow)) { // two windows bound it: uses that came late recover sooner
                    assertThat(limiter.remaining()).as("%s a nanosecond before", spec).isLessThan(spec.maxCost());
                }
                time.advance(Duration.ofNanos(1));
            }
            assertThat(limiter.remaining()).as("%s after its recovery", spec).isEqualTo(spec.maxCost());
        }
    }

    @Test
    void recoveryStopsAtTheLongestTimeTheLimitersCount() {
        Duration forever = Duration.ofNanos(Long.MAX_VALUE / 2);
        assertThat(LimitSpec.TokenBucket.of(Integer.MAX_VALUE, 1, Duration.ofDays(36_500)).recovery())
                .isEqualTo(forever);
        assertThat(LimitSpec.TokenBucket.of(Integer.MAX_VALUE, 1, ChronoUnit.FOREVER.getDuration()).intervalRefill()
                .recovery()).isEqualTo(forever);
        assertThat(LimitSpec.SlidingWindow.of(1, ChronoUnit.FOREVER.getDuration()).recovery()).isEqualTo(forever);
        assertThat(Limit.of(1, Duration.ofDays(365_000)).recovery()).isEqualTo(forever);
    }

    @Test
    void aFactoryMakesIndependentLimitersOfOneSpecFromAnyThread() throws Exception {
        Supplier<RateLimiter> factory = RateLimiters.factory(LimitSpec.Gcra.of(2, Duration.ofSeconds(1), 2)
                .named("g"), clock);
        RateLimiter first = factory.get();
        assertThat(first.tryAcquire(2).isGranted()).isTrue();
        assertThat(factory.get().remaining()).as("a new limiter: none of the first's uses").isEqualTo(2);
        assertThat(first).hasToString("gcra(g: 2 per PT1S, burst 2)");

        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<RateLimiter>> made = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                made.add(threads.submit(factory::get));
            }
            Set<RateLimiter> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Future<RateLimiter> limiter : made) {
                assertThat(limiter.get().remaining()).isEqualTo(2);
                distinct.add(limiter.get());
            }
            assertThat(distinct).hasSize(400);
        } finally {
            threads.shutdownNow();
        }
    }
}
