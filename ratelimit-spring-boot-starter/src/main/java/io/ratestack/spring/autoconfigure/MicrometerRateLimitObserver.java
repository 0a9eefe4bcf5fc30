package io.ratestack.spring.autoconfigure;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ratestack.spring.web.RateLimitObserver;
import io.ratestack.spring.web.Route;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The filter's decisions as Micrometer meters:
 * <ul>
 *   <li>{@code ratelimit.requests} (counter): tags {@code outcome} (one per request: {@code admitted}, its use
 *       counted; {@code refunded}, admitted and then refunded; {@code refused}; {@code exempt}, of an exempt
 *       client; {@code would-refuse}, let through by limits in shadow mode, and also counted {@code admitted} or
 *       {@code refunded} when it took the global limits' use), {@code scope} ({@code global} or
 *       {@code route} for a refusal, {@code none} otherwise) and {@code route} (the matched pattern; never the
 *       client, which would explode the tag's cardinality) and {@code plan} (the client's plan, {@code default}
 *       unless {@code ratelimit.plans} and a {@code PlanResolver} put it on another). Admitted requests are counted when their response is
 *       done;</li>
 *   <li>{@code ratelimit.filter} (timer): the time the filter spends on a request itself, the handler's and a wait
 *       for room left out;</li>
 *   <li>{@code ratelimit.queue.wait} (timer): how long refused requests of a route with a {@code max-wait} waited
 *       for room; tags {@code outcome} ({@code admitted}, room came; {@code refused}, it did not; {@code full}, as
 *       many requests as may were waiting already, none of a lower priority; {@code displaced}, one of a higher
 *       priority took its place), {@code route} and {@code plan}; {@code ratelimit.queue.waiting} (gauge): how many
 *       wait now.</li>
 * </ul>
 * Meters are made once per route and outcome and then only counted.
 */
final class MicrometerRateLimitObserver implements RateLimitObserver {

    private final MeterRegistry registry;
    private final Timer filterTime;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Timer> waits = new ConcurrentHashMap<>();

    /**
     * @param registry where the meters go
     */
    MicrometerRateLimitObserver(MeterRegistry registry) {
        this.registry = registry;
        this.filterTime = Timer.builder("ratelimit.filter")
                .description("Time the rate limit filter spends on a request, the handler's time left out")
                .register(registry);
    }

    @Override
    public void admitted(Route route) {
        counter("admitted", "none", route).increment();
    }

    @Override
    public void refused(Route route, String scope) {
        counter("refused", scope, route).increment();
    }

    @Override
    public void refunded(Route route) {
        counter("refunded", "none", route).increment();
    }

    @Override
    public void wouldRefuse(Route route, String scope) {
        counter("would-refuse", scope, route).increment();
    }

    @Override
    public void exempted(Route route) {
        counter("exempt", "none", route).increment();
    }

    @Override
    public void waited(Route route, long nanos, String outcome) {
        waits.computeIfAbsent(outcome + '|' + route.plan() + '|' + route.pattern(), key -> Timer.builder("ratelimit.queue.wait")
                .description("How long requests refused by their limits waited for room")
                .tag("outcome", outcome).tag("route", route.pattern()).tag("plan", route.plan())
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void timed(Route route, long nanos) {
        filterTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    private Counter counter(String outcome, String scope, Route route) {
        String pattern = route.pattern();
        String plan = route.plan();
        return counters.computeIfAbsent(outcome + '|' + scope + '|' + plan + '|' + pattern,
                key -> Counter.builder("ratelimit.requests")
                        .description("Requests seen by the rate limit filter, by outcome")
                        .tag("outcome", outcome).tag("scope", scope).tag("route", pattern).tag("plan", plan)
                        .register(registry));
    }
}
