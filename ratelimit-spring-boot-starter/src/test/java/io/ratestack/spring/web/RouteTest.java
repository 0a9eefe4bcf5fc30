package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.ratestack.Limit;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A route's key is bounded, whoever makes the route: a client sending huge paths gets small entries. */
class RouteTest {

    private final RoutePolicy policy = new RoutePolicy("test", List.of(Limit.of(1, Duration.ofSeconds(1))
            .named("route")));

    @Test
    void aKeyUpToTheBoundIsKeptAsItIs() {
        String longest = "/" + "a".repeat(Route.LONGEST_KEY - 1);

        assertThat(new Route(longest, policy).key()).isEqualTo(longest);
    }

    @Test
    void aLongerKeyIsReplacedByItsHashTheSameForTheSamePathAndOtherForAnother() {
        String huge = "/" + "a".repeat(5000);

        Route route = new Route(huge, policy, "/**");

        assertThat(route.key()).startsWith("sha256:").hasSize("sha256:".length() + 43);
        assertThat(new Route(huge, policy).key()).isEqualTo(route.key());
        assertThat(new Route(huge + "b", policy).key()).isNotEqualTo(route.key());
        assertThat(route.pattern()).isEqualTo("/**");
    }

    @Test
    void aPolicysTagIsEightHexDigitsOfItsKey() {
        assertThat(policy.tag()).matches("[0-9a-f]{8}")
                .isEqualTo(new RoutePolicy("elsewhere", "test", policy.limits()).tag())
                .isNotEqualTo(new RoutePolicy("other", policy.limits()).tag());
    }
}
