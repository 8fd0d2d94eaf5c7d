//! Request bodies as clients send them: `aws-chunked` decoding (SigV4 streaming, signed or
//! unsigned, with trailing checksum headers) and the integrity checks S3 makes (Content-MD5,
//! `x-amz-content-sha256`, `x-amz-checksum-*`). Chunk signatures are not verified (the
//! emulator accepts any credentials).

use base64::Engine;
use md5::{Digest, Md5};
use sha2::Sha256;

use crate::error::{AwsError, AwsResult};
use crate::request::AwsRequest;

/// Header names (lower case) and values.
pub type Headers = Vec<(String, String)>;

/// A body decoded, with the checksum headers that came with it (headers and trailers).
#[derive(Debug)]
pub struct Payload {
    /// The object's bytes.
    pub body: bytes::Bytes,
    /// `x-amz-checksum-<algorithm>` values sent (as headers or trailers), lower-case names.
    pub checksums: Headers,
}

/// Reads a PutObject-like body: decodes `aws-chunked`, then checks the length, the digests and
/// the checksums the client sent.
pub fn read_payload(request: &AwsRequest) -> AwsResult<Payload> {
    let sha256_header = request.header("x-amz-content-sha256").unwrap_or_default();
    let chunked = sha256_header.starts_with("STREAMING-")
        || request
            .header("content-encoding")
            .is_some_and(|e| e.split(',').any(|p| p.trim() == "aws-chunked"));
    let mut checksums: Headers = request
        .headers
        .iter()
        .filter(|(name, _)| {
            name.as_str().starts_with("x-amz-checksum-") && name.as_str() != "x-amz-checksum-type"
        })
        .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
        .collect();
    let body = if chunked {
        let (body, trailers) = decode_chunked(&request.body)?;
        if let Some(expected) = request.header("x-amz-decoded-content-length") {
            if expected.parse::<usize>().ok() != Some(body.len()) {
                return Err(AwsError::new(
                    "IncompleteBody",
                    "You did not provide the number of bytes specified by the Content-Length HTTP header",
                ));
            }
        }
        checksums.extend(
            trailers
                .into_iter()
                .filter(|(name, _)| name.starts_with("x-amz-checksum-")),
        );
        bytes::Bytes::from(body)
    } else {
        let body = request.body.clone();
        check_content_sha256(sha256_header, &body)?;
        body
    };
    if let Some(md5) = request.header("content-md5") {
        check_content_md5(md5, &body)?;
    }
    for (name, value) in &checksums {
        check_checksum(name, value, &body)?;
    }
    Ok(Payload { body, checksums })
}

/// Decodes `<hex size>[;chunk-signature=…]\r\n<bytes>\r\n … 0[;…]\r\n[trailers]\r\n`, returning
/// the bytes and the trailing headers (lower-case names).
pub fn decode_chunked(raw: &[u8]) -> AwsResult<(Vec<u8>, Headers)> {
    let malformed = || {
        AwsError::new(
            "IncompleteBody",
            "The aws-chunked request body is malformed or cut short",
        )
    };
    let mut out = Vec::with_capacity(raw.len());
    let mut at = 0;
    loop {
        let line_end = find_crlf(raw, at).ok_or_else(malformed)?;
        let line = std::str::from_utf8(&raw[at..line_end]).map_err(|_| malformed())?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| malformed())?;
        at = line_end + 2;
        if size == 0 {
            break;
        }
        let end = at
            .checked_add(size)
            .filter(|end| *end <= raw.len())
            .ok_or_else(malformed)?;
        out.extend_from_slice(&raw[at..end]);
        if raw.get(end..end + 2) != Some(b"\r\n".as_slice()) {
            return Err(malformed());
        }
        at = end + 2;
    }
    let mut trailers = Vec::new();
    while let Some(line_end) = find_crlf(raw, at) {
        let line = std::str::from_utf8(&raw[at..line_end]).map_err(|_| malformed())?;
        at = line_end + 2;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').ok_or_else(malformed)?;
        trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok((out, trailers))
}

