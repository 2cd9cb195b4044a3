//! Subject tags (issue 25, item 4): a log entry names its subject by a tag that only the issuer
//! can compute and anyone holding the certificate can check, so that a manager can find the
//! entries in their name and nobody can list subjects. The tag is the output of the
//! `c2sp.org/vrf-r255` VRF (ECVRF over ristretto255, RFC 9381 style) under the issuer's VRF key,
//! over the subject's reference and a period (such as the year):
//!
//! ```text
//! alpha = "goodstanding subject tag v1" 0x00 subject-reference 0x00 period
//! (tag, proof) = VRF(issuer's VRF key, alpha); tag = beta, 64 bytes; proof = pi, 80 bytes
//! ```
//!
//! A new period gives a new tag, so a past recipient of a certificate cannot follow that
//! person's entries in later periods.

/// The length of a tag (the VRF output).
pub const TAG_LEN: usize = 64;
/// The length of a tag's proof.
pub const PROOF_LEN: usize = 80;

/// What the VRF is computed over for `subject_reference` in `period`.
pub fn tag_input(subject_reference: &str, period: &str) -> Vec<u8> {
    let mut alpha = b"goodstanding subject tag v1\0".to_vec();
    alpha.extend_from_slice(subject_reference.as_bytes());
    alpha.push(0);
    alpha.extend_from_slice(period.as_bytes());
    alpha
}

/// The tag that `proof` proves for `alpha` under the VRF public key `vrf_key`, or `None` if the
/// key or the proof is not well formed or the proof does not verify.
pub fn verified_output(
    vrf_key: &[u8; 32],
    alpha: &[u8],
    proof: &[u8; PROOF_LEN],
) -> Option<[u8; TAG_LEN]> {
    let key = vrf_r255::PublicKey::from_bytes(*vrf_key)?;
    let proof = vrf_r255::Proof::from_bytes(*proof)?;
    Option::from(key.verify(alpha, &proof))
}

/// The output a proof stands for, without checking the proof (RFC 9381 section 5.2, "proof to
/// hash", as c2sp.org/vrf-r255 instantiates it: SHA-512 of the suite string, 0x03, the proof's
/// encoded Gamma and 0x00). Only for the prover's own fresh proof: a verifier uses
/// [`verified_output`].
pub fn proof_output(proof: &[u8; PROOF_LEN]) -> [u8; TAG_LEN] {
    use sha2::Digest as _;
    let mut hash = sha2::Sha512::new();
    hash.update(b"\xFFc2sp.org/vrf-r255");
    hash.update([0x03]);
    hash.update(&proof[..32]);
    hash.update([0x00]);
    hash.finalize().into()
}

/// Checks that `tag` is the subject tag of `subject_reference` in `period`, by `proof`.
pub fn check_tag(
    vrf_key: &[u8; 32],
    subject_reference: &str,
    period: &str,
    tag: &[u8; TAG_LEN],
    proof: &[u8; PROOF_LEN],
) -> bool {
    verified_output(vrf_key, &tag_input(subject_reference, period), proof)
        .is_some_and(|output| output == *tag)
}
