package io.ratestack.spring.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Keys a request by {@link HttpServletRequest#getRemoteAddr()}: the peer's address, or the client address that
 * Spring Boot's {@code server.forward-headers-strategy} took from a trusted proxy. This class never reads
 * {@code X-Forwarded-For} or {@code Forwarded} itself, so a client cannot pick its own key.
 *
 * <p>Addresses are grouped by prefix: IPv6 by {@code /64} by default, since one host usually holds a whole /64 and
 * could otherwise rotate through its addresses; IPv4 by {@code /32} (one address). An IPv4-mapped IPv6 address counts
 * as its IPv4 address. A request without an address is keyed {@code unknown}. Parsing never looks up a name.
 */
public final class RemoteAddressClientKeyResolver implements ClientKeyResolver {

    /** The key of requests that carry no remote address. */
    public static final String UNKNOWN = "unknown";

    private static final int MAX_KEY_LENGTH = 64;

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
     * The key of an address as a servlet container reports it.
     *
     * @param address an IPv4 or IPv6 literal, possibly bracketed or with a zone, or {@code null}
     * @return the key
     */
    public String keyOf(String address) {
        if (address == null || address.isBlank()) {
            return UNKNOWN;
        }
        if (address.indexOf(':') < 0) {
            if (ipv4PrefixLength == 32) {
                return address.length() <= MAX_KEY_LENGTH ? address : address.substring(0, MAX_KEY_LENGTH);
            }
            byte[] bytes = parseIpv4(address);
            return bytes == null ? truncated(address) : masked(bytes, ipv4PrefixLength);
        }
        InetAddress parsed = parseIpv6(address);
        if (parsed instanceof Inet4Address mapped) {
            byte[] bytes = mapped.getAddress();
            return ipv4PrefixLength == 32 ? mapped.getHostAddress() : masked(bytes, ipv4PrefixLength);
        }
        if (parsed instanceof Inet6Address v6) {
            return masked(v6.getAddress(), ipv6PrefixLength);
        }
        return truncated(address);
    }

    private static String truncated(String address) {
        return address.length() <= MAX_KEY_LENGTH ? address : address.substring(0, MAX_KEY_LENGTH);
    }

    private static byte[] parseIpv4(String address) {
        String[] parts = address.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            int value = 0;
            for (int j = 0; j < part.length(); j++) {
                char c = part.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                value = value * 10 + (c - '0');
            }
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        return bytes;
    }

    /** Parses an IPv6 literal without any name lookup: only hex digits, colons, dots and a zone are let through. */
    private static InetAddress parseIpv6(String address) {
        String literal = address;
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
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

    private static String masked(byte[] bytes, int prefixLength) {
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
