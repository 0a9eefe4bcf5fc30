package io.ratestack.spring.web;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Clients that are never limited: by address, in ranges written as CIDR blocks ({@code 10.0.0.0/8},
 * {@code 2001:db8::/32}, or one address), and by the key the {@link ClientKeyResolver} gives them. An exempt client's
 * requests pass without taking a use and without rate-limit headers.
 *
 * <p>The address is {@link jakarta.servlet.http.HttpServletRequest#getRemoteAddr()}, read by the rules of
 * {@link RemoteAddressClientKeyResolver}: the peer, or the client a trusted proxy named (Spring Boot's
 * {@code server.forward-headers-strategy}), never a header the client wrote itself; an IPv4-mapped IPv6 address is
 * its IPv4 address; a request whose address is not an IP literal is never exempt by address. Matching is a few
 * byte comparisons per range, once the address is parsed.
 */
public final class ExemptClients {

    /** No client is exempt. */
    public static final ExemptClients NONE = new ExemptClients(List.of(), Set.of());

    /** One CIDR block: the network's bytes (4 or 16) and the prefix length. */
    @SuppressWarnings("ArrayRecordComponent") // never compared, never handed out
    private record Range(byte[] network, int prefixLength) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int whole = prefixLength / 8;
            for (int i = 0; i < whole; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixLength % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (address[whole] & mask) == (network[whole] & mask);
        }
    }

    private final List<Range> ranges;
    private final Set<String> keys;

    private ExemptClients(List<Range> ranges, Set<String> keys) {
        this.ranges = ranges;
        this.keys = keys;
    }

    /**
     * Clients exempt by address or by key.
     *
     * @param addresses CIDR blocks ({@code 192.168.0.0/16}, {@code 2001:db8::/32}) or single addresses
     *     ({@code 203.0.113.7}, {@code ::1})
     * @param keys client keys as the application's {@link ClientKeyResolver} returns them (an API key, a user
     *     name); the address keys of clients without one are exempt by {@code addresses}
     * @return the exemptions
     * @throws IllegalArgumentException if an address is not a CIDR block of an IP literal, its prefix length is out
     *     of range or it has bits set past its prefix, its message saying which of these of the first such address
     *     ({@code has bits set past its /8 prefix: the block is 10.0.0.0/8}); or if a key is blank
     */
    public static ExemptClients of(List<String> addresses, Collection<String> keys) {
        List<Range> ranges = new ArrayList<>();
        for (String address : addresses) {
            ranges.add(range(address));
        }
        Set<String> resolved = new HashSet<>();
        for (String key : keys) {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("must not be blank");
            }
            resolved.add(RateLimitFilter.resolvedKey(key));
        }
        return new ExemptClients(List.copyOf(ranges), Set.copyOf(resolved));
    }

    /** Whether no client is exempt. */
    public boolean isEmpty() {
        return ranges.isEmpty() && keys.isEmpty();
    }


    /**
     * Whether a client of this address is exempt.
     *
     * @param address the request's remote address, as the servlet container reports it, or {@code null}
     * @return whether a range holds it
     */
    public boolean exemptsAddress(@Nullable String address) {
        if (ranges.isEmpty()) {
            return false;
        }
        byte[] bytes = RemoteAddressClientKeyResolver.addressBytes(address);
        if (bytes == null) {
            return false;
        }
        for (Range range : ranges) {
            if (range.contains(bytes)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether a client of this key is exempt.
     *
     * @param key the client's key as the filter keeps its limiters: a {@link ClientKeyResolver}'s key prefixed
     *     {@code key:} (hashed when long), or an address key
     * @return whether it is one of the exempt keys
     */
    public boolean exemptsKey(String key) {
        return !keys.isEmpty() && keys.contains(key);
    }

    private static Range range(@Nullable String written) {
        if (written == null || written.isBlank()) {
            throw new IllegalArgumentException("must be an address or a CIDR block such as 10.0.0.0/8");
        }
        String text = written.strip();
        int slash = text.indexOf('/');
        String literal = slash < 0 ? text : text.substring(0, slash);
        if (text.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("must be an address or a CIDR block without spaces, such as 10.0.0.0/8");
        }
        int colon = literal.indexOf(':');
        if (colon < 0 && !RemoteAddressClientKeyResolver.isCanonical(literal)) {
            throw new IllegalArgumentException("has a part with a leading zero, which some tools read as octal:"
                    + " write it without");
        }
        if (literal.startsWith("[") || literal.indexOf('%') >= 0 || (colon >= 0 && colon == literal.lastIndexOf(':'))) {
            throw new IllegalArgumentException("must be an address or a CIDR block such as 10.0.0.0/8 or"
                    + " 2001:db8::/32, without brackets, port or zone");
        }
        byte[] network = RemoteAddressClientKeyResolver.addressBytes(literal);
        if (network == null) {
            throw new IllegalArgumentException("is not an IPv4 or IPv6 address: write a CIDR block such as"
                    + " 10.0.0.0/8 or 2001:db8::/32");
        }
        if (colon >= 0 && network.length == 4) {
            throw new IllegalArgumentException("is an IPv4-mapped IPv6 address: write its IPv4 form, which also"
                    + " covers requests from such addresses");
        }
        int bits = network.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String length = text.substring(slash + 1);
            if (length.isEmpty() || length.length() > 3 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("has no prefix length after / (0 to " + bits + ")");
            }
            prefix = Integer.parseInt(length);
            if (prefix > bits) {
                throw new IllegalArgumentException("has a prefix length above " + bits);
            }
        }
        byte[] masked = network.clone();
        String block = RemoteAddressClientKeyResolver.masked(masked, prefix);
        if (!Arrays.equals(masked, network)) {
            throw new IllegalArgumentException("has bits set past its /" + prefix + " prefix: the block is " + block);
        }
        return new Range(network, prefix);
    }

    /**
     * The exempt address ranges, as CIDR blocks; a single address as itself.
     *
     * @return {@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 203.0.113.7}, ...
     */
    public List<String> addresses() {
        List<String> written = new ArrayList<>();
        for (Range range : ranges) {
            written.add(RemoteAddressClientKeyResolver.masked(range.network().clone(), range.prefixLength()));
        }
        return written;
    }

    /**
     * How many client keys are exempt; the keys themselves (API keys, perhaps) are never shown.
     *
     * @return the count
     */
    public int keyCount() {
        return keys.size();
    }

    @Override
    public String toString() {
        return "addresses " + addresses() + ", " + keys.size() + " key(s)";
    }
}
