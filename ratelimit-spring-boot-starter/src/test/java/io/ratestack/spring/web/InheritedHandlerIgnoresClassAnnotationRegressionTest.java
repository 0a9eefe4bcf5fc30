package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import io.ratestack.FakeClock;
import io.ratestack.Limit;
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
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

/** Regression: a class-level @RateLimit on a controller whose handler methods are inherited from a base class. */
@SpringBootTest(classes = InheritedHandlerIgnoresClassAnnotationRegressionTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = {"ratelimit.global.limit=100", "ratelimit.global.per=1s",
                "ratelimit.per-route.limit=100", "ratelimit.per-route.per=1s"})
class InheritedHandlerIgnoresClassAnnotationRegressionTest {

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
        clock.advance(Duration.ofHours(2));
    }

    private int status(String path) throws Exception {
        return mvc.perform(get(path).with(r -> {
            r.setRemoteAddr("192.0.2.10");
            return r;
        })).andReturn().getResponse().getStatus();
    }

    @Test
    void theSubclassAnnotationApplies() throws Exception {
        assertThat(status("/expensive/report")).isEqualTo(200);
        assertThat(status("/expensive/report")).as("@RateLimit(limit = 1, per = \"1h\") on the controller")
                .isEqualTo(429);
    }

    @Test
    void anExemptSubclassIsExempt() throws Exception {
        for (int i = 0; i < 150; i++) {
            assertThat(status("/free/report")).as("request " + (i + 1)).isEqualTo(200);
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

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ExpensiveReports.class, FreeReports.class})
    static class App {
        @Bean
        FakeClock clock() {
            return new FakeClock();
        }
    }
}
