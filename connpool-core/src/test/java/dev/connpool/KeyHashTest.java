package dev.connpool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A text key hashes as its UTF-8 bytes, the way {@link String#getBytes} makes them, with no copy: checked on
 * random texts of every width of UTF-8 and with unpaired surrogates; the ketama hash against MD5 itself.
 */
class KeyHashTest {

    private static final List<String> SAMPLES = samples();

    private static List<String> samples() {
        List<String> texts = new ArrayList<>(List.of("", "a", "key-1", "12345678", "123456789", "déjà vu",
                "ünïcödé ✓", "emoji \uD83D\uDE00 pair", "lone high \uD800 end", "lone low \uDC00", "\uD800",
                "ends high \uD83D", "日本語のキー", "x".repeat(5000)));
        Random random = new Random(16);
        for (int i = 0; i < 2000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int j = 0; j < length; j++) {
                switch (random.nextInt(5)) {
                    case 0 -> text.append((char) random.nextInt(0x80));
                    case 1 -> text.append((char) (0x80 + random.nextInt(0x780)));
                    case 2 -> text.append((char) (0x800 + random.nextInt(0xd000)));
                    case 3 -> text.appendCodePoint(0x10000 + random.nextInt(0xfffff));
                    default -> text.append((char) (0xd800 + random.nextInt(0x800))); // any surrogate, paired or not
                }
            }
            texts.add(text.toString());
        }
        return texts;
    }

    @Test
    void aTextKeyHashesAsItsUtf8Bytes() {
        for (String text : SAMPLES) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThat(KeyHash.utf8Length(text)).as(text).isEqualTo(bytes.length);
            byte[] encoded = new byte[bytes.length];
            KeyHash.encode(text, encoded);
            assertThat(encoded).as(text).isEqualTo(bytes);
            assertThat(KeyHash.murmur64(text)).as(text).isEqualTo(KeyHash.murmur64(bytes));
            assertThat(KeyHash.ketama(text)).as(text).isEqualTo(KeyHash.ketama(bytes));
        }
    }

    @Test
    void theKetamaHashIsTheFirstFourBytesOfMd5LittleEndian() throws Exception {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        for (String text : SAMPLES.subList(0, 200)) {
            byte[] d = md5.digest(text.getBytes(StandardCharsets.UTF_8));
            long expected = (d[3] & 0xffL) << 24 | (d[2] & 0xffL) << 16 | (d[1] & 0xffL) << 8 | d[0] & 0xffL;
            assertThat(KeyHash.ketama(text)).as(text).isEqualTo(expected);
        }
    }

    @Test
    void murmur64SpreadsNeighbouringKeysOverTheWholeRange() {
        // Keys that differ in one character land in every one of 16 equal ranges of the 64-bit space.
        int[] ranges = new int[16];
        for (int i = 0; i < 16_000; i++) {
            ranges[(int) (KeyHash.murmur64("key-" + i) >>> 60)]++;
        }
        for (int count : ranges) {
            assertThat(count).isBetween(800, 1200);
        }
    }
}
