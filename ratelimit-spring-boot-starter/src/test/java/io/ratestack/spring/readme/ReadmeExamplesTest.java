package io.ratestack.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.autoconfigure.RateLimitAutoConfiguration;
import io.ratestack.spring.autoconfigure.RateLimitServletAutoConfiguration;
import io.ratestack.spring.web.ClientKeyResolver;
import io.ratestack.spring.web.MvcRouteResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.EnableWebMvc;

/** The README's starter examples ({@code ReadmeSnippets.java}), loaded here; the README must show them as written. */
class ReadmeExamplesTest {

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
    void readmeShowsEveryExampleAsWrittenHere() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/ratestack/spring/readme/ReadmeSnippets.java"));
        String readme = normalize(Files.readString(Path.of("../README.md")));
        Matcher tags = Pattern.compile("// tag::([\\w-]+)\\[]\\n(.*?)\\n\\s*// end::\\1\\[]", Pattern.DOTALL)
                .matcher(source);
        int examples = 0;
        while (tags.find()) {
            examples++;
            assertThat(readme).as("README example '%s'", tags.group(1)).contains(normalize(tags.group(2)));
        }
        assertThat(examples).isEqualTo(2);
    }

    private static String normalize(String text) {
        return text.lines().map(String::strip).filter(line -> !line.isEmpty()).reduce("", (a, b) -> a + b + "\n");
    }
}
