package io.ratestack.sample;

import static io.ratestack.sample.SampleInstances.admitted;
import static io.ratestack.sample.SampleInstances.get;
import static io.ratestack.sample.SampleInstances.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.TestRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Redis stopped in the middle of a run of two sample-app instances, then started again, for each failure policy:
 * every request is answered within the command timeout (plus a generous margin for this shared machine), as the
 * policy says, and once Redis is back the instances share their limits again.
 */
class RedisOutageTest {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(250);
    /** Not a timing assertion: a bound far below Lettuce's own one-minute timeout, far above a local answer. */
    private static final Duration BOUND = COMMAND_TIMEOUT.plusSeconds(3);

    @ParameterizedTest
    @ValueSource(strings = {"fail-open", "fail-closed", "fail-closed-429", "local"})
    void eachPolicyAnswersAsDocumentedAndLimitsAreSharedAgainWhenRedisReturns(String policy) throws Exception {
        try (TestRedis redis = TestRedis.start()) {
            String[] properties = {"--ratelimit.redis.on-failure=" + policy.replace("-429", ""),
                    "--ratelimit.redis.fail-closed-status=" + (policy.endsWith("-429") ? 429 : 503),
                    "--ratelimit.redis.command-timeout=" + COMMAND_TIMEOUT.toMillis() + "ms",
                    "--ratelimit.redis.probe-interval=200ms"};
            try (ConfigurableApplicationContext a = SampleInstances.start(redis.port, properties);
                    ConfigurableApplicationContext b = SampleInstances.start(redis.port, properties)) {
                admitted(10, "203.0.113.10", a, b);
                assertThat(get(a, "/test", "203.0.113.10").statusCode()).as("shared before").isEqualTo(429);

                redis.stop();
                for (ConfigurableApplicationContext instance : List.of(a, b)) {
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < 12; i++) {
                        long start = System.nanoTime();
                        HttpResponse<String> during = get(instance, i % 2 == 0 ? "/test" : "/example",
                                "203.0.113.11");
                        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
                        statuses.add(during.statusCode());
                        if (policy.equals("fail-closed")) {
                            assertThat(header(during, "Retry-After")).hasValue("1");
                            assertThat(during.body()).contains("rate limiter unavailable");
                        }
                    }
                    switch (policy) {
                        case "fail-open" -> assertThat(statuses).containsOnly(200);
                        case "fail-closed" -> assertThat(statuses).containsOnly(503);
                        case "fail-closed-429" -> assertThat(statuses).containsOnly(429);
                        // Each instance limits on its own, with the same limits: 10 per 10s each.
                        default -> assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 200, 200, 200,
                                200, 200, 429, 429);
                    }
                }
                RedisLimits limitsOfA = a.getBean(RedisLimits.class);
                assertThat(limitsOfA.isAvailable()).isFalse();
                assertThat(limitsOfA.failures()).isPositive();

                redis.restart(); // empty
                awaitRedis(a, b);
                assertThat(limitsOfA.recoveries()).isEqualTo(1);
                admitted(10, "203.0.113.12", a, b);
                assertThat(get(b, "/test", "203.0.113.12").statusCode()).as("shared again").isEqualTo(429);
                assertThat(get(a, "/example", "203.0.113.12").statusCode()).as("shared again").isEqualTo(429);
            }
        }
    }

    /** Sends requests (of a client of their own) until both instances have reached Redis again. */
    private static void awaitRedis(ConfigurableApplicationContext a, ConfigurableApplicationContext b)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!(a.getBean(RedisLimits.class).isAvailable() && b.getBean(RedisLimits.class).isAvailable())) {
            assertThat(System.nanoTime()).as("Redis reached again within 30s").isLessThan(deadline);
            get(a, "/test", "203.0.113.13");
            get(b, "/test", "203.0.113.13");
            TimeUnit.MILLISECONDS.sleep(100);
        }
    }
}
