package io.ratestack.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.DocSnippets;
import io.ratestack.spring.autoconfigure.RateLimitAutoConfiguration;
import io.ratestack.spring.autoconfigure.RateLimitServletAutoConfiguration;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MvcRouteResolver;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** The README's starter examples ({@code ReadmeExamples.java}), loaded here; the README must show them as written. */
class DocExamplesTest {

    @Test
    void examplesLoadIntoAnApplication() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                        RateLimitServletAutoConfiguration.class))
                .withUserConfiguration(Mvc.class, SearchController.class, ClientKeys.class, KnownKeys.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MvcRouteResolver.class).annotatedPolicies()).hasSize(1);
                    assertThat(context).hasSingleBean(ClientKeyResolver.class);
                });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableWebMvc
    static class Mvc {
    }

    @Test
    void docShowsEveryExampleAsWrittenHere() throws IOException {
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/ReadmeExamples.java", 2);
    }
}
