package org.pstore.uplink;

/** A crash read and encoded, about to be published; {@code send} is its share of the rate limits once admitted. */
final class OutgoingCrash {
    final String id;
    final byte[] payload;
    RateLimit.Send send;

    OutgoingCrash(String id, byte[] payload) {
        this.id = id;
        this.payload = payload;
    }
}
