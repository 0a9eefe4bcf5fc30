package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;

import io.ratestack.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

/**
 * Routes as Spring MVC matches them, with the application's real handler mappings: route keys, annotations (also on
 * classes whose handlers are inherited), path overrides, exclusions and CORS preflights. Per-route default: 1 per
 * second; global: 100 per second.
 */
@SpringBootTest(classes = MvcRouteResolverTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = {"ratelimit.global.limit=100", "ratelimit.global.per=1s",
                "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s",
                "ratelimit.excluded-paths=/health/**",
                "ratelimit.routes[0].pattern=/search/**", "ratelimit.routes[0].limit=3", "ratelimit.routes[0].per=1s",
                "ratelimit.routes[1].pattern=/open/**", "ratelimit.routes[1].exempt=true"})
class MvcRouteResolverTest {

    @Autowired
    private WebApplicationContext context;

    @Autowired
    private FilterRegistrationBean<RateLimitFilter> registration;

    @Autowired
    private FakeClock clock;

    private MockMvc mvc;

    @BeforeEach
    void setUp() {
        mvc = MockMvcBuilders.webAppContextSetup(context).addFilters(registration.getFilter()).build();
        clock.advance(Duration.ofHours(1)); // every window of the previous test is over
    }

    private int status(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.with(r -> {
            r.setRemoteAddr("192.0.2.10");
            return r;
        })).andReturn().getResponse().getStatus();
    }

    private int status(String path) throws Exception {
        return status(get(path));
    }

    @Test
    void pathVariantsShareTheLimiterOfTheirRoute() throws Exception {
        assertThat(status("/users/1")).isEqualTo(200);

        assertThat(status("/users/2")).as("same pattern /users/{id}").isEqualTo(429);
        assertThat(status("/users/1;jsessionid=abc")).isEqualTo(429);
        assertThat(status(get(java.net.URI.create("/users/%31")))).isEqualTo(429);
        assertThat(status("/users/1/")).isIn(429, 404);
        assertThat(status("//users/1")).isIn(429, 404);
    }

    @Test
    void overloadedAnnotatedHandlersHavePoliciesOfTheirOwnWithKeysThatTellThemApart() throws Exception {
        assertThat(status("/items")).isEqualTo(200);
        assertThat(status(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post("/items")
                .content("x").contentType("text/plain"))).as("a budget of its own")
                .isEqualTo(200);

        java.util.List<String> keys = context.getBean(MvcRouteResolver.class).annotatedPolicies().entrySet().stream()
                .filter(entry -> entry.getKey().getDeclaringClass() == OverloadedController.class)
                .map(entry -> entry.getValue().key()).sorted().toList();
        assertThat(keys).containsExactly(
                "@RateLimit on " + OverloadedController.class.getName() + ".items()",
                "@RateLimit on " + OverloadedController.class.getName() + ".items(java.lang.String)");
    }

    @Test
    void routesAreKeyedByPatternNotByMethod() throws Exception {
        assertThat(status("/users/1")).isEqualTo(200);

        assertThat(status(org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post("/users/1")))
                .isEqualTo(429);
    }

    @Test
    void differentRoutesHaveLimitersOfTheirOwn() throws Exception {
        assertThat(status("/users/1")).isEqualTo(200);
        assertThat(status("/plain")).isEqualTo(200);
    }

    @Test
    void requestsThatMatchNoRouteShareOneLimiterPerClient() throws Exception {
        assertThat(status("/nothing/here")).isEqualTo(404);

        assertThat(status("/somewhere/else")).isEqualTo(429);
        clock.advance(Duration.ofSeconds(1));
        assertThat(status("/somewhere/else")).isEqualTo(404);
    }

    @Test
    void aMethodAnnotationReplacesThePerRouteLimit() throws Exception {
        assertThat(status("/annotated/two")).isEqualTo(200);
        assertThat(status("/annotated/two")).isEqualTo(200);
        assertThat(status("/annotated/two")).isEqualTo(429);
    }

    @Test
    void aClassAnnotationAppliesToItsMethodsAndTheMethodWins() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(status("/annotated/class-level")).isEqualTo(200);
        }
        assertThat(status("/annotated/class-level")).isEqualTo(429);
    }

    @Test
    void repeatedAnnotationsStack() throws Exception {
        assertThat(status("/annotated/stacked")).isEqualTo(200);
        assertThat(status("/annotated/stacked")).isEqualTo(200);
        assertThat(status("/annotated/stacked")).as("2 per second binds").isEqualTo(429);
        clock.advance(Duration.ofSeconds(1));
        assertThat(status("/annotated/stacked")).isEqualTo(200);
        clock.advance(Duration.ofSeconds(1));
        assertThat(status("/annotated/stacked")).as("3 per minute binds").isEqualTo(429);
    }

    @Test
    void exemptHandlersAndClassesAreNeverLimited() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(status("/annotated/exempt")).isEqualTo(200);
            assertThat(status("/exempt-class")).isEqualTo(200);
        }
    }

    @Test
    void excludedPathsAreNeverLimited() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(status("/health/live")).isEqualTo(200);
        }
    }

    @Test
    void pathOverridesApplyToRoutesWithoutAnnotation() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(status("/search/books")).isEqualTo(200);
        }
        assertThat(status("/search/books")).isEqualTo(429);
        for (int i = 0; i < 5; i++) {
            assertThat(status("/open/door")).isEqualTo(200);
        }
    }

    @Test
    void theGlobalLimitStillAppliesToAnnotatedRoutes() throws Exception {
        String policies = mvc.perform(get("/annotated/stacked").with(r -> {
            r.setRemoteAddr("192.0.2.10");
            return r;
        })).andReturn().getResponse().getHeader("RateLimit-Policy");

        assertThat(policies).isEqualTo("\"global\";q=100;w=1, \"route\";q=2;w=1, \"per-minute\";q=3;w=60");
    }

    @Test
    void aPreflightDoesNotSpendTheUseOfTheRequestItPrecedes() throws Exception {
        status(preflight("/plain"));

        assertThat(status(get("/plain").header("Origin", "https://app.example")))
                .as("the browser's real GET right after its preflight").isNotEqualTo(429);
    }

    @Test
    void anExemptHandlerIsExemptForItsPreflightToo() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(status(preflight("/annotated/exempt"))).isNotEqualTo(429);
        }
    }

    @Test
    void aClassLevelAnnotationAppliesToHandlersInheritedFromABaseClass() throws Exception {
        assertThat(status("/expensive/report")).isEqualTo(200);
        assertThat(status("/expensive/report")).as("@RateLimit(limit = 1, per = \"1h\") on the controller")
                .isEqualTo(429);
    }

    @Test
    void anExemptClassIsExemptForHandlersInheritedFromABaseClass() throws Exception {
        for (int i = 0; i < 150; i++) {
            assertThat(status("/free/report")).as("request " + (i + 1)).isEqualTo(200);
        }
    }

    @Test
    void aRememberedRouteStillLimitsEverySpellingOfItsPath() throws Exception {
        assertThat(status("/users/3")).isEqualTo(200);
        clock.advance(Duration.ofSeconds(1));
        assertThat(status("/users/3")).as("resolved as before").isEqualTo(200);

        assertThat(status(get(java.net.URI.create("/users/%33")))).isEqualTo(429);
        assertThat(status("/users/3;x=y")).isEqualTo(429);
        assertThat(status("/users/3")).isEqualTo(429);
    }

    @Test
    void aRoutePickedByTheRequestsHeadersIsPickedByThemEveryTime() throws Exception {
        assertThat(status(get("/negotiated").accept("application/json"))).isEqualTo(200);

        for (int i = 0; i < 3; i++) {
            assertThat(status(get("/negotiated").accept("text/plain"))).as("the exempt handler").isEqualTo(200);
        }
        assertThat(status(get("/negotiated").accept("application/json"))).isEqualTo(429);
    }

    @Test
    void aRoutePickedByTheRequestsParametersIsPickedByThemEveryTime() throws Exception {
        assertThat(status("/lookup")).isEqualTo(200);

        for (int i = 0; i < 3; i++) {
            assertThat(status(get("/lookup").param("free", "yes"))).as("the exempt handler").isEqualTo(200);
        }
        assertThat(status("/lookup")).isEqualTo(429);
    }

    private static MockHttpServletRequestBuilder preflight(String path) {
        return options(path).header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({UsersController.class, AnnotatedController.class, ClassLevelController.class, ExemptController.class,
            OverloadedController.class, ExpensiveReports.class, FreeReports.class, ConditionalController.class})
    static class App {
        @Bean
        FakeClock clock() {
            return new FakeClock();
        }
    }

    @RestController
    static class UsersController {
        @GetMapping("/users/{id}")
        String user(@PathVariable String id) {
            return "user " + id;
        }

        @PostMapping("/users/{id}")
        String update(@PathVariable String id) {
            return "updated " + id;
        }

        @GetMapping("/plain")
        String plain() {
            return "plain";
        }

        @GetMapping("/health/live")
        String live() {
            return "up";
        }

        @GetMapping("/search/{what}")
        String search(@PathVariable String what) {
            return "found " + what;
        }

        @GetMapping("/open/{what}")
        String open(@PathVariable String what) {
            return "open " + what;
        }
    }

    @RestController
    static class OverloadedController {
        @GetMapping("/items")
        @RateLimit(limit = 1, per = "1h")
        String items() {
            return "items";
        }

        @PostMapping("/items")
        @RateLimit(limit = 1, per = "1h")
        String items(@org.springframework.web.bind.annotation.RequestBody String item) {
            return "added " + item;
        }
    }

    /** Handlers of one path that the request's headers or parameters choose between. */
    @RestController
    static class ConditionalController {
        @GetMapping(path = "/negotiated", produces = "application/json")
        String json() {
            return "{}";
        }

        @GetMapping(path = "/negotiated", produces = "text/plain")
        @RateLimit.Exempt
        String text() {
            return "text";
        }

        @GetMapping("/lookup")
        String lookup() {
            return "limited";
        }

        @GetMapping(path = "/lookup", params = "free")
        @RateLimit.Exempt
        String free() {
            return "free";
        }
    }

    @RestController
    static class AnnotatedController {
        @GetMapping("/annotated/two")
        @RateLimit(limit = 2, per = "10s")
        String two() {
            return "two";
        }

        @GetMapping("/annotated/stacked")
        @RateLimit(limit = 2, per = "1s")
        @RateLimit(limit = 3, per = "1m", name = "per-minute")
        String stacked() {
            return "stacked";
        }

        @GetMapping("/annotated/exempt")
        @RateLimit.Exempt
        String exempt() {
            return "exempt";
        }
    }

    @RestController
    @RateLimit(limit = 1, per = "1h")
    static class ClassLevelController {
        @GetMapping("/annotated/class-level")
        @RateLimit(limit = 3, per = "1h")
        String classLevel() {
            return "method wins";
        }
    }

    @RestController
    @RateLimit.Exempt
    static class ExemptController {
        @GetMapping("/exempt-class")
        String exempt() {
            return "exempt";
        }
    }

    abstract static class ReportController {
        @GetMapping("/report")
        String report() {
            return "report";
        }
    }

    @RestController
    @RequestMapping("/expensive")
    @RateLimit(limit = 1, per = "1h")
    static class ExpensiveReports extends ReportController {
    }

    @RestController
    @RequestMapping("/free")
    @RateLimit.Exempt
    static class FreeReports extends ReportController {
    }
}
