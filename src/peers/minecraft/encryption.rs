//! The login's encryption step, server side, without network I/O: the
//! Encryption Request a server sends after Login Start, the client's
//! Encryption Response, the RSA key that carries the shared secret, the
//! AES-128-CFB8 stream everything after it travels in, and the "server
//! hash" both sides give the session server ([`super::session`]) so it
//! can tell whether that account really joined this server.
//!
//! The key is ephemeral, as vanilla's: one 1024-bit RSA key made for the
//! process's life the first time it is needed (never at start-up, never
//! stored). It only carries a fresh 16-byte secret per login and binds the
//! session server's answer to this server; it proves nothing once the
//! login is over, so there is nothing to keep or to rotate.
//!
//! Every length from the client is capped before anything is allocated,
//! as in [`super::serving`].

use aes::cipher::KeyIvInit;
use rsa::pkcs8::EncodePublicKey;
use sha1::{Digest, Sha1};

use super::codec::{
    expect_id, framed, read_bytes, read_varint, write_string, write_varint, DecodeError,
};

/// The random token the client must send back encrypted with our key:
/// vanilla's size.
pub const VERIFY_TOKEN_BYTES: usize = 4;

/// The AES-128 key (and IV) the client chooses.
pub const SHARED_SECRET_BYTES: usize = 16;

/// Vanilla's key size: the client accepts any, and this is what every
/// server sends. Only a login's secret travels under it.
pub const KEY_BITS: usize = 1024;

/// The longest encrypted value read from a response: a 4096-bit key's
/// ciphertext (ours are 128 bytes), or a 1.19 chat-key signature.
const MAX_ENCRYPTED_BYTES: usize = 512;

const ENCRYPTION_REQUEST_ID: i32 = 0x01;
const ENCRYPTION_RESPONSE_ID: i32 = 0x01;

/// 1.8: byte arrays are prefixed by a VarInt; 1.7 used a 16-bit length.
const PROTOCOL_1_8: i32 = 47;
/// 1.19 and 1.19.2 (759, 760) may sign the verify token with the player's
/// chat key instead of encrypting it; 1.19.3 (761) dropped that again.
const PROTOCOL_1_19: i32 = 759;
const PROTOCOL_1_19_3: i32 = 761;
/// 1.20.5: the request ends with "should authenticate".
const PROTOCOL_1_20_5: i32 = 766;

/// Why the encryption step failed. The player never reads these: they go
/// to the log, and the connection is refused or closed.
#[derive(Debug, thiserror::Error)]
pub enum EncryptionError {
    #[error("cannot make the login key: {0}")]
    KeyGeneration(String),
    #[error("the shared secret does not decrypt to {SHARED_SECRET_BYTES} bytes")]
    BadSecret,
    #[error("the verify token does not match")]
    TokenMismatch,
    #[error(
        "the client signed the verify token with its chat key (1.19–1.19.2), which is not \
         supported"
    )]
    SignedToken,
    #[error("cannot read random bytes: {0}")]
    Random(String),
}

/// What the client answered to an Encryption Request, still encrypted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionResponse {
    pub shared_secret: Vec<u8>,
    /// `None`: 1.19–1.19.2's other form (a salt and a signature by the
    /// player's chat key instead of the token).
    pub verify_token: Option<Vec<u8>>,
}

/// The process's login key and its public half as sent to clients (DER
/// SubjectPublicKeyInfo, what the client and the server hash use).
pub struct ServerKey {
    private: rsa::PrivateKey,
    public_der: Vec<u8>,
}

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(ephemeral RSA-1024)")
    }
}

impl ServerKey {
    /// A fresh key from the OS's random source. CPU-bound (about a tenth
    /// of a second in a release build, more on a Pi): call it off the
    /// async workers.
    pub fn generate() -> Result<ServerKey, EncryptionError> {
        let private = rsa::PrivateKey::new(&mut getrandom::SysRng, KEY_BITS)
            .map_err(|e| EncryptionError::KeyGeneration(e.to_string()))?;
        let public_der = private
            .to_public_key()
            .to_public_key_der()
            .map_err(|e| EncryptionError::KeyGeneration(e.to_string()))?
            .into_vec();
        Ok(ServerKey {
            private,
            public_der,
        })
    }

    /// The public key as sent in the request and hashed in the server hash.
    pub fn public_der(&self) -> &[u8] {
        &self.public_der
    }

