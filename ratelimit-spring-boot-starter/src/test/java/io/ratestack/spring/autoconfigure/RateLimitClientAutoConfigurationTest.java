package io.ratestack.spring.autoconfigure;

import static io.ratestack.spring.autoconfigure.RateLimitAutoConfigurationTest.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.spring.autoconfigure.RateLimitAutoConfigurationTest.Builders;
import io.ratestack.spring.client.PacedTargets;
import io.ratestack.spring.client.RateLimitingInterceptor;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.web.client.RestClient;

/** {@code ratelimit.client}: pacing of the application's outgoing calls, per configured target. */
class RateLimitClientAutoConfigurationTest {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(RateLimitAutoConfiguration.class,
                    RateLimitServletAutoConfiguration.class, RateLimitClientAutoConfiguration.class));

    @Test
    void clientTargetsPaceEveryRestClientBuilder() {
        runner.withUserConfiguration(Builders.class)
                .withPropertyValues("ratelimit.client.targets.tutorial.base-url=http://localhost:8000",
                        "ratelimit.client.targets.tutorial.global.limit=10",
                        "ratelimit.client.targets.tutorial.global.per=10s",
                        "ratelimit.client.targets.tutorial.per-path.limit=1",
                        "ratelimit.client.targets.tutorial.per-path.per=1s")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    PacedTargets targets = context.getBean(PacedTargets.class);
                    assertThat(targets.targets()).singleElement()
                            .satisfies(target -> assertThat(target.name()).isEqualTo("tutorial"));
                    assertThat(targets.find(URI.create("http://localhost:8000/test"))).isNotNull();
                    assertThat(targets.find(URI.create("http://localhost:9000/test"))).isNull();
                    RestClient.Builder builder = context.getBean(RestClient.Builder.class);
                    builder.requestInterceptors(interceptors -> assertThat(interceptors)
                            .hasExactlyElementsOfTypes(RateLimitingInterceptor.class));
                });
    }

    @Test
    void withoutTargetsNothingIsPaced() {
        runner.withUserConfiguration(Builders.class).run(context -> {
            assertThat(context.getBean(PacedTargets.class).isEmpty()).isTrue();
            context.getBean(RestClient.Builder.class)
                    .requestInterceptors(interceptors -> assertThat(interceptors).isEmpty());
        });
        runner.withUserConfiguration(Builders.class)
                .withPropertyValues("ratelimit.client.enabled=false",
                        "ratelimit.client.targets.x.base-url=http://a", "ratelimit.client.targets.x.global.limit=1",
                        "ratelimit.client.targets.x.global.per=1s")
                .run(context -> assertThat(context).doesNotHaveBean(PacedTargets.class));
    }

    @Test
    void badClientTargetsFailStartupNamingTheProperty() {
        assertFails(runner.withPropertyValues("ratelimit.client.targets.x.base-url=http://a"),
                "ratelimit.client.targets.x", "x", "needs limits");
        runner.withPropertyValues("ratelimit.client.targets.x.global.limit=1",
                "ratelimit.client.targets.x.global.per=1s")
                .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
                        "ratelimit.client.targets.x.base-url = null: must be an absolute URL"));
        runner.withPropertyValues("ratelimit.client.targets.x.base-url=http://a",
                "ratelimit.client.targets.x.per-path.limit=0", "ratelimit.client.targets.x.per-path.per=1s")
                .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
                        "ratelimit.client.targets.x.per-path.limit = 0: must be > 0"));
    }
}