fn find_crlf(raw: &[u8], from: usize) -> Option<usize> {
    raw.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| from + p)
}

/// A hex SHA-256 in `x-amz-content-sha256` must be the body's (`UNSIGNED-PAYLOAD` and the
/// streaming markers are not digests).
fn check_content_sha256(header: &str, body: &[u8]) -> AwsResult<()> {
    let is_digest = header.len() == 64 && header.bytes().all(|b| b.is_ascii_hexdigit());
    if !is_digest {
        return Ok(());
    }
    let actual = hex(&Sha256::digest(body));
    if actual.eq_ignore_ascii_case(header) {
        Ok(())
    } else {
        Err(AwsError::new(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ))
    }
}

fn check_content_md5(header: &str, body: &[u8]) -> AwsResult<()> {
    let sent = base64::engine::general_purpose::STANDARD
        .decode(header.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| {
            AwsError::new(
                "InvalidDigest",
                "The Content-MD5 you specified is not valid.",
            )
        })?;
    if sent == Md5::digest(body).as_slice() {
        Ok(())
    } else {
        Err(AwsError::new(
            "BadDigest",
            "The Content-MD5 you specified did not match what we received.",
        ))
    }
}

/// Checks an `x-amz-checksum-<algorithm>` value the emulator can compute (CRC32, CRC32C,
/// SHA-256); others (SHA-1, CRC64NVME) are kept unchecked.
fn check_checksum(name: &str, value: &str, body: &[u8]) -> AwsResult<()> {
    let algorithm = name.trim_start_matches("x-amz-checksum-");
    let actual = match algorithm {
        "crc32" => crc32(body, 0xEDB8_8320).to_be_bytes().to_vec(),
        "crc32c" => crc32(body, 0x82F6_3B78).to_be_bytes().to_vec(),
        "sha256" => Sha256::digest(body).to_vec(),
        _ => return Ok(()),
    };
    if base64::engine::general_purpose::STANDARD.encode(actual) == value {
        Ok(())
    } else {
        Err(AwsError::new(
            "BadDigest",
            format!(
                "The {} you specified did not match the calculated checksum.",
                algorithm.to_ascii_uppercase()
            ),
        ))
    }
}

/// A reflected CRC-32 with the given polynomial (CRC32: 0xEDB88320, CRC32C: 0x82F63B78).
fn crc32(data: &[u8], polynomial: u32) -> u32 {
    let mut table = [0u32; 256];
    for (n, entry) in (0u32..).zip(table.iter_mut()) {
        let mut c = n;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                polynomial ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *entry = c;
    }
    let mut crc = !0u32;
    for byte in data {
        crc = table[((crc ^ u32::from(*byte)) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crcs_match_their_check_values() {
        assert_eq!(crc32(b"123456789", 0xEDB8_8320), 0xCBF4_3926);
        assert_eq!(crc32(b"123456789", 0x82F6_3B78), 0xE306_9283);
    }

    #[test]
    fn signed_and_trailer_chunks_decode() {
        let signed = b"5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=00\r\n\r\n";
        let (body, trailers) = decode_chunked(signed).unwrap();
        assert_eq!(body, b"hello world");
        assert!(trailers.is_empty());
        let unsigned = b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";
        let (body, trailers) = decode_chunked(unsigned).unwrap();
        assert_eq!(body, b"abc");
        assert_eq!(
            trailers,
            vec![("x-amz-checksum-crc32".into(), "NSRBwg==".into())]
        );
        assert!(check_checksum("x-amz-checksum-crc32", "NSRBwg==", b"abc").is_ok());
        assert_eq!(
            check_checksum("x-amz-checksum-crc32", "AAAAAA==", b"abc")
                .unwrap_err()
                .code,
            "BadDigest"
        );
        for bad in [
            &b"zz\r\nabc"[..],
            b"10\r\nshort\r\n",
            b"3\r\nabcXX0\r\n\r\n",
        ] {
            assert_eq!(decode_chunked(bad).unwrap_err().code, "IncompleteBody");
        }
    }
}
