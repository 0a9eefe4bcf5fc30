package io.ratestack.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.DocSnippets;
import io.ratestack.spring.autoconfigure.RateLimitAutoConfiguration;
import io.ratestack.spring.autoconfigure.RateLimitServletAutoConfiguration;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MvcRouteResolver;
import java.io.IOException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletRequest;
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
                .withUserConfiguration(Mvc.class, SearchController.class, ClientKeys.class)
                .withPropertyValues("app.api-keys=k-1234,k-5678")
                // As SpringApplication does: the conversion service that splits "k-1234,k-5678" for @Value.
                .withInitializer(context -> context.getBeanFactory()
                        .setConversionService(ApplicationConversionService.getSharedInstance()))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(MvcRouteResolver.class).annotatedPolicies()).hasSize(1);
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

    @Test
    void docShowsEveryExampleAsWrittenHere() throws IOException {
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/SearchController.java", 1);
        DocSnippets.assertShows("README.md", "src/test/java/io/ratestack/spring/readme/ClientKeys.java", 1);
    }
}