    /// The shared secret of `response`, after checking its verify token
    /// against `token`. Two RSA decryptions (blinded, constant-time):
    /// CPU-bound, call it off the async workers. On `TokenMismatch` and
    /// `SignedToken` the secret is still returned, so the refusal can be
    /// sent in the stream the client now expects.
    pub fn open(
        &self,
        response: &EncryptionResponse,
        token: &[u8],
    ) -> Result<([u8; SHARED_SECRET_BYTES], Result<(), EncryptionError>), EncryptionError> {
        let secret = self
            .private
            .pkcs1v15_decrypt(&response.shared_secret)
            .map_err(|_| EncryptionError::BadSecret)?;
        let secret: [u8; SHARED_SECRET_BYTES] = secret
            .as_slice()
            .try_into()
            .map_err(|_| EncryptionError::BadSecret)?;
        let checked = match &response.verify_token {
            None => Err(EncryptionError::SignedToken),
            Some(encrypted) => match self.private.pkcs1v15_decrypt(encrypted) {
                // The token went out in clear: comparing it in constant
                // time would hide nothing.
                Ok(decrypted) if decrypted == token => Ok(()),
                _ => Err(EncryptionError::TokenMismatch),
            },
        };
        Ok((secret, checked))
    }
}

/// A fresh verify token.
pub fn verify_token() -> Result<[u8; VERIFY_TOKEN_BYTES], EncryptionError> {
    let mut token = [0u8; VERIFY_TOKEN_BYTES];
    getrandom::fill(&mut token).map_err(|e| EncryptionError::Random(e.to_string()))?;
    Ok(token)
}

fn write_array(out: &mut Vec<u8>, protocol: i32, bytes: &[u8]) {
    // Keys and tokens are a few hundred bytes at most.
    let length = bytes.len().min(i16::MAX as usize);
    if protocol < PROTOCOL_1_8 {
        out.extend_from_slice(&(length as i16).to_be_bytes());
    } else {
        write_varint(out, length as i32);
    }
    out.extend_from_slice(&bytes[..length]);
}

/// Reads a byte array of at most [`MAX_ENCRYPTED_BYTES`]: the bytes and
/// the count used.
fn read_array(input: &[u8], protocol: i32) -> Result<(Vec<u8>, usize), DecodeError> {
    let truncated = || DecodeError::Truncated {
        received: input.len(),
    };
    let (length, used) = if protocol < PROTOCOL_1_8 {
        (i32::from(i16::from_be_bytes(read_bytes::<2>(input)?)), 2)
    } else {
        read_varint(input)?.ok_or_else(truncated)?
    };
    let length = usize::try_from(length).map_err(|_| DecodeError::NegativeLength(length))?;
    if length > MAX_ENCRYPTED_BYTES {
        return Err(DecodeError::StringTooLong {
            length,
            limit: MAX_ENCRYPTED_BYTES,
        });
    }
    let bytes = input.get(used..used + length).ok_or_else(truncated)?;
    Ok((bytes.to_vec(), used + length))
}

/// The Encryption Request for a client speaking `protocol`. The server id
/// is empty, as in every server since 1.7.
pub fn encryption_request(protocol: i32, public_der: &[u8], token: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(public_der.len() + token.len() + 16);
    write_varint(&mut body, ENCRYPTION_REQUEST_ID);
    write_string(&mut body, "");
    write_array(&mut body, protocol, public_der);
    write_array(&mut body, protocol, token);
    if protocol >= PROTOCOL_1_20_5 {
        // "Should authenticate": the client must join the session server.
        body.push(1);
    }
    framed(&body)
}

/// Decodes an Encryption Response body from a client speaking `protocol`.
pub fn decode_encryption_response(
    body: &[u8],
    protocol: i32,
) -> Result<EncryptionResponse, DecodeError> {
    let rest = expect_id(body, ENCRYPTION_RESPONSE_ID)?;
    let (shared_secret, used) = read_array(rest, protocol)?;
    let rest = &rest[used..];
    let signed_form = (PROTOCOL_1_19..PROTOCOL_1_19_3).contains(&protocol);
    let (verify_token, rest) = if signed_form {
        let [has_token] = read_bytes::<1>(rest)?;
        let rest = &rest[1..];
        if has_token != 0 {
            let (token, used) = read_array(rest, protocol)?;
            (Some(token), &rest[used..])
        } else {
            // A salt (i64), then the signature.
            read_bytes::<8>(rest)?;
            let (_signature, used) = read_array(&rest[8..], protocol)?;
            (None, &rest[8 + used..])
        }
    } else {
        let (token, used) = read_array(rest, protocol)?;
        (Some(token), &rest[used..])
    };
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes(rest.len()));
    }
    Ok(EncryptionResponse {
        shared_secret,
        verify_token,
    })
}

