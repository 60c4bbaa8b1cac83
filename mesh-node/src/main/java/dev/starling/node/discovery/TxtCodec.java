package dev.starling.node.discovery;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The DNS-SD TXT record format (RFC 6763 section 6): a sequence of strings, each one length byte
 * followed by that many bytes, each string {@code key=value}.
 *
 * <p>Decoding is strict about structure and lenient about content it does not know, so a newer
 * node's extra keys do not make it unreachable: the whole record must fit in
 * {@link #MAX_TXT_BYTES}; every string must be whole (a length byte pointing past the end is
 * malformed); a key is 1 to {@link #MAX_KEY_CHARS} printable US-ASCII characters without '=' and
 * is compared case-insensitively (section 6.4); a value must be printable US-ASCII (the values of
 * this protocol are all ASCII). A string without '=' is a boolean attribute and is kept with a
 * null value. A repeated key keeps its first occurrence, as section 6.4 requires. Empty strings
 * (the single zero byte that stands for an empty TXT record) are skipped.
 */
final class TxtCodec {

    /** RFC 6763 section 6.2: a TXT record meant to fit in one packet stays under 1300 bytes. */
    static final int MAX_TXT_BYTES = 1300;
    /** Keys of this protocol are at most 7 characters; section 6.4 recommends at most 9. */
    static final int MAX_KEY_CHARS = 9;

    private TxtCodec() {
    }

    /** Encodes {@code entries} in their iteration order. Each entry must fit in 255 bytes. */
    static byte[] encode(Map<String, String> entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        for (Map.Entry<String, String> e : entries.entrySet()) {
            byte[] bytes = (e.getKey() + '=' + e.getValue()).getBytes(US_ASCII);
            if (bytes.length > 255) {
                throw new IllegalArgumentException("TXT entry over 255 bytes: " + e.getKey());
            }
            out.write(bytes.length);
            out.write(bytes, 0, bytes.length);
        }
        if (out.size() > MAX_TXT_BYTES) {
            throw new IllegalArgumentException("TXT record over " + MAX_TXT_BYTES + " bytes");
        }
        return out.toByteArray();
    }

    /** Decodes {@code text}; keys are returned in lower case, in their first-seen order. */
    static Map<String, String> decode(byte[] text) throws MalformedAdvertisementException {
        if (text == null) {
            throw new MalformedAdvertisementException("no TXT record");
        }
        if (text.length > MAX_TXT_BYTES) {
            throw new MalformedAdvertisementException("TXT record of " + text.length + " bytes, over " + MAX_TXT_BYTES);
        }
        Map<String, String> entries = new LinkedHashMap<>();
        int i = 0;
        while (i < text.length) {
            int length = text[i] & 0xFF;
            int start = i + 1;
            int end = start + length;
            if (end > text.length) {
                throw new MalformedAdvertisementException("TXT string runs past the end of the record");
            }
            i = end;
            if (length == 0) {
                continue;
            }
            int equals = -1;
            for (int j = start; j < end; j++) {
                int b = text[j] & 0xFF;
                if (b < 0x20 || b > 0x7E) {
                    throw new MalformedAdvertisementException("TXT string with a byte outside printable US-ASCII");
                }
                if (b == '=' && equals < 0) {
                    equals = j;
                }
            }
            int keyEnd = equals < 0 ? end : equals;
            int keyLength = keyEnd - start;
            if (keyLength == 0) {
                throw new MalformedAdvertisementException("TXT string with an empty key");
            }
            if (keyLength > MAX_KEY_CHARS) {
                throw new MalformedAdvertisementException("TXT key of " + keyLength + " characters, over " + MAX_KEY_CHARS);
            }
            String key = new String(text, start, keyLength, US_ASCII).toLowerCase(Locale.ROOT);
            String value = equals < 0 ? null : new String(text, equals + 1, end - equals - 1, US_ASCII);
            entries.putIfAbsent(key, value);
        }
        return entries;
    }
}
