package io.ratestack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The examples of {@code docs/core.md}, compiled and run here. Each is marked {@code tag::name[]} ...
 * {@code end::name[]}; the test {@link #docShowsEveryExampleAsWrittenHere()} fails if the document's copy differs
 * from this file's.
 */
class DocExamplesTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void stackAndTry() {
        // tag::stack[]
        RateLimiter perSecond = RateLimiters.timesPer(10, Duration.ofSeconds(1));
        RateLimiter perDay = RateLimiters.timesPer(1000, Duration.ofDays(1));
        RateLimiter both = RateLimiters.all(perSecond, perDay);

        AcquireResult result = both.tryAcquire();
        if (result instanceof Permit permit) {
            try (permit) {
                // ... the rate-limited work; the use counts when the permit closes
            }
        } else if (result instanceof Refusal refusal) {
            System.out.println("retry in " + refusal.retryAfter());
        }
        // end::stack[]
        assertThat(perDay.remaining()).isEqualTo(999);
    }

    @Test
    void refundOnFailure() throws Exception {
        RateLimiter limiter = RateLimiters.timesPer(1, Duration.ofSeconds(1));
        // tag::refund[]
        int status = limiter.call(() -> {
            int answer = sendRequest();
            if (answer == 500) {
                throw new RateLimitCancelException("server error: this call does not count");
            }
            return answer;
        });
        // end::refund[]
        assertThat(status).isEqualTo(200);
        assertThat(limiter.remaining()).isZero();
    }

    private static int sendRequest() {
        return 200;
    }

    @Test
    @SuppressWarnings("try") // the README's idiom: the try block holds the resource, its body need not name it
    void waitWithPriorityAndTimeout() {
        RateLimiter limiter = RateLimiters.timesPer(5, Duration.ofSeconds(1));
        // tag::wait[]
        try (Permit permit = limiter.acquire(0, Duration.ofSeconds(2))) { // priority 0 goes before 1, 2, ...
            // ... admitted within two seconds
        } catch (RateLimitedException timedOut) {
            // not admitted in time; nothing is held
        }

        CompletableFuture<Permit> later = limiter.acquireAsync(); // no thread waits
        later.thenAccept(permit -> {
            try (permit) {
                // ... runs once admitted
            }
        });
        // end::wait[]
        assertThat(later).isCompleted();
    }

    @Test
    void fakeClock() {
        // tag::fake-clock[]
        FakeClock clock = new FakeClock();
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        limiter.tryAcquire().permit().close();

        CompletableFuture<Permit> next = limiter.acquireAsync();
        clock.advance(Duration.ofSeconds(1)); // the window ends; the waiter is admitted on this thread

        assertThat(next).isCompleted();
        // end::fake-clock[]
    }

    @Test
    @SuppressWarnings("try") // the README's idiom: the try block holds the resource, its body need not name it
    void statusFeed() {
        RateLimiter limiter = RateLimiters.timesPerBuilder(1, Duration.ofSeconds(1)).clock(clock).build();
        List<RateLimitStatus> seen = new ArrayList<>();
        // tag::status[]
        try (Subscription subscription = limiter.onStatusChange(status -> seen.add(status))) {
            limiter.tryAcquire().permit().close(); // LOCKED until the window ends
        }
        // end::status[]
        assertThat(seen).containsExactly(RateLimitStatus.LOCKED);
    }

    @Test
    @SuppressWarnings("try") // the README's idiom: the try block holds the resource, its body need not name it
    void concurrencyBesideARate() {
        // tag::concurrency[]
        RateLimiter database = RateLimiters.concurrencyBuilder(4).name("database").build();
        RateLimiter perSecond = RateLimiters.timesPer(100, Duration.ofSeconds(1));
        RateLimiter query = RateLimiters.all(database, perSecond); // at most 4 at once and 100 a second

        try (Permit permit = query.acquire(Duration.ofSeconds(2))) {
            // ... the query; its unit of the database limit is free again when the permit closes
        }
        // end::concurrency[]
        assertThat(database.remaining()).isEqualTo(4);
        assertThat(perSecond.remaining()).isEqualTo(99);
    }

    @Test
    void tokenBucketBurstThenSteadyRate() {
        // tag::tokenBucket[]
        RateLimiter api = RateLimiters.tokenBucketBuilder(50, 10, Duration.ofSeconds(1)).clock(clock).build();

        for (int i = 0; i < 50; i++) {
            api.tryAcquire().permit().close(); // a burst of 50 empties the bucket
        }
        Refusal refused = (Refusal) api.tryAcquire();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100)); // the next token comes in 100 ms

        clock.advance(Duration.ofMillis(250)); // two and a half tokens' time
        assertThat(api.remaining()).isEqualTo(2);
        // end::tokenBucket[]
    }

    @Test
    void gcraBurstThenEvenlySpacedUses() {
        // tag::gcra[]
        RateLimiter api = RateLimiters.gcraBuilder(10, Duration.ofSeconds(1), 5).clock(clock).build();

        for (int i = 0; i < 5; i++) {
            api.tryAcquire().permit().close(); // a burst of 5 at once
        }
        Refusal refused = (Refusal) api.tryAcquire();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100)); // then one use every 100 ms

        clock.advance(Duration.ofMillis(100));
        Permit mistake = api.tryAcquire().permit();
        mistake.cancel(); // not a real use: its 100 ms are given back
        assertThat(api.remaining()).isEqualTo(1);
        assertThat(api.resetInNanos()).isEqualTo(Duration.ofMillis(400).toNanos()); // fully recovered in 400 ms
        // end::gcra[]
    }

    @Test
    void slidingWindowWeighsThePreviousWindow() {
        // tag::slidingWindow[]
        RateLimiter api = RateLimiters.slidingWindowBuilder(10, Duration.ofSeconds(1)).clock(clock).build();

        clock.advance(Duration.ofMillis(900));
        for (int i = 0; i < 10; i++) {
            api.tryAcquire().permit().close(); // 10 at the end of the first window
        }
        clock.advance(Duration.ofMillis(100)); // the next window: the previous 10 still count in full
        Refusal refused = (Refusal) api.tryAcquire();
        assertThat(refused.retryAfter()).isEqualTo(Duration.ofMillis(100)); // in 100 ms, 10 * 0.9 = 9 leave room

        clock.advance(Duration.ofMillis(500)); // half way: 10 * 0.5 = 5 still count
        assertThat(api.remaining()).isEqualTo(5);
        api.tryAcquire().permit().cancel(); // not a real use: taken off the running window's count
        assertThat(api.remaining()).isEqualTo(5);
        assertThat(api.resetInNanos()).isEqualTo(Duration.ofMillis(500).toNanos()); // the previous 10 roll out
        // end::slidingWindow[]
    }

    @Test
    void weightedUseSettlesItsRealCost() {
        // tag::weighted[]
        RateLimiter perMinute = RateLimiters.tokenBucketBuilder(10_000, 10_000, Duration.ofMinutes(1))
                .clock(clock).build();
        RateLimiter perDay = RateLimiters.timesPerBuilder(100_000, Duration.ofDays(1)).clock(clock).build();
        RateLimiter modelTokens = RateLimiters.all(perMinute, perDay);

        Permit permit = modelTokens.acquire(4_000, 0, Duration.ofSeconds(30)); // reserve the answer's most
        int used = 1_500; // what the answer really took
        permit.close(used); // every part settles 1500: the bucket gets 2500 back, the day counts 1500
        assertThat(perMinute.remaining()).isEqualTo(8_500);
        assertThat(perDay.remaining()).isEqualTo(98_500);

        AcquireResult tooLarge = modelTokens.tryAcquire(20_000); // more than the bucket ever holds
        assertThat(tooLarge).isEqualTo(new Refusal(Refusal.NEVER, 8_500));
        // end::weighted[]
    }

    @Test
    void customAlgorithmWaitsAndStacksLikeTheOthers() {
        // tag::custom[]
        RateLimiter fixed = RateLimiters.custom(new FixedWindow(2, Duration.ofSeconds(1)), clock);
        RateLimiter api = RateLimiters.all(fixed, RateLimiters.concurrencyBuilder(10).clock(clock).build());

        api.tryAcquire(2).permit().close();
        CompletableFuture<Permit> next = api.acquireAsync(); // queued, woken when the window ends
        clock.advance(Duration.ofSeconds(1));
        assertThat(next).isCompleted();
        // end::custom[]
    }

    @Test
    void termsAsValuesMakeLimiters() {
        // tag::specs[]
        List<LimitSpec> terms = List.of(
                Limit.of(100, Duration.ofMinutes(1)).named("calls"),
                LimitSpec.TokenBucket.of(20, 5, Duration.ofSeconds(1)).named("burst"),
                LimitSpec.SlidingWindow.of(1000, Duration.ofHours(1)).named("hourly"));
        RateLimiter api = RateLimiters.all(terms.stream()
                .map(spec -> RateLimiters.of(spec, clock)).toArray(RateLimiter[]::new));
        assertThat(api.remaining()).isEqualTo(20); // the bucket's 20 are the fewest
        // end::specs[]
    }

    @Test
    void docShowsEveryExampleAsWrittenHere() throws IOException {
        DocSnippets.assertShows("docs/core.md", "src/test/java/io/ratestack/DocExamplesTest.java", 12);
        DocSnippets.assertShows("docs/core.md", "src/test/java/io/ratestack/FixedWindow.java", 1);
    }
}
