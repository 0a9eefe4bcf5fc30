package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.jspecify.annotations.Nullable;

/**
 * Keys a request by {@link HttpServletRequest#getRemoteAddr()}: the peer's address, or the client address that
 * Spring Boot's {@code server.forward-headers-strategy} took from a trusted proxy. This class never reads
 * {@code X-Forwarded-For} or {@code Forwarded} itself, so a client cannot pick its own key.
 *
 * <p>Addresses are grouped by prefix: IPv6 by {@code /64} by default, since one host usually holds a whole /64 and
 * could otherwise rotate through its addresses; IPv4 by {@code /32} (one address). An IPv4-mapped IPv6 address counts
 * as its IPv4 address. A port is never part of a key. A request without an address, or whose address is not an IP
 * literal, is keyed {@code unknown}. Parsing never looks up a name.
 */
public final class RemoteAddressClientKeyResolver implements ClientKeyResolver {

    /** The key of requests that carry no remote address. */
    public static final String UNKNOWN = "unknown";

    private final int ipv4PrefixLength;
    private final int ipv6PrefixLength;

    /**
     * @param ipv4PrefixLength how many leading bits of an IPv4 address make the key, 1 to 32
     * @param ipv6PrefixLength how many leading bits of an IPv6 address make the key, 1 to 128
     */
    public RemoteAddressClientKeyResolver(int ipv4PrefixLength, int ipv6PrefixLength) {
        if (ipv4PrefixLength < 1 || ipv4PrefixLength > 32) {
            throw new IllegalArgumentException("ipv4PrefixLength must be 1 to 32 but was " + ipv4PrefixLength);
        }
        if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
            throw new IllegalArgumentException("ipv6PrefixLength must be 1 to 128 but was " + ipv6PrefixLength);
        }
        this.ipv4PrefixLength = ipv4PrefixLength;
        this.ipv6PrefixLength = ipv6PrefixLength;
    }

    /** IPv4 by address, IPv6 by /64. */
    public RemoteAddressClientKeyResolver() {
        this(32, 64);
    }

    @Override
    public String resolve(HttpServletRequest request) {
        return keyOf(request.getRemoteAddr());
    }

    /**
     * The key of an address as a servlet container reports it. A port is never part of the key (a proxy's
     * {@code X-Forwarded-For: 198.51.100.7:40000} or {@code [2001:db8::1]:40000} is the address alone), and neither
     * is anything but an address: a value that is not an IPv4 or IPv6 literal (a name, an obfuscated
     * {@code Forwarded} identifier, garbage) is keyed {@link #UNKNOWN}, so that no spelling mints a fresh key.
     *
     * @param address an IPv4 or IPv6 literal, possibly bracketed, with a zone or a port, or {@code null}
     * @return the key
     */
    public String keyOf(@Nullable String address) {
        String literal = address == null ? null : literal(address);
        if (address == null || literal == null) {
            return UNKNOWN;
        }
        if (literal.indexOf(':') < 0) {
            long ipv4 = parseIpv4(literal);
            if (ipv4 < 0) {
                return UNKNOWN;
            }
            if (ipv4PrefixLength == 32 && literal.length() == address.length() && isCanonical(literal)) {
                return address; // the common case: no copy
            }
            return masked(bytes(ipv4), ipv4PrefixLength);
        }
        byte[] bytes = ipv6Bytes(literal);
        if (bytes == null) {
            return UNKNOWN;
        }
        return masked(bytes, bytes.length == 4 ? ipv4PrefixLength : ipv6PrefixLength);
    }

    /**
     * The bytes of an address as a servlet container reports it, by the rules of {@link #keyOf(String)}: 4 for an
     * IPv4 address (an IPv4-mapped IPv6 one included), 16 for IPv6, {@code null} for anything that is not an IP
     * literal. Never looks up a name.
     *
     * @param address an IPv4 or IPv6 literal, possibly bracketed, with a zone or a port, or {@code null}
     * @return the address's bytes, or {@code null}
     */
    static byte @Nullable [] addressBytes(@Nullable String address) {
        String literal = address == null ? null : literal(address);
        if (literal == null) {
            return null;
        }
        if (literal.indexOf(':') < 0) {
            long ipv4 = parseIpv4(literal);
            return ipv4 < 0 ? null : bytes(ipv4);
        }
        return ipv6Bytes(literal);
    }

    /** The address without brackets and port, not yet checked to be an IP literal; {@code null} if malformed. */
    private static @Nullable String literal(String address) {
        String literal = address.strip();
        if (literal.startsWith("[")) {
            int close = literal.indexOf(']');
            if (close < 0 || !isPortOrEmpty(literal, close + 1)) {
                return null;
            }
            literal = literal.substring(1, close);
        }
        int colon = literal.indexOf(':');
        if (colon >= 0 && colon == literal.lastIndexOf(':')) {
            // One colon: IPv4 with a port (Spring's ForwardedHeaderFilter brackets it: [198.51.100.7:40000]).
            if (!isPortOrEmpty(literal, colon)) {
                return null;
            }
            literal = literal.substring(0, colon);
        }
        return literal;
    }

    /** An IPv6 literal's 16 bytes, or an IPv4-mapped one's 4, or {@code null}. */
    private static byte @Nullable [] ipv6Bytes(String literal) {
        InetAddress parsed = parseIpv6(literal);
        if (parsed instanceof Inet4Address || parsed instanceof Inet6Address) {
            return parsed.getAddress();
        }
        return null;
    }

    /** Whether {@code text} from {@code start} is empty or {@code :} and a port number. */
    private static boolean isPortOrEmpty(String text, int start) {
        if (start == text.length()) {
            return true;
        }
        int digits = text.length() - start - 1;
        if (text.charAt(start) != ':' || digits < 1 || digits > 5) {
            return false;
        }
        for (int i = start + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return Integer.parseInt(text, start + 1, text.length(), 10) <= 65535;
    }

    /** Whether a parsed IPv4 literal is written as the JDK writes it: no leading zeros. */
    static boolean isCanonical(String ipv4) {
        for (int i = 0; i < ipv4.length() - 1; i++) {
            if (ipv4.charAt(i) == '0' && (i == 0 || ipv4.charAt(i - 1) == '.') && ipv4.charAt(i + 1) != '.') {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a dotted IPv4 literal without allocating: its four bytes packed in an {@code int}'s bits, as a
     * non-negative {@code long}, or -1 if it is not one. Canonical is whether it is written without leading zeros.
     */
    private static long parseIpv4(String address) {
        long packed = 0;
        int parts = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= address.length(); i++) {
            char c = i == address.length() ? '.' : address.charAt(i);
            if (c == '.') {
                if (digits == 0 || value > 255 || ++parts > 4) {
                    return -1;
                }
                packed = packed << 8 | value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9' && digits < 3) {
                value = value * 10 + (c - '0');
                digits++;
            } else {
                return -1;
            }
        }
        return parts == 4 ? packed : -1;
    }

    private static byte[] bytes(long ipv4) {
        return new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4};
    }

    /** Parses an IPv6 literal without any name lookup: only hex digits, colons, dots and a zone are let through. */
    private static @Nullable InetAddress parseIpv6(String address) {
        String literal = address;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        if (literal.isEmpty() || literal.length() > 45) {
            return null;
        }
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                    || c == ':' || c == '.';
            if (!allowed) {
                return null;
            }
        }
        try {
            // Brackets make the JDK parse the literal and never fall back to a lookup.
            return InetAddress.getByName("[" + literal + "]");
        } catch (UnknownHostException notALiteral) {
            return null;
        }
    }

    /**
     * Clears the bits of {@code bytes} past the first {@code prefixLength}, and writes the block: {@code 10.0.0.0/8},
     * {@code 2001:db8::/64}, or the address alone when the prefix is all of it.
     */
    static String masked(byte[] bytes, int prefixLength) {
        int bits = bytes.length * 8;
        for (int bit = prefixLength; bit < bits; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        try {
            String text = InetAddress.getByAddress(bytes).getHostAddress();
            if (bytes.length == 16) {
                text = compress(text);
            }
            return prefixLength == bits ? text : text + "/" + prefixLength;
        } catch (UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** The JDK writes every group ({@code 2001:db8:0:0:0:0:0:0}); compress the longest run of zero groups. */
    private static String compress(String full) {
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < groups.length; ) {
            if (groups[i].equals("0")) {
                int j = i;
                while (j < groups.length && groups[j].equals("0")) {
                    j++;
                }
                if (j - i > bestLength && j - i > 1) {
                    bestStart = i;
                    bestLength = j - i;
                }
                i = j;
            } else {
                i++;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
        return head + "::" + tail;
    }
}
