package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Address ranges and keys of clients that are never limited. */
class ExemptClientsTest {

    @Test
    void aRangeHoldsTheAddressesOfItsPrefixOnly() {
        ExemptClients exempt = ExemptClients.of(List.of("10.0.0.0/8", "192.168.1.7", "2001:db8::/32", "::1",
                "172.16.0.0/12"), List.of());
        assertThat(exempt.exemptsAddress("10.0.0.0")).isTrue();
        assertThat(exempt.exemptsAddress("10.255.255.255")).isTrue();
        assertThat(exempt.exemptsAddress("11.0.0.0")).isFalse();
        assertThat(exempt.exemptsAddress("9.255.255.255")).isFalse();
        assertThat(exempt.exemptsAddress("192.168.1.7")).isTrue();
        assertThat(exempt.exemptsAddress("192.168.1.8")).isFalse();
        assertThat(exempt.exemptsAddress("172.31.255.255")).as("a prefix inside a byte").isTrue();
        assertThat(exempt.exemptsAddress("172.32.0.0")).isFalse();
        assertThat(exempt.exemptsAddress("2001:db8:ffff::1")).isTrue();
        assertThat(exempt.exemptsAddress("2001:db9::1")).isFalse();
        assertThat(exempt.exemptsAddress("::1")).isTrue();
        assertThat(exempt.exemptsAddress("::2")).isFalse();
    }

    @Test
    void addressesAreReadAsTheKeyResolverReadsThem() {
        ExemptClients exempt = ExemptClients.of(List.of("10.0.0.0/8", "2001:db8::/32"), List.of());
        assertThat(exempt.exemptsAddress("::ffff:10.1.2.3")).as("IPv4-mapped").isTrue();
        assertThat(exempt.exemptsAddress("[2001:db8::1]:8443")).as("bracketed, with a port").isTrue();
        assertThat(exempt.exemptsAddress("10.1.2.3:40000")).as("with a port").isTrue();
        assertThat(exempt.exemptsAddress("fe80::1%eth0")).isFalse();
        for (String odd : new String[] {null, "", "unknown", "10.1.2", "10.1.2.3.4", "010.1.2.3x", "localhost",
                "_hidden", "[10.1.2.3"}) {
            assertThat(exempt.exemptsAddress(odd)).as("%s", odd).isFalse();
        }
    }

    @Test
    void zeroPrefixesHoldEveryAddressOfTheirFamily() {
        ExemptClients v4 = ExemptClients.of(List.of("0.0.0.0/0"), List.of());
        assertThat(v4.exemptsAddress("203.0.113.9")).isTrue();
        assertThat(v4.exemptsAddress("2001:db8::1")).isFalse();
        ExemptClients v6 = ExemptClients.of(List.of("::/0"), List.of());
        assertThat(v6.exemptsAddress("2001:db8::1")).isTrue();
        assertThat(v6.exemptsAddress("203.0.113.9")).isFalse();
    }

    @Test
    void aBadRangeIsRefusedSayingWhy() {
        assertRefused("10.0.0.1/8", "has bits set past its /8 prefix: the block is 10.0.0.0/8");
        assertRefused("10.0.0.0/33", "has a prefix length above 32");
        assertRefused("2001:db8::/129", "has a prefix length above 128");
        assertRefused("10.0.0.0/", "has no prefix length after / (0 to 32)");
        assertRefused("10.0.0.0/-1", "has no prefix length after /");
        assertRefused("example.com", "is not an IPv4 or IPv6 address");
        assertRefused("10.0.0.256", "is not an IPv4 or IPv6 address");
        assertRefused("[::1]", "without brackets, port or zone");
        assertRefused("10.0.0.1:80", "without brackets, port or zone");
        assertRefused("fe80::1%eth0", "without brackets, port or zone");
        assertRefused("::ffff:10.0.0.0/104", "is an IPv4-mapped IPv6 address: write its IPv4 form");
        assertRefused(" ", "must be an address or a CIDR block");
        assertRefused("010.0.0.0/8", "has a part with a leading zero");
        assertRefused("10.0.0.0 /8", "without spaces");
        assertThatThrownBy(() -> ExemptClients.of(List.of(), List.of(" "))).hasMessage("must not be blank");
    }

    private static void assertRefused(String range, String reason) {
        assertThatThrownBy(() -> ExemptClients.of(List.of(range), List.of())).as(range)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(reason);
    }

    @Test
    void aKeyThatSpellsAnotherKeysHashIsNotThatKey() {
        String longKey = "k".repeat(100);
        ExemptClients exempt = ExemptClients.of(List.of(), List.of(longKey));
        assertThat(exempt.exemptsKey(RateLimitFilter.resolvedKey(longKey))).isTrue();
        assertThat(exempt.exemptsKey(RateLimitFilter.resolvedKey(Keys.base64Sha256(longKey)))).isFalse();
    }

    @Test
    void keysAreTheResolversAndNeverShown() {
        ExemptClients exempt = ExemptClients.of(List.of("203.0.113.0/24"), List.of("secret-api-key"));
        assertThat(exempt.exemptsKey(RateLimitFilter.resolvedKey("secret-api-key"))).isTrue();
        assertThat(exempt.exemptsKey("secret-api-key")).as("an address key of that spelling").isFalse();
        assertThat(exempt.keyCount()).isEqualTo(1);
        assertThat(exempt.addresses()).containsExactly("203.0.113.0/24");
        assertThat(exempt.toString()).doesNotContain("secret");
        assertThat(ExemptClients.NONE.isEmpty()).isTrue();
        assertThat(ExemptClients.NONE.exemptsAddress("203.0.113.1")).isFalse();
    }
}
