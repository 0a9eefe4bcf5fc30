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
    void aPortIsNeverPartOfTheKey() {
        // X-Forwarded-For: 198.51.100.7:40000, :40001, ... made a fresh client per port
        assertThat(resolver.keyOf("198.51.100.7:40000")).isEqualTo("198.51.100.7");
        assertThat(resolver.keyOf("198.51.100.7:1")).isEqualTo("198.51.100.7");
        assertThat(resolver.keyOf("[198.51.100.7:40000]")).as("as ForwardedHeaderFilter writes it")
                .isEqualTo("198.51.100.7");
        assertThat(resolver.keyOf("[2001:db8:1:2::9]:40000")).isEqualTo("2001:db8:1:2::/64");
        assertThat(resolver.keyOf("[::ffff:192.0.2.1]:443")).isEqualTo("192.0.2.1");
        assertThat(new RemoteAddressClientKeyResolver(24, 64).keyOf("192.0.2.77:8080")).isEqualTo("192.0.2.0/24");
    }

    @Test
    void oneAddressHasOneKeyHoweverItIsWritten() {
        assertThat(resolver.keyOf("010.000.002.001")).isEqualTo("10.0.2.1");
        assertThat(resolver.keyOf(" 192.0.2.1 ")).isEqualTo("192.0.2.1");
        assertThat(resolver.keyOf("0.0.0.0")).isEqualTo("0.0.0.0");
        assertThat(resolver.keyOf("2001:0db8:0001:0002:0000:0000:0000:0009")).isEqualTo("2001:db8:1:2::/64");
    }

    @Test
    void missingOrOddAddressesShareOneKeyAndNeverLookUpNames() {
        assertThat(resolver.keyOf(null)).isEqualTo("unknown");
        assertThat(resolver.keyOf(" ")).isEqualTo("unknown");
        assertThat(resolver.keyOf("example.com")).isEqualTo("unknown");
        assertThat(resolver.keyOf("example.com:80")).isEqualTo("unknown");
        assertThat(resolver.keyOf("_hidden")).isEqualTo("unknown");
        assertThat(resolver.keyOf("1:2:3")).isEqualTo("unknown");
        assertThat(resolver.keyOf("192.0.2.1:99999")).isEqualTo("unknown");
        assertThat(resolver.keyOf("192.0.2.1:http")).isEqualTo("unknown");
        assertThat(resolver.keyOf("256.0.0.1")).isEqualTo("unknown");
        assertThat(resolver.keyOf("1.2.3")).isEqualTo("unknown");
        assertThat(resolver.keyOf("1.2.3.4.5")).isEqualTo("unknown");
        assertThat(resolver.keyOf("1..2.3")).isEqualTo("unknown");
        assertThat(resolver.keyOf("[2001:db8::1")).isEqualTo("unknown");
        assertThat(resolver.keyOf("[2001:db8::1]x")).isEqualTo("unknown");
        assertThat(resolver.keyOf("x".repeat(500))).isEqualTo("unknown");
    }

    @Test
    void prefixLengthsAreChecked() {
        assertThatThrownBy(() -> new RemoteAddressClientKeyResolver(0, 64))
                .hasMessage("ipv4PrefixLength must be 1 to 32 but was 0");
        assertThatThrownBy(() -> new RemoteAddressClientKeyResolver(32, 129))
                .hasMessage("ipv6PrefixLength must be 1 to 128 but was 129");
    }
}
