package io.ratestack.spring.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RemoteAddressClientKeyResolverTest {

    private final RemoteAddressClientKeyResolver resolver = new RemoteAddressClientKeyResolver();

    @Test
    void ipv4AddressesAreTheirOwnKey() {
        assertThat(resolver.keyOf("192.0.2.1")).isEqualTo("192.0.2.1");
    }

    @Test
    void ipv6AddressesAreGroupedBySlash64() {
        assertThat(resolver.keyOf("2001:db8:1:2:3:4:5:6")).isEqualTo("2001:db8:1:2::/64");
        assertThat(resolver.keyOf("2001:DB8:1:2::9")).isEqualTo("2001:db8:1:2::/64");
        assertThat(resolver.keyOf("[2001:db8:1:2::9]")).isEqualTo("2001:db8:1:2::/64");
        assertThat(resolver.keyOf("fe80::1%eth0")).isEqualTo("fe80::/64");
        assertThat(resolver.keyOf("::1")).isEqualTo("::/64");
    }

    @Test
    void ipv4MappedIpv6AddressesCountAsIpv4() {
        assertThat(resolver.keyOf("::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
    }

    @Test
    void prefixLengthsAreConfigurable() {
        RemoteAddressClientKeyResolver wide = new RemoteAddressClientKeyResolver(24, 48);

        assertThat(wide.keyOf("192.0.2.77")).isEqualTo("192.0.2.0/24");
        assertThat(wide.keyOf("2001:db8:1:2::1")).isEqualTo("2001:db8:1::/48");
        assertThat(new RemoteAddressClientKeyResolver(32, 128).keyOf("2001:db8::1")).isEqualTo("2001:db8::1");
    }

    @Test
    void missingOrOddAddressesNeverFailAndNeverLookUpNames() {
        assertThat(resolver.keyOf(null)).isEqualTo("unknown");
        assertThat(resolver.keyOf(" ")).isEqualTo("unknown");
        assertThat(resolver.keyOf("example.com:80")).isEqualTo("example.com:80");
        assertThat(resolver.keyOf("1:2:3")).isEqualTo("1:2:3");
        assertThat(resolver.keyOf("x".repeat(500))).hasSize(64);
    }

    @Test
    void prefixLengthsAreChecked() {
        assertThatThrownBy(() -> new RemoteAddressClientKeyResolver(0, 64))
                .hasMessage("ipv4PrefixLength must be 1 to 32 but was 0");
        assertThatThrownBy(() -> new RemoteAddressClientKeyResolver(32, 129))
                .hasMessage("ipv6PrefixLength must be 1 to 128 but was 129");
    }
}