/// The "server hash" of the session server's `join` and `hasJoined`:
/// SHA-1 of the server id, the shared secret and the public key, printed
/// as Java's `BigInteger.toString(16)` prints it (signed two's complement,
/// no leading zeros, `-` when negative).
pub fn server_hash(server_id: &str, shared_secret: &[u8], public_der: &[u8]) -> String {
    let mut digest: [u8; 20] = Sha1::new()
        .chain_update(server_id.as_bytes())
        .chain_update(shared_secret)
        .chain_update(public_der)
        .finalize()
        .into();
    let negative = digest[0] & 0x80 != 0;
    if negative {
        // Two's complement: invert, then add one from the last byte up.
        let mut carry = true;
        for byte in digest.iter_mut().rev() {
            let (sum, overflow) = (!*byte).overflowing_add(u8::from(carry));
            *byte = sum;
            carry = overflow;
        }
    }
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let digits = hex.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if negative {
        format!("-{digits}")
    } else {
        digits.to_owned()
    }
}

/// The client-bound half of the stream after the Encryption Response:
/// AES-128 in CFB-8 mode, the shared secret as key and IV.
pub struct Encryptor(cfb8::Encryptor<aes::Aes128>);

impl Encryptor {
    pub fn new(shared_secret: &[u8; SHARED_SECRET_BYTES]) -> Encryptor {
        Encryptor(cfb8::Encryptor::new(
            shared_secret.into(),
            shared_secret.into(),
        ))
    }

