package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;

import io.ratestack.FakeClock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/** Regression: a CORS preflight takes the per-route use of the request it precedes. */
@SpringBootTest(classes = MvcRouteResolverTest.App.class, webEnvironment = SpringBootTest.WebEnvironment.MOCK,
        properties = {"ratelimit.global.limit=100", "ratelimit.global.per=1s",
                "ratelimit.per-route.limit=1", "ratelimit.per-route.per=1s"})
class PreflightChargedToRouteRegressionTest {

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
        clock.advance(Duration.ofHours(1));
    }

    private int status(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request.with(r -> {
            r.setRemoteAddr("192.0.2.10");
            return r;
        })).andReturn().getResponse().getStatus();
    }

    private static MockHttpServletRequestBuilder preflight(String path) {
        return options(path).header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET");
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
}
