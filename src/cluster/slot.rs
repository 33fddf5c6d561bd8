//! Hash slots: CRC16 (XMODEM) of the key, or of its hash tag, modulo 16384.

/// How many hash slots a cluster has.
pub const SLOTS: u16 = 16384;

/// The CRC16 table for polynomial 0x1021 (XMODEM: no reflection, initial value 0), built at
/// compile time.
const TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ TABLE[usize::from(((crc >> 8) as u8) ^ b)]
    })
}

/// The part of a key that is hashed: the bytes between the first `{` and the first `}` after
/// it, when there are any; otherwise the whole key (`{}` hashes the whole key too).
pub fn hash_tag(key: &[u8]) -> &[u8] {
    if let Some(open) = key.iter().position(|&b| b == b'{') {
        let rest = &key[open + 1..];
        if let Some(close) = rest.iter().position(|&b| b == b'}') {
            if close > 0 {
                return &rest[..close];
            }
        }
    }
    key
}

/// The hash slot of `key`, as the server's `CLUSTER KEYSLOT` computes it. Keys that share a
/// hash tag (`{user:1}:name`, `{user:1}:mail`) share a slot, so one command may name both.
///
/// ```
/// assert_eq!(redisync::cluster::slot(b"foo"), 12182);
/// assert_eq!(redisync::cluster::slot(b"{user1}:a"), redisync::cluster::slot(b"user1"));
/// ```
pub fn slot(key: &[u8]) -> u16 {
    crc16(hash_tag(key)) % SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_reference_check_value() {
        // The XMODEM check value of "123456789".
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    #[test]
    fn hash_tags_follow_the_cluster_spec() {
        assert_eq!(hash_tag(b"{user1000}.following"), b"user1000");
        assert_eq!(hash_tag(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hash_tag(b"foo{{bar}}zap"), b"{bar");
        assert_eq!(hash_tag(b"foo{bar}{zap}"), b"bar");
        assert_eq!(hash_tag(b"{"), b"{");
        assert_eq!(hash_tag(b"}{"), b"}{");
        assert_eq!(hash_tag(b""), b"");
        assert_eq!(slot(b""), 0);
        assert!(slot(&[0xff; 1000]) < SLOTS);
    }
}