    /// Encrypts `bytes` in place, continuing the stream.
    pub fn encrypt(&mut self, bytes: &mut [u8]) {
        self.0.encrypt(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::peers::minecraft::testing::Rng;

    /// Java's test vectors: `sha1(name)` as a server hash.
    #[test]
    fn server_hash_matches_the_known_vectors() {
        assert_eq!(
            server_hash("Notch", &[], &[]),
            "4ed1f46bbe04bc756bcb17c0c7ce3e4632f06a48"
        );
        assert_eq!(
            server_hash("jeb_", &[], &[]),
            "-7c9d5b0044c130109a5d7b5fb5c317c02b4e28c1"
        );
        assert_eq!(
            server_hash("simon", &[], &[]),
            "88e16a1019277b15d58faf0541e11910eb756f6"
        );
        // The three parts are simply concatenated.
        assert_eq!(
            server_hash("", b"No", b"tch"),
            "4ed1f46bbe04bc756bcb17c0c7ce3e4632f06a48"
        );
    }

    #[test]
    fn the_stream_decrypts_with_the_reference_cfb8_decryptor() {
        let secret = [0x42; SHARED_SECRET_BYTES];
        let plain = b"{\"text\":\"Le serveur d\xc3\xa9marre\"} and more".to_vec();
        let mut encryptor = Encryptor::new(&secret);
        // In two pieces: the stream continues across calls.
        let mut sent = plain.clone();
        let (first, second) = sent.split_at_mut(7);
        encryptor.encrypt(first);
        encryptor.encrypt(second);
        assert_ne!(sent, plain);
        let mut back = sent.clone();
        cfb8::Decryptor::<aes::Aes128>::new(&secret.into(), &secret.into()).decrypt(&mut back);
        assert_eq!(back, plain);
    }

    fn response(protocol: i32, secret: &[u8], token: &[u8]) -> Vec<u8> {
        let mut body = vec![0x01];
        write_array(&mut body, protocol, secret);
        if (PROTOCOL_1_19..PROTOCOL_1_19_3).contains(&protocol) {
            body.push(1);
        }
        write_array(&mut body, protocol, token);
        body
    }

    #[test]
    fn responses_of_every_form_are_read() {
        for protocol in [5, 340, 759, 760, 765, 767] {
            let body = response(protocol, &[1; 128], &[2; 128]);
            assert_eq!(
                decode_encryption_response(&body, protocol),
                Ok(EncryptionResponse {
                    shared_secret: vec![1; 128],
                    verify_token: Some(vec![2; 128]),
                }),
                "protocol {protocol}"
            );
        }
        // 1.19's signed form: a salt and a signature instead of the token.
        let mut body = vec![0x01];
        write_array(&mut body, 760, &[1; 128]);
        body.push(0);
        body.extend_from_slice(&7i64.to_be_bytes());
        write_array(&mut body, 760, &[3; 256]);
        let read = decode_encryption_response(&body, 760).unwrap();
        assert_eq!(read.verify_token, None);
    }

    #[test]
    fn truncated_oversized_and_padded_responses_are_refused() {
        let body = response(765, &[1; 128], &[2; 128]);
        for cut in [1, 2, 100, 130, body.len() - 1] {
            assert!(
                matches!(
                    decode_encryption_response(&body[..cut], 765),
                    Err(DecodeError::Truncated { .. })
                ),
                "cut at {cut}"
            );
        }
        let mut padded = body.clone();
        padded.push(0);
        assert_eq!(
            decode_encryption_response(&padded, 765),
            Err(DecodeError::TrailingBytes(1))
        );
        let huge = response(765, &[1; MAX_ENCRYPTED_BYTES + 1], &[2; 4]);
        assert!(matches!(
            decode_encryption_response(&huge, 765),
            Err(DecodeError::StringTooLong { .. })
        ));
        let mut negative = vec![0x01];
        negative.extend_from_slice(&(-1i16).to_be_bytes());
        assert_eq!(
            decode_encryption_response(&negative, 5),
            Err(DecodeError::NegativeLength(-1))
        );
        assert!(matches!(
            decode_encryption_response(&[0x00], 765),
            Err(DecodeError::WrongPacketId { .. })
        ));
    }

    #[test]
    fn the_request_carries_the_key_the_token_and_from_1_20_5_the_flag() {
        let request = encryption_request(765, &[9; 162], &[1, 2, 3, 4]);
        // Length, id, empty server id, VarInt(162) = 2 bytes, key, token.
        let body_len = 1 + 1 + 2 + 162 + 1 + 4;
        assert_eq!(request.len(), 2 + body_len);
        assert_eq!(&request[2..5], &[0x01, 0x00, 0xa2]);
        assert_eq!(&request[request.len() - 4..], &[1, 2, 3, 4]);
        let flagged = encryption_request(766, &[9; 162], &[1, 2, 3, 4]);
        assert_eq!(flagged.len(), request.len() + 1);
        assert_eq!(flagged.last(), Some(&1));
        let old = encryption_request(5, &[9; 162], &[1, 2, 3, 4]);
        assert_eq!(&old[3..7], &[0x00, 0x00, 0xa2, 9], "1.7's 16-bit length");
    }

    #[test]
    fn a_key_opens_what_a_client_encrypted_and_refuses_the_rest() {
        let key = ServerKey::generate().unwrap();
        let public =
            <rsa::PublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_der(key.public_der())
                .unwrap();
        let secret = [5u8; SHARED_SECRET_BYTES];
        let token = verify_token().unwrap();
        let encrypt = |data: &[u8]| public.pkcs1v15_encrypt(data).unwrap();
        let good = EncryptionResponse {
            shared_secret: encrypt(&secret),
            verify_token: Some(encrypt(&token)),
        };
        let (opened, checked) = key.open(&good, &token).unwrap();
        assert_eq!(opened, secret);
        assert!(checked.is_ok());

        let wrong_token = EncryptionResponse {
            verify_token: Some(encrypt(&[0, 0, 0, 0])),
            ..good.clone()
        };
        let (_, checked) = key.open(&wrong_token, &token).unwrap();
        assert!(matches!(checked, Err(EncryptionError::TokenMismatch)));
        let signed = EncryptionResponse {
            verify_token: None,
            ..good.clone()
        };
        let (_, checked) = key.open(&signed, &token).unwrap();
        assert!(matches!(checked, Err(EncryptionError::SignedToken)));
        let short_secret = EncryptionResponse {
            shared_secret: encrypt(&[5u8; 8]),
            ..good.clone()
        };
        assert!(matches!(
            key.open(&short_secret, &token),
            Err(EncryptionError::BadSecret)
        ));
        let garbage = EncryptionResponse {
            shared_secret: vec![0xAB; 7],
            ..good
        };
        assert!(matches!(
            key.open(&garbage, &token),
            Err(EncryptionError::BadSecret)
        ));
    }

    #[test]
    fn random_bytes_never_panic_the_response_decoder() {
        let mut rng = Rng(0x0dd_ba11_cafe_f00d);
        for _ in 0..20_000 {
            let input = rng.bytes(300);
            for protocol in [5, 760, 765] {
                let _ = decode_encryption_response(&input, protocol);
            }
        }
    }
}
