package io.ratestack.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ratestack.DocSnippets;
import io.ratestack.Limit;
import io.ratestack.LimitSpec;
import io.ratestack.spring.autoconfigure.RateLimitAutoConfiguration;
import io.ratestack.spring.autoconfigure.RateLimitServletAutoConfiguration;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MemoryRateLimitStore;
import io.ratestack.spring.web.Mode;
import io.ratestack.spring.web.RateLimitConfigurationException;
import io.ratestack.spring.web.RateLimitFilter;
import io.ratestack.spring.web.RequestCost;
import io.ratestack.spring.web.Route;
import io.ratestack.spring.web.RoutePolicy;
import io.ratestack.spring.web.MvcRouteResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/**
 * The README's starter examples ({@code SearchController.java}, {@code ClientKeys.java}), loaded here; the README
 * must show them as written.
 */
class DocExamplesTest {

    @Test
    void examplesLoadIntoAnApplication() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitServletAutoConfiguration.class))
                .withUserConfiguration(Mvc.class, SearchController.class, UploadController.class, ClientKeys.class)
                .withPropertyValues("app.api-keys=k-1234,k-5678")
                // As SpringApplication does: the conversion service that splits "k-1234,k-5678" for @Value.
                .withInitializer(context -> context.getBeanFactory()
                        .setConversionService(ApplicationConversionService.getSharedInstance()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MvcRouteResolver.class).annotatedPolicies()).hasSize(2);
                    ClientKeyResolver resolver = context.getBean(ClientKeyResolver.class);
                    assertThat(resolver.resolve(withApiKey("k-1234"))).isEqualTo("k-1234");
                    assertThat(resolver.resolve(withApiKey("k-5678"))).isEqualTo("k-5678");
                    assertThat(resolver.resolve(withApiKey("k-made-up"))).isNull();
                });
    }

    @Test
    void apiKeyResolverKeysIssuedKeysOnlyAndNeverThrows() {
        ClientKeyResolver resolver = new ClientKeys().apiKeys(Set.of("k-1234", "k-5678")); // Set.of: contains(null) throws

        assertThat(resolver.resolve(withApiKey("k-1234"))).isEqualTo("k-1234");
        assertThat(resolver.resolve(withApiKey("k-made-up"))).isNull();
        assertThat(resolver.resolve(new MockHttpServletRequest("GET", "/search"))).isNull();
    }

    private static MockHttpServletRequest withApiKey(String key) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/search");
        request.addHeader("X-Api-Key", key);
        return request;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    /** A runner with the starter and the README's YAML example of that name. */
    private static WebApplicationContextRunner withYaml(String name) {
        return new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitServletAutoConfiguration.class))
                .withInitializer(context -> {
                    try {
                        new YamlPropertySourceLoader().load(name, new ClassPathResource("readme/" + name + ".yml"))
                                .forEach(context.getEnvironment().getPropertySources()::addFirst);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    @Test
    void theExemptClientsExampleExemptsItsBlocksAndKeys() {
        withYaml("exempt-clients").withPropertyValues("ratelimit.per-route.limit=1").run(context -> {
            assertThat(context).hasNotFailed();
            RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
            for (String address : List.of("10.20.30.40", "2001:db8:1:ff::1", "203.0.113.7", "203.0.113.8")) {
                int[] statuses = new int[2];
                for (int i = 0; i < statuses.length; i++) {
                    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/search");
                    request.setRemoteAddr(address);
                    MockHttpServletResponse response = new MockHttpServletResponse();
                    filter.doFilter(request, response, new MockFilterChain());
                    statuses[i] = response.getStatus();
                }
                assertThat(statuses).as(address).containsExactly(200, address.equals("203.0.113.8") ? 429 : 200);
            }
        });
    }

    @Test
    void theCostExamplesChargeEachRequestItsCost() {
        withYaml("costs").withUserConfiguration(Mvc.class, Costs.class, SearchApi.class).run(context -> {
            assertThat(context).hasNotFailed();
            MvcRouteResolver routes = context.getBean(MvcRouteResolver.class);
            assertThat(Objects.requireNonNull(routes.overrides().get(0).policy()).cost()).isEqualTo(10);
            RequestCost costs = context.getBean(RequestCost.class);
            MockHttpServletRequest batch = new MockHttpServletRequest("POST", "/api/batch");
            batch.addHeader("X-Batch-Size", "25");
            RoutePolicy policy = routes.defaultPolicy();
            assertThat(costs.cost(batch, new Route("/api/batch", policy))).isEqualTo(25);
            assertThat(costs.cost(new MockHttpServletRequest("POST", "/api/batch"), new Route("/api/batch", policy)))
                    .isEqualTo(1);
            assertThat(costs.cost(batch, new Route("/api/other", policy))).isEqualTo(1);
        });
    }

    @Test
    void theShadowModeExampleObservesItsRoute() {
        withYaml("shadow").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(Objects.requireNonNull(context.getBean(MvcRouteResolver.class).overrides().get(0).policy())
                    .mode()).isEqualTo(Mode.SHADOW);
        });
    }

    @Test
    void theAlgorithmsExampleConfiguresEachAlgorithm() {
        withYaml("algorithms").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MemoryRateLimitStore.class).globalSpecs()).containsExactly(
                            Limit.of(1000, Duration.ofHours(1)).named("global"),
                            LimitSpec.Concurrency.of(20).named("global-2"));
                    MvcRouteResolver routes = context.getBean(MvcRouteResolver.class);
                    assertThat(routes.defaultPolicy().limits())
                            .containsExactly(LimitSpec.TokenBucket.of(10, 1, Duration.ofSeconds(1)).named("route"));
                    assertThat(routes.overrides()).extracting(override -> Objects.requireNonNull(override.policy())
                            .limits()).containsExactly(
                                    List.of(LimitSpec.Gcra.of(5, Duration.ofSeconds(1), 2).named("route")),
                                    List.of(LimitSpec.SlidingWindow.of(100, Duration.ofHours(1)).named("route")));
                });
    }

    @Test
    void thePlansExamplePutsEachAccountsClientsOnItsPlan() {
        Accounts accounts = key -> "k-pro".equals(key) ? "pro" : "k-partner".equals(key) ? "partner" : null;
        withYaml("plans").withUserConfiguration(Plans.class).withBean(Accounts.class, () -> accounts).run(context -> {
            assertThat(context).hasNotFailed();
            RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class).getFilter();
            assertThat(policy(filter, "/api/export/all", "k-pro")).isEqualTo("\"global\";q=10000;w=60, \"route\";q=50;w=1");
            assertThat(policy(filter, "/api/export/all", "k-partner")).isEqualTo("\"global\";q=100;w=60, \"route\";q=10;w=60");
            assertThat(policy(filter, "/api/export/all", "k-made-up")).isEqualTo("\"global\";q=100;w=60, \"route\";q=5;w=1");
        });
    }

    @Test
    void theRefresherExampleChangesAPlansLimitAndRefusesABadOne() {
        Accounts accounts = key -> "k-pro".equals(key) ? "pro" : null;
        withYaml("plans").withUserConfiguration(Plans.class, ProLimits.class).withBean(Accounts.class, () -> accounts)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    RateLimitFilter filter = (RateLimitFilter) context.getBean(FilterRegistrationBean.class)
                            .getFilter();
                    context.getBean(ProLimits.class).perSecond(80);
                    assertThat(policy(filter, "/a", "k-pro")).isEqualTo("\"global\";q=10000;w=60, \"route\";q=80;w=1");
                    assertThatThrownBy(() -> context.getBean(ProLimits.class).perSecond(0))
                            .isInstanceOf(RateLimitConfigurationException.class)
                            .hasMessageContaining("ratelimit.plans.pro.per-route.limit = 0");
                    assertThat(policy(filter, "/a", "k-pro")).isEqualTo("\"global\";q=10000;w=60, \"route\";q=80;w=1");
                });
    }

    private static String policy(RateLimitFilter filter, String path, String apiKey) throws Exception {
        MockHttpServletRequest request = withApiKey(apiKey);
        request.setRequestURI(path);
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, new MockFilterChain());
        return response.getHeader("RateLimit-Policy");
    }

    @Test
    void theQueueingExampleLetsItsRouteWait() {
        withYaml("queueing").withUserConfiguration(Mvc.class, ExportController.class).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(MvcRouteResolver.class).annotatedPolicies().values())
                    .extracting(RoutePolicy::maxWait).containsExactly(Duration.ofSeconds(5));
            RoutePolicy reports = Objects.requireNonNull(
                    context.getBean(MvcRouteResolver.class).overrides().get(0).policy());
            assertThat(reports.maxWait()).isEqualTo(Duration.ofSeconds(2));
            assertThat(reports.limits()).containsExactly(LimitSpec.Concurrency.of(4).named("route"));
        });
    }

    @Test
    void docShowsEveryExampleAsWrittenHere() throws IOException {
        DocSnippets.assertShowsWhole("README.md", "src/test/resources/readme/queueing.yml");
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/ExportController.java", 1);
        DocSnippets.assertShowsWhole("README.md", "src/test/resources/readme/plans.yml");
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/Plans.java", 1);
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/ProLimits.java", 1);
        DocSnippets.assertShowsWhole("README.md", "src/test/resources/readme/algorithms.yml");
        DocSnippets.assertShowsWhole("README.md", "src/test/resources/readme/exempt-clients.yml");
        DocSnippets.assertShowsWhole("README.md", "src/test/resources/readme/costs.yml");
        DocSnippets.assertShowsWhole("README.md", "src/test/resources/readme/shadow.yml");
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/Costs.java", 1);
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/SearchApi.java", 1);
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/UploadController.java", 1);
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/SearchController.java", 1);
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/ClientKeys.java", 1);
    }
}
