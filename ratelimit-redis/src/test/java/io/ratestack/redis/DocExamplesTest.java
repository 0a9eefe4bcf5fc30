package io.ratestack.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.ratestack.AcquireResult;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.Permit;
import io.ratestack.RateLimiter;
import io.ratestack.DocSnippets;
import io.ratestack.RateLimiters;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The examples of {@code docs/redis.md}, run against a real Redis; it must show them as written here. */
class DocExamplesTest {

    @Test
    @SuppressWarnings("try") // the example closes the connection itself, before the test reads through another
    void sharedLimits() throws Exception {
        try (TestRedis server = TestRedis.start()) {
            RedisClient client = server.client();
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                boolean handled = false;
                // tag::redis-limits[]
                RedisLimits limits = RedisLimits.builder(connection)   // your Lettuce connection
                        .prefix("api:")                                // every key starts with it
                        .lease(Duration.ofSeconds(30))                 // a dead instance's slots free after this
                        .build();
                List<Limit> perClient = List.of(
                        Limit.of(10, Duration.ofSeconds(10)).named("global"),
                        Limit.of(1, Duration.ofSeconds(1)).named("route:/test"));

                if (limits.tryAcquire("203.0.113.7", perClient) instanceof Permit permit) {
                    try (permit) {
                        handled = true;   // handle the request; permit.cancel() if it should not count
                    }
                } else {
                    // answer 429 with the refusal's retryAfter()
                }
                // end::redis-limits[]
                assertThat(handled).isTrue();
                // tag::redis-await-ends[]
                boolean answered = limits.awaitEnds();   // the ends of uses sent so far have reached Redis
                connection.close();                      // so none is lost with the connection
                // end::redis-await-ends[]
                assertThat(answered).isTrue();
                try (StatefulRedisConnection<String, String> other = client.connect()) {
                    assertThat(other.sync().hget("api:{203.0.113.7}:global:s", "used")).isEqualTo("1");
                }
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    @SuppressWarnings("try") // the README's idiom: the try block holds the resource, its body need not name it
    void sharedLimiterStackedWithAnInMemoryOne() throws Exception {
        try (TestRedis server = TestRedis.start()) {
            RedisClient client = server.client();
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisLimits limits = RedisLimits.builder(connection).build();
                List<String> calls = new ArrayList<>();
                // tag::redis-limiter[]
                // 100 calls a minute for API key 42 across the fleet, and at most 5 a second from this instance
                RateLimiter fleet = limits.limiter("api-key-42",
                        List.of(Limit.of(100, Duration.ofMinutes(1)).named("calls")));
                RateLimiter here = RateLimiters.timesPer(5, Duration.ofSeconds(1));
                RateLimiter both = RateLimiters.all(here, fleet);

                try (Permit permit = both.acquire(Duration.ofSeconds(30))) {   // waits by priority, no polling
                    calls.add("GET /orders");
                }
                CompletableFuture<Void> invoices = both.acquireAsync(-1, Duration.ofSeconds(30))  // before priority 0
                        .thenAccept(permit -> {
                            calls.add("GET /invoices");
                            permit.close();
                        });
                // end::redis-limiter[]
                invoices.get(10, TimeUnit.SECONDS);
                assertThat(calls).containsExactly("GET /orders", "GET /invoices");
                assertThat(fleet.remaining()).isEqualTo(98);
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    @SuppressWarnings("try") // the try block holds the resource, its body need not name it
    void everyAlgorithmWithACost() throws Exception {
        try (TestRedis server = TestRedis.start()) {
            RedisClient client = server.client();
            try (StatefulRedisConnection<String, String> connection = client.connect()) {
                RedisLimits limits = RedisLimits.builder(connection).build();
                int processed = 0;
                // tag::redis-algorithms[]
                List<LimitSpec> perKey = List.of(
                        LimitSpec.TokenBucket.of(20, 5, Duration.ofSeconds(1)).named("burst"),  // 20 at once, then 5 a second
                        LimitSpec.Concurrency.of(10).named("parallel"),                         // 10 units held at once
                        Limit.of(10_000, Duration.ofDays(1)).named("daily"));

                AcquireResult batch = limits.tryAcquire("api-key-42", perKey, 5);  // a batch of five units, all or nothing
                if (batch instanceof Permit permit) {
                    try (permit) {   // close() settles the five; cancel() none
                        processed = 5;
                    }
                }
                // end::redis-algorithms[]
                assertThat(processed).isEqualTo(5);
                assertThat(connection.sync().hget("ratelimit:{api-key-42}:burst:b", "tokens")).isEqualTo("15");
                assertThat(connection.sync().hget("ratelimit:{api-key-42}:daily:s", "used")).isEqualTo("5");
                assertThat(connection.sync().exists("ratelimit:{api-key-42}:parallel:c")).isZero();
            } finally {
                client.shutdown();
            }
        }
    }

    @Test
    void docShowsEveryExampleAsWrittenHere() throws IOException {
        DocSnippets.assertShows("docs/redis.md", "src/test/java/io/ratestack/redis/DocExamplesTest.java", 4);
    }
}
