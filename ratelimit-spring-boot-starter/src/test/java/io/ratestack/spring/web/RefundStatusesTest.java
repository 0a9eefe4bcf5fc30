package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RefundStatusesTest {

    @Test
    void statusesClassesAndRanges() {
        RefundStatuses statuses = RefundStatuses.parse(List.of("500", "4xx", "502-504"));

        assertThat(statuses.contains(500)).isTrue();
        assertThat(statuses.contains(501)).isFalse();
        assertThat(statuses.contains(400)).isTrue();
        assertThat(statuses.contains(499)).isTrue();
        assertThat(statuses.contains(503)).isTrue();
        assertThat(statuses.contains(505)).isFalse();
        assertThat(statuses.contains(200)).isFalse();
    }

    @Test
    void badSpecsNameTheirIndex() {
        assertThatThrownBy(() -> RefundStatuses.parse(List.of("500", "abc")))
                .hasMessageStartingWith("[1] must be a status (500), a class (5xx) or a range (500-504)")
                .hasMessageEndingWith("but was 'abc'");
        assertThatThrownBy(() -> RefundStatuses.parse(List.of("600"))).hasMessageEndingWith("but was '600'");
        assertThatThrownBy(() -> RefundStatuses.parse(List.of("504-500"))).hasMessageEndingWith("'504-500'");
    }
}
