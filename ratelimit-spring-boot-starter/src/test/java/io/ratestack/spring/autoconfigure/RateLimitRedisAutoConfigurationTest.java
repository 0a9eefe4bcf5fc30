package io.ratestack.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ratestack.redis.RedisLimits;
import io.ratestack.redis.StoreFailurePolicy;
import io.ratestack.redis.TestRedis;
import io.ratestack.redis.TestRedisCluster;
import io.ratestack.redis.TestSentinel;
import io.ratestack.spring.redis.RedisRateLimitStore;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.PlanResolver;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RateLimitStore;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/** {@code ratelimit.store=redis}: which connection, which beans, which errors; against a real Redis. */
class RateLimitRedisAutoConfigurationTest {

    private static TestRedis server;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> redis;

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class,
                    RateLimitMetricsAutoConfiguration.class))
            // Generous: these tests read what the script answered, and a busy build machine may stall a call.
            .withPropertyValues("ratelimit.redis.command-timeout=5s");

    @BeforeAll
    static void startRedis() throws Exception {
        server = TestRedis.start();
        client = server.client();
        redis = client.connect();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
        client.shutdown();
        server.close();
    }

    @Test
    void theDefaultMemoryStoreOpensNoRedisConnection() throws Exception {
        int closedPort = closedPort();
        // Nothing listens there: a connection attempt would fail startup.
        runner.withPropertyValues("ratelimit.redis.url=redis://127.0.0.1:" + closedPort).run(context -> {
            assertThat(context).hasNotFailed()
                    .hasSingleBean(MemoryRateLimitStore.class)
                    .doesNotHaveBean(RateLimitRedisConnection.class)
                    .doesNotHaveBean(RedisLimits.class)
                    .doesNotHaveBean(RedisRateLimitStore.class);
            assertThat(context.getBeansOfType(MeterBinder.class)).doesNotContainKey("rateLimitStoreMetrics");
        });
    }

    @Test
    void theRedisStoreConnectsToItsOwnUrlAndClosesTheConnectionOnShutdown() {
        StatefulConnection<?, ?>[] opened = new StatefulConnection<?, ?>[1];
        runner.withPropertyValues("ratelimit.store=redis",
                "ratelimit.redis.url=redis://127.0.0.1:" + server.port + "/2", "ratelimit.redis.prefix=url:",
                "ratelimit.global.limit=5", "ratelimit.global.per=10s").run(context -> {
                    assertThat(context).hasNotFailed()
                            .hasSingleBean(RedisRateLimitStore.class)
                            .doesNotHaveBean(MemoryRateLimitStore.class)
                            .hasSingleBean(RateLimitStore.class);
                    assertThat(filterStore(context)).isSameAs(context.getBean(RedisRateLimitStore.class));
                    opened[0] = context.getBean(RateLimitRedisConnection.class).connection();
                    takeOne(context, "203.0.113.9");
                    redis.sync().select(2);
                    try {
                        assertThat(redis.sync().hget("url:{203.0.113.9}:global:global:5/10000ms:s", "used"))
                                .isEqualTo("1");
                    } finally {
                        redis.sync().select(0);
                    }
                });
        assertThat(opened[0].isOpen()).as("closed with the application").isFalse();
    }

    @Test
    void limitsOfEveryAlgorithmAreEnforcedThroughRedisUnderKeysOfTheirTerms() {
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + server.port,
                "ratelimit.redis.prefix=algorithms:", "ratelimit.global.algorithm=token-bucket",
                "ratelimit.global.limit=1", "ratelimit.global.per=1m", "ratelimit.global.capacity=2",
                "ratelimit.per-route.algorithm=gcra", "ratelimit.per-route.limit=10", "ratelimit.per-route.per=1s",
                "ratelimit.per-route.burst=5").run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class)
                            .getFilter();
                    int[] statuses = new int[3];
                    String policy = null;
                    for (int i = 0; i < statuses.length; i++) {
                        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/a");
                        request.setRemoteAddr("192.0.2.31");
                        MockHttpServletResponse response = new MockHttpServletResponse();
                        filter.doFilter(request, response, new MockFilterChain());
                        statuses[i] = response.getStatus();
                        policy = response.getHeader("RateLimit-Policy");
                    }
                    assertThat(statuses).as("the bucket's two tokens, then none").containsExactly(200, 200, 429);
                    assertThat(policy).as("GCRA's 5 at once over half a second: 10 per second")
                            .isEqualTo("\"global\";q=2;w=120, \"route\";q=10;w=1");
                    assertThat(redis.sync().keys("algorithms:{192.0.2.31}:*")).anySatisfy(key -> assertThat(key)
                            .isEqualTo("algorithms:{192.0.2.31}:global:global:tb2+1/60000000000ns:b"));
                });
    }

    @Test
    void aPlanWithGlobalLimitsOfItsOwnCountsThemInRedisAndTheEndpointDescribesTheStore() {
        runner.withConfiguration(AutoConfigurations.of(RateLimitEndpointAutoConfiguration.class))
                .withUserConfiguration(Registry.class)
                .withBean(PlanResolver.class, () -> request -> request.getHeader("X-Plan"))
                .withPropertyValues("management.endpoints.web.exposure.include=ratelimits", "ratelimit.store=redis",
                        "ratelimit.redis.url=redis://127.0.0.1:" + server.port, "ratelimit.redis.prefix=plans:",
                        "ratelimit.global.limit=1", "ratelimit.global.per=1m", "ratelimit.plans.pro.global.limit=3",
                        "ratelimit.plans.pro.global.per=1m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class)
                            .getFilter();
                    int[] pro = new int[4];
                    for (int i = 0; i < pro.length; i++) {
                        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/p" + i);
                        request.setRemoteAddr("192.0.2.41");
                        request.addHeader("X-Plan", "pro");
                        MockHttpServletResponse response = new MockHttpServletResponse();
                        filter.doFilter(request, response, new MockFilterChain());
                        pro[i] = response.getStatus();
                    }
                    assertThat(pro).containsExactly(200, 200, 200, 429);
                    assertThat(redis.sync().keys("plans:{192.0.2.41}:global:*"))
                            .containsExactly("plans:{192.0.2.41}:global:global:3/60000ms:s");
                    RateLimitsEndpoint endpoint = context.getBean(RateLimitsEndpoint.class);
                    Map<String, Object> policies = endpoint.policies();
                    assertThat(policies).doesNotContainKey("caches").containsKey("plans");
                    assertThat(policies.get("store")).asInstanceOf(InstanceOfAssertFactories.MAP)
                            .containsEntry("type", "redis").containsEntry("available", true)
                            .containsEntry("onFailure", "fail-open").containsKey("clients");
                    assertThat(endpoint.client(new String[] {"192.0.2.41"})).as("no state in this instance").isNull();
                });
    }

    @Test
    void aRefusedRequestWaitsThroughRedisForItsRetryAndRuns() {
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + server.port,
                "ratelimit.redis.prefix=wait:", "ratelimit.per-route.limit=1", "ratelimit.per-route.per=200ms",
                "ratelimit.per-route.max-wait=5s").run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class)
                            .getFilter();
                    int[] statuses = new int[3];
                    for (int i = 0; i < statuses.length; i++) {
                        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/w");
                        request.setRemoteAddr("192.0.2.51");
                        MockHttpServletResponse response = new MockHttpServletResponse();
                        filter.doFilter(request, response, new MockFilterChain());
                        statuses[i] = response.getStatus();
                    }
                    assertThat(statuses).as("each refused one waited for the next window").containsOnly(200);
                });
    }

    /** A cold JVM's first commands can miss the command timeout: the first requests must not be the first. */
    @Test
    void theScriptIsLoadedAndRunBeforeTheFirstRequest() throws Exception {
        redis.sync().scriptFlush();
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + server.port,
                "ratelimit.redis.prefix=warm:").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(redis.sync().scriptExists(TestRedis.limitScriptDigests()))
                            .as("the limits script, loaded at startup").containsExactly(true);
                    assertThat(redis.sync().keys("warm:*")).as("nothing left of the warm-up").isEmpty();
                    RedisLimits limits = context.getBean(RedisLimits.class);
                    assertThat(limits.isAvailable()).isTrue();
                    assertThat(limits.failures()).isZero();
                });
    }

    @Test
    void withoutItsOwnUrlTheStoreUsesSpringDataRedisSettings() {
        runner.withPropertyValues("ratelimit.store=redis", "spring.data.redis.host=127.0.0.1",
                "spring.data.redis.port=" + server.port, "spring.data.redis.database=3",
                "ratelimit.global.limit=7", "ratelimit.global.per=1m").run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(RateLimitRedisConnection.class);
                    takeOne(context, "198.51.100.4");
                    redis.sync().select(3);
                    try {
                        assertThat(redis.sync().hget("ratelimit:{198.51.100.4}:global:global:7/60000ms:s", "used"))
                                .isEqualTo("1");
                    } finally {
                        redis.sync().select(0);
                    }
                });
    }

    @Test
    void sentinelSettingsLeadTheStoreToTheMasterTheSentinelsName() throws Exception {
        try (TestSentinel sentinel = TestSentinel.monitoring(server, "mymaster"); TestRedis decoy = TestRedis.start()) {
            // Boot prefers the Sentinel settings to host and port: so does the store, with no ratelimit.redis.url.
            runner.withPropertyValues("ratelimit.store=redis", "spring.data.redis.sentinel.master=mymaster",
                    "spring.data.redis.sentinel.nodes=" + sentinel.node(), "spring.data.redis.host=127.0.0.1",
                    "spring.data.redis.port=" + decoy.port, "ratelimit.global.limit=7", "ratelimit.global.per=1m")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(RateLimitRedisConnection.class).address())
                                .isEqualTo("sentinel master mymaster via " + sentinel.node());
                        takeOne(context, "198.51.100.7");
                        assertThat(redis.sync().hget("ratelimit:{198.51.100.7}:global:global:7/60000ms:s", "used"))
                                .isEqualTo("1");
                        assertNothingIn(decoy);
                    });
        }
    }

    @Test
    void sentinelSettingsWithoutSentinelsFailNamingTheProperty() {
        assertFailure("spring.data.redis.sentinel.nodes", "", "must list the Sentinels (host:port) of master mymaster",
                "ratelimit.store=redis", "spring.data.redis.sentinel.master=mymaster");
        assertFailure("spring.data.redis.sentinel.nodes", "sentinel", "is not host:port",
                "ratelimit.store=redis", "spring.data.redis.sentinel.master=mymaster",
                "spring.data.redis.sentinel.nodes=sentinel");
    }

    @Test
    void theStoreConnectsThroughTheApplicationsLettuceConnectionFactory() throws Exception {
        runner.withConfiguration(AutoConfigurations.of(dataRedisAutoConfiguration()))
                .withPropertyValues("ratelimit.store=redis", "spring.data.redis.host=127.0.0.1",
                        "spring.data.redis.port=" + server.port, "ratelimit.global.limit=7",
                        "ratelimit.global.per=1m")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(RateLimitRedisConnection.class).address())
                            .isEqualTo("the application's Redis (127.0.0.1:" + server.port + ")");
                    takeOne(context, "198.51.100.8");
                    assertThat(redis.sync().hget("ratelimit:{198.51.100.8}:global:global:7/60000ms:s", "used"))
                            .isEqualTo("1");
                });
    }

    @Test
    void theApplicationsConnectionFactoryBringsItsSentinels() throws Exception {
        try (TestSentinel sentinel = TestSentinel.monitoring(server, "appmaster")) {
            runner.withConfiguration(AutoConfigurations.of(dataRedisAutoConfiguration()))
                    .withPropertyValues("ratelimit.store=redis", "spring.data.redis.sentinel.master=appmaster",
                            "spring.data.redis.sentinel.nodes=" + sentinel.node(), "ratelimit.global.limit=7",
                            "ratelimit.global.per=1m")
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(RateLimitRedisConnection.class).address())
                                .isEqualTo("the application's Redis (sentinel master appmaster)");
                        takeOne(context, "198.51.100.9");
                        assertThat(redis.sync().hget("ratelimit:{198.51.100.9}:global:global:7/60000ms:s", "used"))
                                .isEqualTo("1");
                    });
        }
    }

    @Test
    void itsOwnUrlWinsOverTheApplicationsConnectionFactory() throws Exception {
        try (TestRedis decoy = TestRedis.start()) {
            runner.withConfiguration(AutoConfigurations.of(dataRedisAutoConfiguration()))
                    .withPropertyValues("ratelimit.store=redis", "spring.data.redis.host=127.0.0.1",
                            "spring.data.redis.port=" + decoy.port,
                            "ratelimit.redis.url=redis://127.0.0.1:" + server.port)
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(RateLimitRedisConnection.class).address())
                                .isEqualTo("127.0.0.1:" + server.port);
                        takeOne(context, "198.51.100.10");
                        assertNothingIn(decoy);
                    });
        }
    }

    /** Boot's Spring Data Redis auto-configuration: a module of its own in Spring Boot 4, in Boot's in 3.5. */
    private static Class<?> dataRedisAutoConfiguration() throws ClassNotFoundException {
        try {
            return Class.forName("org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration");
        } catch (ClassNotFoundException boot3) {
            return Class.forName("org.springframework.boot.autoconfigure.data.redis.RedisAutoConfiguration");
        }
    }

    private static void assertNothingIn(TestRedis other) {
        RedisClient otherClient = other.client();
        try (StatefulRedisConnection<String, String> connection = otherClient.connect()) {
            assertThat(connection.sync().keys("*")).as("keys in the Redis the store must not use").isEmpty();
        } finally {
            otherClient.shutdown();
        }
    }

    @Test
    void aClusterInSpringDataRedisSettingsIsUsedThroughAClusterConnection() throws Exception {
        try (TestRedisCluster cluster = TestRedisCluster.start()) {
            runner.withPropertyValues("ratelimit.store=redis", "spring.data.redis.cluster.nodes=" + cluster.nodes(),
                    "ratelimit.redis.command-timeout=5s").run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(context.getBean(RateLimitRedisConnection.class).connection())
                                .isInstanceOf(StatefulRedisClusterConnection.class);
                        takeOne(context, TestRedisCluster.clientOn(0));
                        takeOne(context, TestRedisCluster.clientOn(1));
                        assertThat(context.getBean(RedisLimits.class).failures()).isZero();
                    });
        }
    }

    @Test
    void aClusterNodeThatIsNotHostAndPortFailsNamingTheProperty() {
        runner.withPropertyValues("ratelimit.store=redis", "spring.data.redis.cluster.nodes=127.0.0.1:7000,redis-a")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .rootCause().isInstanceOf(RateLimitConfigurationException.class)
                        .hasMessageContaining("spring.data.redis.cluster.nodes").hasMessageContaining("redis-a"));
    }

    @Test
    void failurePolicyAndTimeoutsComeFromTheProperties() {
        runner.withPropertyValues("ratelimit.store=REDIS", "ratelimit.redis.url=redis://127.0.0.1:" + server.port,
                "ratelimit.redis.on-failure=local", "ratelimit.redis.lease=30s").run(context -> {
                    assertThat(context).hasNotFailed();
                    RedisLimits limits = context.getBean(RedisLimits.class);
                    assertThat(limits.onFailure()).isEqualTo(StoreFailurePolicy.LOCAL);
                    assertThat(limits.lease()).hasSeconds(30);
                });
    }

    @Test
    void badValuesFailStartupNamingThePropertyAndTheValue() {
        assertUnconvertible("ratelimit.store", "mongo", "must be one of memory, redis", "ratelimit.store=mongo");
        // Binds as redis, but the Redis store's condition compares the text: never memory while it says Redis.
        assertFailure("ratelimit.store", "re-dis", "write it as redis", "ratelimit.store=re-dis");
        // Bound as nothing, a blank value would keep the default without a word (ratelimit.store=${STORE:}).
        assertFailure("ratelimit.store", "", "must be one of memory, redis", "ratelimit.store=");
        assertFailure("ratelimit.redis.on-failure", "", "must be one of fail-open, fail-closed, local",
                "ratelimit.redis.on-failure=");
        assertUnconvertible("ratelimit.redis.on-failure", "ignore", "must be one of fail-open, fail-closed, local",
                "ratelimit.redis.on-failure=ignore");
        assertFailure("ratelimit.redis.fail-closed-status", "418", "must be 503 or 429",
                "ratelimit.redis.fail-closed-status=418");
        assertFailure("ratelimit.redis.command-timeout", "0s", "must be at least 1ms",
                "ratelimit.redis.command-timeout=0s");
        assertFailure("ratelimit.redis.prefix", "a{b}", "must not hold",
                "ratelimit.redis.prefix=a{b}");
        assertFailure("ratelimit.redis.url", "http://localhost", "must be a redis://",
                "ratelimit.redis.url=http://localhost");
    }

    @Test
    void theRedisStoreWithItsAutoConfigurationExcludedFailsStartupSayingSoInsteadOfRunningOnMemory() {
        assertRedisStoreFails(new WebApplicationContextRunner().withConfiguration(AutoConfigurations.of(
                RateLimitAutoConfiguration.class, RateLimitServletAutoConfiguration.class)),
                "the Redis store's auto-configuration (RateLimitRedisAutoConfiguration) did not run");
    }

    @Test
    void theRedisStoreWithoutRatelimitRedisOnTheClasspathFailsStartupSayingWhatIsMissing() {
        assertRedisStoreFails(runner.withClassLoader(new FilteredClassLoader(RedisLimits.class)),
                "io.ratestack:ratelimit-redis");
    }

    @Test
    void theRedisStoreWithoutLettuceOnTheClasspathFailsStartupNamingTheStoreAndLettuce() {
        assertRedisStoreFails(runner.withClassLoader(new FilteredClassLoader("io.lettuce")), "io.lettuce:lettuce-core");
    }

    @Test
    void withoutRatelimitRedisOrLettuceTheMemoryStoreMetricsAndEndpointStillWork() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitRedisAutoConfiguration.class, RateLimitServletAutoConfiguration.class,
                        RateLimitMetricsAutoConfiguration.class, RateLimitEndpointAutoConfiguration.class))
                .withClassLoader(new FilteredClassLoader("io.ratestack.redis", "io.lettuce"))
                .withUserConfiguration(Registry.class)
                .withPropertyValues("management.endpoints.web.exposure.include=ratelimits")
                .run(context -> {
                    assertThat(context).hasNotFailed()
                            .hasSingleBean(MemoryRateLimitStore.class)
                            .hasSingleBean(RateLimitsEndpoint.class)
                            .doesNotHaveBean(RateLimitRedisConnection.class);
                    assertThat(context.getBean(RateLimitsEndpoint.class).policies()).containsKey("caches")
                            .doesNotContainKey("store");
                });
    }

    @Test
    void anApplicationsRedisLimitsWinsAndTheStarterOpensNoConnection() {
        runner.withUserConfiguration(OwnLimits.class).withPropertyValues("ratelimit.store=redis").run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(RateLimitRedisConnection.class);
            RedisLimits own = context.getBean(RedisLimits.class);
            assertThat(context.getBean(RedisRateLimitStore.class).limits()).isSameAs(own);
            takeOne(context, "192.0.2.77");
            assertThat(redis.sync().keys("mine:{192.0.2.77}:*")).isNotEmpty();
        });
    }

    @Test
    void theRedisStoreHasHealthMetrics() {
        runner.withUserConfiguration(Registry.class).withPropertyValues("ratelimit.store=redis",
                "ratelimit.redis.url=redis://127.0.0.1:" + server.port).run(context -> {
                    assertThat(context).hasNotFailed();
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    context.getBeansOfType(MeterBinder.class).values().forEach(binder -> binder.bindTo(registry));
                    takeOne(context, "192.0.2.78");
                    assertThat(registry.get("ratelimit.store.failures").functionCounter().count()).isZero();
                    assertThat(registry.get("ratelimit.store.recoveries").functionCounter().count()).isZero();
                    assertThat(registry.get("ratelimit.store.available").gauge().value()).isEqualTo(1);
                    assertThat(registry.find("ratelimit.clients").gauge()).as("no local caches").isNull();
                });
    }

    @Test
    void aFailOpenStoreStartsWhileRedisIsDownAndAdmits() throws Exception {
        // An outage of Redis is not an outage of the API: with fail-open (or local) the store connects later.
        int closedPort = closedPort();
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + closedPort,
                "ratelimit.redis.on-failure=fail-open").run(context -> {
                    assertThat(context).as("Redis is down; the policy says admit").hasNotFailed();
                    RateLimitStore store = context.getBean(RateLimitStore.class);
                    RoutePolicy policy = new RoutePolicy("test",
                            List.of(io.ratestack.Limit.of(5, Duration.ofSeconds(1)).named("route")));
                    assertThat(store.tryAcquire("192.0.2.1", new Route("/x", policy)).result().isGranted()).isTrue();
                });
    }

    @Test
    void aStoreStartedWhileRedisIsDownIsNotReportedAvailable() throws Exception {
        int closedPort = closedPort();
        runner.withPropertyValues("ratelimit.store=redis", "ratelimit.redis.url=redis://127.0.0.1:" + closedPort,
                "ratelimit.redis.on-failure=fail-open").run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitRedisConnection connection = context.getBean(RateLimitRedisConnection.class);
                    assertThat(connection.connection()).as("startup could not connect").isNull();
                    assertThat(context.getBean(RedisLimits.class).isAvailable())
                            .as("Redis was found unreachable at startup").isFalse();
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"redi://ratelimit:s3cret-pa55@redis.internal:6379/0",
        "redi://ratelimit:s3cret/pa55@redis.internal:6379/0", "redi://ratelimit:s3cret?pa55#x@redis.internal:6379"})
    void aRejectedUrlDoesNotPutItsPasswordInTheStartupFailure(String url) {
        // Passwords holding /, ? or # are masked too.
        runner.withPropertyValues("ratelimit.store=redis",
                "ratelimit.redis.url=" + url).run(context -> {
                    assertThat(context).hasFailed();
                    StringWriter trace = new StringWriter();
                    context.getStartupFailure().printStackTrace(new PrintWriter(trace));
                    FailureAnalysis analysis = new RateLimitFailureAnalyzer().analyze(context.getStartupFailure());
                    String shown = trace + (analysis == null ? ""
                            : analysis.getDescription() + analysis.getAction());
                    assertThat(shown).contains("ratelimit.redis.url").doesNotContain("s3cret");
                });
    }

    /** A local port that nothing listens on. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A value Spring Boot cannot bind to the property's type, as the failure analyzer explains it. */
    private void assertUnconvertible(String property, String value, String reason, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new RateLimitFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).as(property).isNotNull();
            assertThat(analysis.getDescription()).contains("Property: " + property + "%n    Value: %s%n"
                    .formatted(value)).contains("Reason: " + reason + "%n".formatted());
        });
    }

    /** {@code ratelimit.store=redis} fails startup naming it, for the reason given. */
    private static void assertRedisStoreFails(WebApplicationContextRunner runner, String reason) {
        runner.withPropertyValues("ratelimit.store=redis").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOfSatisfying(RateLimitConfigurationException.class, failure -> {
                        assertThat(failure.getOrigin()).isEqualTo("ratelimit.store");
                        assertThat(failure.getValue()).isEqualTo("redis");
                        assertThat(failure.getReason()).contains(reason);
                    });
        });
    }

    private void assertFailure(String property, String value, String reason, String... properties) {
        runner.withPropertyValues(properties).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOfSatisfying(RateLimitConfigurationException.class, failure -> {
                        assertThat(failure.getOrigin()).isEqualTo(property);
                        assertThat(failure.getValue()).isEqualTo(value);
                        assertThat(failure.getReason()).contains(reason);
                    });
        });
    }

    private static RateLimitStore filterStore(AssertableWebApplicationContext context) {
        assertThat(context.getBean(FilterRegistrationBean.class).getFilter()).isInstanceOf(RateLimitFilter.class);
        return context.getBean(RateLimitStore.class);
    }

    private static void takeOne(AssertableWebApplicationContext context, String client) {
        RateLimitStore store = context.getBean(RateLimitStore.class);
        RoutePolicy policy = new RoutePolicy("test", List.of(io.ratestack.Limit.of(5, java.time.Duration.ofSeconds(1))
                .named("route")));
        RateLimitStore.Attempt attempt = store.tryAcquire(client, new Route("/x", policy));
        assertThat(attempt.result().isGranted()).isTrue();
        assertThat(attempt.tracked()).as("the script's readings of each limit").isTrue();
        attempt.result().permit().close();
        // the use's end goes to Redis without waiting: read Redis once it is answered
        assertThat(context.getBean(RedisLimits.class).awaitEnds()).as("the use's end answered").isTrue();
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLimits {
        @Bean
        RedisLimits ownLimits() {
            return RedisLimits.builder(redis).prefix("mine:").build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        SimpleMeterRegistry registry() {
            return new SimpleMeterRegistry();
        }
    }
}
