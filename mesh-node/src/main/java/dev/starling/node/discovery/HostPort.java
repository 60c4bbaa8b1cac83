package dev.starling.node.discovery;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * A {@code host:port} as advertised in a TXT record: the host is an IPv4 literal, a bracketed IPv6
 * literal ({@code [fd00::1]:7946}) or a DNS host name (RFC 1123 labels, at most 253 characters,
 * last label not all digits, no trailing dot); the port is 1 to 65535 in plain decimal. Parsing
 * never looks a name up: literals become addresses, names become unresolved socket addresses,
 * which whoever connects resolves later.
 *
 * @param host the host as written, without the brackets of an IPv6 literal
 * @param port 1..65535
 */
record HostPort(String host, int port) {

    /** 253 for the longest host name, 2 brackets, the colon and 5 digits. */
    static final int MAX_CHARS = 261;

    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    /** Dotted quad without leading zeros (which some parsers read as octal). */
    private static final Pattern IPV4 = Pattern.compile(OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final Pattern PORT = Pattern.compile("[1-9]\\d{0,4}");

    static HostPort parse(String text) throws MalformedAdvertisementException {
        if (text == null || text.isEmpty()) {
            throw new MalformedAdvertisementException("empty host:port");
        }
        if (text.length() > MAX_CHARS) {
            throw new MalformedAdvertisementException("host:port of " + text.length() + " characters, over " + MAX_CHARS);
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new MalformedAdvertisementException("host:port without a port");
        }
        String portText = text.substring(colon + 1);
        if (!PORT.matcher(portText).matches() || Integer.parseInt(portText) > 65535) {
            throw new MalformedAdvertisementException("port not in 1..65535");
        }
        int port = Integer.parseInt(portText);
        String host = text.substring(0, colon);
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || !IPV6_CHARS.matcher(host.substring(1, host.length() - 1)).matches()
                    || literal(host) == null) {
                throw new MalformedAdvertisementException("invalid bracketed IPv6 literal");
            }
            return new HostPort(host.substring(1, host.length() - 1), port);
        }
        if (IPV4.matcher(host).matches()) {
            if (literal(host) == null) {
                throw new MalformedAdvertisementException("invalid IPv4 literal");
            }
            return new HostPort(host, port);
        }
        if (!isHostName(host)) {
            throw new MalformedAdvertisementException("host is neither an IP literal nor a host name");
        }
        return new HostPort(host, port);
    }

    /** The advertised form of a socket address: its IP literal if it has one, else its host name. */
    static HostPort of(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        String host = ip != null ? ip.getHostAddress() : address.getHostString();
        int scope = host.indexOf('%');
        return new HostPort(scope < 0 ? host : host.substring(0, scope), address.getPort());
    }

    /** An address for a literal host, an unresolved one for a name; never a lookup. */
    InetSocketAddress toSocketAddress() {
        InetAddress ip = isLiteral() ? literal(host.indexOf(':') >= 0 ? '[' + host + ']' : host) : null;
        return ip != null ? new InetSocketAddress(ip, port) : InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? '[' + host + ']' : host) + ':' + port;
    }

    private boolean isLiteral() {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    private static boolean isHostName(String host) {
        if (host.isEmpty() || host.length() > 253 || host.endsWith(".")) {
            return false;
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (!LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return !DIGITS.matcher(labels[labels.length - 1]).matches();
    }

    /**
     * The address of an IP literal (IPv6 in brackets), or null. {@link InetAddress#getByName} does
     * not look up a string that has the shape of a literal: it parses it, and throws when it is
     * not a valid one; the patterns above make sure only such strings get here.
     */
    private static InetAddress literal(String text) {
        try {
            InetAddress address = InetAddress.getByName(text);
            if (address instanceof Inet6Address v6 && v6.getScopeId() != 0) {
                return null;
            }
            return address;
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }
}
