package dev.starling.crdt.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** {@link ValueCodec#utf8()} decodes exactly what a strict UTF-8 decoder accepts, ASCII fast path or not. */
class Utf8ValueCodecTest {

    private static String strict(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes)).toString();
    }

    @Property(tries = 500)
    void shouldAgreeWithAStrictDecoderOnAnyBytes(@ForAll byte[] bytes) {
        String expected;
        try {
            expected = strict(bytes);
        } catch (CharacterCodingException e) {
            assertThatThrownBy(() -> ValueCodec.utf8().decode(bytes)).isInstanceOf(CrdtDecodeException.class);
            return;
        }
        assertThat(decode(bytes)).isEqualTo(expected);
    }

    @Property(tries = 500)
    void shouldRoundTripAnyString(@ForAll String s) throws CharacterCodingException {
        byte[] bytes = ValueCodec.utf8().encode(s);
        assertThat(decode(bytes)).isEqualTo(strict(bytes));
    }

    @Test
    void shouldDecodeAsciiAndRefuseMalformedInput() {
        assertThat(decode("n00-k0000000042".getBytes(StandardCharsets.US_ASCII))).isEqualTo("n00-k0000000042");
        assertThat(decode(new byte[0])).isEmpty();
        assertThat(decode("é€😀".getBytes(StandardCharsets.UTF_8))).isEqualTo("é€😀");
        assertThatThrownBy(() -> ValueCodec.utf8().decode(new byte[] {'a', (byte) 0xC3})).isInstanceOf(CrdtDecodeException.class);
    }

    private static String decode(byte[] bytes) {
        try {
            return ValueCodec.utf8().decode(bytes);
        } catch (CrdtDecodeException e) {
            throw new AssertionError(e);
        }
    }
}
