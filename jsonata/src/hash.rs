//! AWS's message digests (MD5, SHA-1, SHA-256, SHA-384, SHA-512), hex-encoded: JSONata's
//! `$hash` and the intrinsic `States.Hash` compute the same thing.

use sha2::Digest as _;

/// The lower-case hex digest of `data` under `algorithm` (AWS's names: `MD5`, `SHA-1`,
/// `SHA-256`, `SHA-384`, `SHA-512`), or `None` for any other name.
pub fn hex_digest(algorithm: &str, data: &[u8]) -> Option<String> {
    let bytes = match algorithm {
        "MD5" => md5::Md5::digest(data).to_vec(),
        "SHA-1" => sha1::Sha1::digest(data).to_vec(),
        "SHA-256" => sha2::Sha256::digest(data).to_vec(),
        "SHA-384" => sha2::Sha384::digest(data).to_vec(),
        "SHA-512" => sha2::Sha512::digest(data).to_vec(),
        _ => return None,
    };
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
