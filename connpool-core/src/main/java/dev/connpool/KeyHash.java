package dev.connpool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The hashes of keys and server names that the {@link HashRing}s place on their rings. A {@code String} key
 * hashes as its UTF-8 bytes (as {@link String#getBytes} encodes them: an unpaired surrogate as {@code ?}), so
 * {@code serverFor("k")} and {@code serverFor("k".getBytes(UTF_8))} agree.
 * <ul>
 *   <li>{@link #murmur64}: MurmurHash64A (Austin Appleby's 64-bit MurmurHash2, seed 0) of the bytes, read
 *       from the string as it is encoded: no copy, no allocation.</li>
 *   <li>{@link #ketama}: the first four bytes of the MD5 digest, little-endian, as an unsigned 32-bit value
 *       (libketama's and spymemcached's {@code KETAMA_HASH}); the digest and a buffer for the encoded key are
 *       per thread, so a pick allocates nothing once the thread has them.</li>
 * </ul>
 * Thread-safe.
 */
final class KeyHash {

    private static final long M = 0xc6a4a7935bd1e995L;
    private static final int R = 47;
    /** Keys longer than this (encoded) are encoded into a buffer of their own rather than the thread's. */
    private static final int SCRATCH_LIMIT = 4096;
    private static final ThreadLocal<Md5> MD5 = ThreadLocal.withInitial(Md5::new);

    private KeyHash() {
    }

    // ---- MurmurHash64A --------------------------------------------------------------------------------

    static long murmur64(byte[] key) {
        int length = key.length;
        long h = (length & 0xffffffffL) * M;
        int blocks = length >>> 3;
        for (int i = 0; i < blocks; i++) {
            int at = i << 3;
            long k = (key[at] & 0xffL) | (key[at + 1] & 0xffL) << 8 | (key[at + 2] & 0xffL) << 16
                    | (key[at + 3] & 0xffL) << 24 | (key[at + 4] & 0xffL) << 32 | (key[at + 5] & 0xffL) << 40
                    | (key[at + 6] & 0xffL) << 48 | (key[at + 7] & 0xffL) << 56;
            h = block(h, k);
        }
        long tail = 0;
        int rest = length & 7;
        for (int i = rest - 1; i >= 0; i--) {
            tail = tail << 8 | (key[(blocks << 3) + i] & 0xffL);
        }
        return finish(h, tail, rest);
    }

    /** {@link #murmur64(byte[])} of the key's UTF-8 bytes, encoded on the fly. */
    static long murmur64(String key) {
        int length = utf8Length(key);
        long h = (length & 0xffffffffL) * M;
        long word = 0;
        int filled = 0;
        int n = key.length();
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            int bytes;
            long encoded; // the UTF-8 bytes of c (or of its surrogate pair), first byte lowest
            if (c < 0x80) {
                bytes = 1;
                encoded = c;
            } else if (c < 0x800) {
                bytes = 2;
                encoded = (0xc0 | c >> 6) | (long) (0x80 | c & 0x3f) << 8;
            } else if (Character.isSurrogate(c)) {
                char low = i + 1 < n ? key.charAt(i + 1) : 0;
                if (Character.isHighSurrogate(c) && Character.isLowSurrogate(low)) {
                    int cp = Character.toCodePoint(c, low);
                    i++;
                    bytes = 4;
                    encoded = (0xf0 | cp >> 18) | (long) (0x80 | cp >> 12 & 0x3f) << 8
                            | (long) (0x80 | cp >> 6 & 0x3f) << 16 | (long) (0x80 | cp & 0x3f) << 24;
                } else {
                    bytes = 1;
                    encoded = '?';
                }
            } else {
                bytes = 3;
                encoded = (0xe0 | c >> 12) | (long) (0x80 | c >> 6 & 0x3f) << 8 | (long) (0x80 | c & 0x3f) << 16;
            }
            for (int b = 0; b < bytes; b++) {
                word |= (encoded >>> (b << 3) & 0xffL) << (filled << 3);
                if (++filled == 8) {
                    h = block(h, word);
                    word = 0;
                    filled = 0;
                }
            }
        }
        return finish(h, word, filled);
    }

    private static long block(long h, long k) {
        k *= M;
        k ^= k >>> R;
        k *= M;
        h ^= k;
        return h * M;
    }

    private static long finish(long h, long tail, int rest) {
        if (rest > 0) {
            h ^= tail;
            h *= M;
        }
        h ^= h >>> R;
        h *= M;
        h ^= h >>> R;
        return h;
    }

    /** The number of bytes {@code key.getBytes(UTF_8)} has. */
    static int utf8Length(String key) {
        int n = key.length();
        int length = n;
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                length += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(key.charAt(i + 1))) {
                length += 2; // 4 bytes for 2 chars
                i++;
            } else if (!Character.isSurrogate(c)) {
                length += 2;
            } // an unpaired surrogate: '?', 1 byte
        }
        return length;
    }

    /** A 64-bit finaliser (MurmurHash3's fmix64): every bit of the input moves every bit of the output. */
    static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }

    // ---- ketama (MD5) ---------------------------------------------------------------------------------

    /** The ketama hash of the key's UTF-8 bytes: an unsigned 32-bit value. */
    static long ketama(String key) {
        return MD5.get().ketama(key);
    }

    /** The ketama hash of a binary key: an unsigned 32-bit value. */
    static long ketama(byte[] key) {
        Md5 md5 = MD5.get();
        return md5.ketama(key, key.length);
    }

    /** The MD5 digest of the UTF-8 bytes of {@code text} (a server's name on the ketama ring). */
    static byte[] md5(String text) {
        return newDigest().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this Java has no MD5, which the ketama ring needs", e);
        }
    }

    /** One thread's MD5 digest, the buffer its keys are encoded into and the buffer of the digest. */
    private static final class Md5 {
        private final MessageDigest digest = newDigest();
        private final byte[] out = new byte[16];
        private byte[] scratch = new byte[64];

        long ketama(String key) {
            int length = utf8Length(key);
            if (length > SCRATCH_LIMIT) {
                byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
                return ketama(bytes, bytes.length);
            }
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            encode(key, scratch);
            return ketama(scratch, length);
        }

        long ketama(byte[] bytes, int length) {
            digest.update(bytes, 0, length);
            try {
                digest.digest(out, 0, 16);
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e); // 16 bytes always fit an MD5 digest
            }
            return (out[3] & 0xffL) << 24 | (out[2] & 0xffL) << 16 | (out[1] & 0xffL) << 8 | (out[0] & 0xffL);
        }
    }

    /** Writes the UTF-8 bytes of {@code key} (as {@link String#getBytes} makes them) into {@code into}. */
    static void encode(String key, byte[] into) {
        int at = 0;
        int n = key.length();
        for (int i = 0; i < n; i++) {
            char c = key.charAt(i);
            if (c < 0x80) {
                into[at++] = (byte) c;
            } else if (c < 0x800) {
                into[at++] = (byte) (0xc0 | c >> 6);
                into[at++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isSurrogate(c)) {
                char low = i + 1 < n ? key.charAt(i + 1) : 0;
                if (Character.isHighSurrogate(c) && Character.isLowSurrogate(low)) {
                    int cp = Character.toCodePoint(c, low);
                    i++;
                    into[at++] = (byte) (0xf0 | cp >> 18);
                    into[at++] = (byte) (0x80 | cp >> 12 & 0x3f);
                    into[at++] = (byte) (0x80 | cp >> 6 & 0x3f);
                    into[at++] = (byte) (0x80 | cp & 0x3f);
                } else {
                    into[at++] = '?';
                }
            } else {
                into[at++] = (byte) (0xe0 | c >> 12);
                into[at++] = (byte) (0x80 | c >> 6 & 0x3f);
                into[at++] = (byte) (0x80 | c & 0x3f);
            }
        }
    }
}
