package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Clock;
import io.ratestack.FakeClock;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.RateLimit;
import io.ratestack.spring.web.RateLimitFilter;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Brief queueing: a request its limits would refuse waits up to its route's {@code max-wait} for room, on the
 * limiters' fake clock, a bounded number at once, the places going by plan priority.
 */
class WaitingForRoomTest {

    private final FakeClock clock = new FakeClock();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class))
            .withBean(Clock.class, () -> clock)
            .withBean(PlanResolver.class, () -> request -> request.getHeader("X-Plan"))
            .withPropertyValues("ratelimit.global.limit=100", "ratelimit.global.per=1m",
                    "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s", "ratelimit.per-route.max-wait=2s");

    @Test
    void aRefusedRequestWaitsForItsWindowAndRuns() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(call(context, "/a", null, null).getStatus()).isEqualTo(200);
            CompletableFuture<MockHttpServletResponse> second = inThread(context, "/a", null, null);
            await(() -> filter(context).waiting() == 1);
            assertThat(second).isNotDone();

            clock.advance(Duration.ofSeconds(1));

            MockHttpServletResponse admitted = second.get(10, TimeUnit.SECONDS);
            assertThat(admitted.getStatus()).isEqualTo(200);
            assertThat(admitted.getHeader("RateLimit")).contains("\"route\";r=0");
            assertThat(filter(context).waiting()).isZero();
        });
    }

    @Test
    void aRequestDoesNotWaitWhenItsRetryComesAfterItsMaxWait() {
        runner.withPropertyValues("ratelimit.per-route.per=10s").run(context -> {
            assertThat(call(context, "/a", null, null).getStatus()).isEqualTo(200);
            MockHttpServletResponse refused = call(context, "/a", null, null);
            assertThat(refused.getStatus()).isEqualTo(429);
            assertThat(refused.getHeader("Retry-After")).isEqualTo("10");
        });
    }

    @Test
    void aConcurrencyLimitAdmitsAWaiterWhenAUseEnds() {
        runner.withPropertyValues("ratelimit.per-route.algorithm=concurrency", "ratelimit.per-route.per=",
                "ratelimit.per-route.max-wait=1s").run(context -> {
                    assertThat(context).hasNotFailed();
                    Held holder = hold(context);
                    CompletableFuture<MockHttpServletResponse> waiter = inThread(context, "/a", null, null);
                    await(() -> filter(context).waiting() == 1);
                    holder.release.countDown();
                    assertThat(waiter.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
                    assertThat(holder.response.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
                });
    }

    @Test
    void aWaiterWithoutRoomWhenItsWaitIsOverIsRefused() {
        runner.withPropertyValues("ratelimit.per-route.algorithm=concurrency", "ratelimit.per-route.per=",
                "ratelimit.per-route.max-wait=1s").run(context -> {
                    Held holder = hold(context);
                    CompletableFuture<MockHttpServletResponse> waiter = inThread(context, "/a", null, null);
                    await(() -> filter(context).waiting() == 1);
                    clock.advance(Duration.ofSeconds(1));
                    MockHttpServletResponse refused = waiter.get(10, TimeUnit.SECONDS);
                    assertThat(refused.getStatus()).isEqualTo(429);
                    assertThat(refused.getHeader("RateLimit")).contains("\"route\";r=0");
                    holder.release.countDown();
                    assertThat(holder.response.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
                    assertThat(call(context, "/a", null, null).getStatus()).as("the slot free again").isEqualTo(200);
                });
    }

    /** A request whose handler holds its use until released. */
    private record Held(CompletableFuture<MockHttpServletResponse> response, CountDownLatch release) {
    }

    private static Held hold(ApplicationContext context) throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        CompletableFuture<MockHttpServletResponse> response = CompletableFuture.supplyAsync(() -> {
            try {
                return call(context, "/a", null, release, entered);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> new Thread(runnable).start());
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the handler runs").isTrue();
        return new Held(response, release);
    }

    @Test
    void pastTheMostThatMayWaitARequestOfAHigherPlanTakesTheNewestLowerPlacesAndOthersAreRefusedAtOnce() {
        runner.withPropertyValues("ratelimit.queue.max-waiting=1", "ratelimit.plans.pro.priority=10",
                "ratelimit.plans.pro.per-route.limit=1", "ratelimit.plans.pro.per-route.per=1s",
                "ratelimit.plans.pro.per-route.max-wait=2s").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(call(context, "/a", null, null).getStatus()).isEqualTo(200);
                    assertThat(call(context, "/a", "pro", null).getStatus()).isEqualTo(200);
                    CompletableFuture<MockHttpServletResponse> free = inThread(context, "/a", null, null);
                    await(() -> filter(context).waiting() == 1);
                    MockHttpServletResponse another = call(context, "/a", null, null);
                    assertThat(another.getStatus()).as("as many wait as may, none lower").isEqualTo(429);

                    CompletableFuture<MockHttpServletResponse> pro = inThread(context, "/a", "pro", null);
                    assertThat(free.get(10, TimeUnit.SECONDS).getStatus()).as("its place taken").isEqualTo(429);
                    await(() -> filter(context).waiting() == 1 && !pro.isDone());
                    clock.advance(Duration.ofSeconds(1));
                    assertThat(pro.get(10, TimeUnit.SECONDS).getStatus()).isEqualTo(200);
                });
    }

    @Test
    void badWaitsFailStartupNamingTheProperty() {
        assertFails("ratelimit.per-route.max-wait", "-1s", "must be between 0s and 1m",
                "ratelimit.per-route.max-wait=-1s");
        assertFails("ratelimit.routes[0].max-wait", "2m", "must be between 0s and 1m: a longer wait is not brief",
                "ratelimit.routes[0].pattern=/a", "ratelimit.routes[0].limit=1", "ratelimit.routes[0].per=1s",
                "ratelimit.routes[0].max-wait=2m");
        assertFails("ratelimit.per-route.max-wait", "5", "needs a unit", "ratelimit.per-route.max-wait=5");
        assertFails("ratelimit.queue.max-waiting", "-1", "must be >= 0", "ratelimit.queue.max-waiting=-1");
        LimitAlgorithmsConfigurationTest.assertAnnotationFails(runner, LongWaitController.class, "slow",
                "maxWait = \"90s\"", "maxWait must be between 0s and 1m");
        LimitAlgorithmsConfigurationTest.assertAnnotationFails(runner, TwoWaitsController.class, "two",
                "maxWait = \"2s\"", "maxWait is the request's: every @RateLimit of one handler gives the same");
    }

    private void assertFails(String origin, String value, String reason, String... properties) {
        RateLimitAutoConfigurationTest.assertFails(runner.withPropertyValues(properties), origin, value, reason);
    }

    private static RateLimitFilter filter(ApplicationContext context) {
        return (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
    }

    /** A request on a thread of its own; its handler waits for {@code release} when given. */
    private static CompletableFuture<MockHttpServletResponse> inThread(ApplicationContext context, String path,
            String plan, CountDownLatch release) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return call(context, path, plan, release);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> new Thread(runnable).start());
    }

    private static MockHttpServletResponse call(ApplicationContext context, String path, String plan,
            CountDownLatch release) throws Exception {
        return call(context, path, plan, release, new CountDownLatch(1));
    }

    private static MockHttpServletResponse call(ApplicationContext context, String path, String plan,
            CountDownLatch release, CountDownLatch entered) throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", path);
        if (plan != null) {
            request.addHeader("X-Plan", plan);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter(context).doFilter(request, response, (req, res) -> {
            entered.countDown();
            if (release != null) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ((HttpServletResponse) res).setStatus(200);
        });
        return response;
    }

    /** Waits for other threads to reach a state: no time is asserted, the limiters' clock does not move. */
    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("reached within 10s").isNegative();
            Thread.sleep(1);
        }
    }

    @RestController
    static class LongWaitController {
        @GetMapping("/slow")
        @RateLimit(limit = 1, per = "1s", maxWait = "90s")
        String slow() {
            return "never";
        }
    }

    @RestController
    static class TwoWaitsController {
        @GetMapping("/two")
        @RateLimit(limit = 1, per = "1s", maxWait = "1s")
        @RateLimit(limit = 10, per = "1m", maxWait = "2s")
        String two() {
            return "never";
        }
    }
}
