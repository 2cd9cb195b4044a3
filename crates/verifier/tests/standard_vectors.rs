//! Test vectors from the standards, read from files under tests/vectors/.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey};
use goodstanding_verifier::jwk::verifying_key_from_x;
use goodstanding_verifier::{SignedCertificate, base45, verify_signature};
use serde_json::Value;

fn vector(name: &str) -> Value {
    let path = format!("{}/../../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn str_at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap()
}

#[test]
fn rfc8037_a4_ed25519_jws_verifies_and_signs_identically() {
    let v = vector("rfc8037-a4.json");
    let jws = str_at(&v, "/jws");
    let signed = SignedCertificate::from_compact(jws).unwrap();
    assert_eq!(signed.header(), str_at(&v, "/protected").as_bytes());
    assert_eq!(signed.payload(), str_at(&v, "/payload").as_bytes());

    let public = verifying_key_from_x(str_at(&v, "/jwk/x")).unwrap();
    verify_signature(&signed, &public).unwrap();

    // Ed25519 is deterministic: signing the same input with d gives the RFC's signature.
    let d: [u8; 32] = URL_SAFE_NO_PAD
        .decode(str_at(&v, "/jwk/d"))
        .unwrap()
        .try_into()
        .unwrap();
    let key = SigningKey::from_bytes(&d);
    assert_eq!(key.verifying_key(), public);
    let signature = key.sign(signed.signing_input().as_bytes());
    assert_eq!(&signature.to_bytes(), signed.signature());
    assert_eq!(signed.to_compact(), jws);

    // The same signature over the QR carrier survives the round trip.
    let back = SignedCertificate::from_qr_text(&signed.to_qr_text()).unwrap();
    verify_signature(&back, &public).unwrap();
}

#[test]
fn rfc8037_a4_signature_fails_for_a_changed_payload() {
    let v = vector("rfc8037-a4.json");
    let jws = str_at(&v, "/jws").replacen("RXhhbXBsZSBvZiBF", "RXhhbXBsZSBvZiBG", 1);
    let signed = SignedCertificate::from_compact(&jws).unwrap();
    let public = verifying_key_from_x(str_at(&v, "/jwk/x")).unwrap();
    assert!(verify_signature(&signed, &public).is_err());
}

#[test]
fn rfc9285_base45_examples() {
    let v = vector("rfc9285-base45.json");
    for pair in v["encode"].as_array().unwrap() {
        let (plain, encoded) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        assert_eq!(base45::encode(plain.as_bytes()), encoded);
        assert_eq!(base45::decode(encoded).unwrap(), plain.as_bytes());
    }
    for pair in v["decode"].as_array().unwrap() {
        let (encoded, plain) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        assert_eq!(base45::decode(encoded).unwrap(), plain.as_bytes());
    }
    for bad in v["invalid"].as_array().unwrap() {
        assert!(base45::decode(bad.as_str().unwrap()).is_err(), "{bad}");
    }
}

/// A certificate issued with the demo key before the dictionary gained `"supersedes":`. The GSC1
/// format promises that every QR text already issued keeps decoding: new dictionary words are
/// only ever prepended, so the distances of older back-references do not change.
#[test]
fn a_qr_text_issued_before_the_dictionary_grew_still_decodes_to_its_jws() {
    let dir = format!("{}/../../tests/vectors", env!("CARGO_MANIFEST_DIR"));
    let qr = std::fs::read_to_string(format!("{dir}/gsc1-issued-2026-11-23.qr.txt")).unwrap();
    let jws = std::fs::read_to_string(format!("{dir}/gsc1-issued-2026-11-23.jws")).unwrap();
    let jwk: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/../../keys/demo/demo-2026.pub.jwk")).unwrap(),
    )
    .unwrap();

    let from_qr = SignedCertificate::from_qr_text(qr.trim()).unwrap();
    assert_eq!(from_qr.to_compact(), jws.trim());
    let public = verifying_key_from_x(str_at(&jwk, "/x")).unwrap();
    verify_signature(&from_qr, &public).unwrap();
    // Encoding it again (with today's dictionary) gives a text that decodes to the same JWS.
    let again = SignedCertificate::from_qr_text(&from_qr.to_qr_text()).unwrap();
    assert_eq!(again.to_compact(), jws.trim());
}

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn hash(hex: &str) -> goodstanding_verifier::merkle::Hash {
    bytes(hex).try_into().unwrap()
}

fn hashes(v: &Value) -> Vec<goodstanding_verifier::merkle::Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| hash(h.as_str().unwrap()))
        .collect()
}

/// RFC 6962 Merkle trees (issue 25): the reference implementation's roots, inclusion proofs
/// and consistency proofs are made and checked; any change to a proof, an index, a size or a
/// root is refused.
#[test]
fn rfc6962_merkle_roots_and_proofs_are_made_and_checked() {
    use goodstanding_verifier::merkle::{
        ProofError, consistency_proof, inclusion_proof, leaf_hash, root, verify_consistency,
        verify_inclusion,
    };
    let v = vector("rfc6962-merkle.json");
    let leaves: Vec<_> = v["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| leaf_hash(&bytes(l.as_str().unwrap())))
        .collect();
    assert_eq!(root(&[]), hash(str_at(&v, "/empty_root")));
    let roots = hashes(&v["roots"]);
    for (n, expected) in roots.iter().enumerate() {
        assert_eq!(root(&leaves[..=n]), *expected, "root of {} leaves", n + 1);
    }
    for case in v["inclusion"].as_array().unwrap() {
        let index = case["index"].as_u64().unwrap();
        let size = case["size"].as_u64().unwrap();
        let path = hashes(&case["path"]);
        let tree = &leaves[..size as usize];
        let tree_root = &roots[size as usize - 1];
        assert_eq!(
            inclusion_proof(tree, index as usize).unwrap(),
            path,
            "{case}"
        );
        let leaf = &leaves[index as usize];
        assert_eq!(
            verify_inclusion(leaf, index, size, &path, tree_root),
            Ok(()),
            "{case}"
        );
        // Another leaf, index, size or root, or a proof a hash short or long: refused.
        let other = &leaves[(index as usize + 1) % 8];
        assert!(verify_inclusion(other, index, size, &path, tree_root).is_err());
        assert!(verify_inclusion(leaf, index, size, &path, &roots[(size as usize) % 8]).is_err());
        if size > 1 {
            assert!(verify_inclusion(leaf, (index + 1) % size, size, &path, tree_root).is_err());
            assert!(verify_inclusion(leaf, index, size, &path[1..], tree_root).is_err());
        }
        let mut longer = path.clone();
        longer.push(leaves[0]);
        assert!(verify_inclusion(leaf, index, size, &longer, tree_root).is_err());
        assert_eq!(
            verify_inclusion(leaf, size, size, &path, tree_root),
            Err(ProofError::OutOfRange)
        );
    }
    for case in v["consistency"].as_array().unwrap() {
        let old = case["old_size"].as_u64().unwrap();
        let new = case["new_size"].as_u64().unwrap();
        let proof = hashes(&case["proof"]);
        let (old_root, new_root) = (&roots[old as usize - 1], &roots[new as usize - 1]);
        assert_eq!(
            consistency_proof(&leaves[..new as usize], old as usize).unwrap(),
            proof,
            "{case}"
        );
        assert_eq!(
            verify_consistency(old, new, old_root, new_root, &proof),
            Ok(()),
            "{case}"
        );
        if old < new {
            // History rewritten: another old root, or another new root, is caught.
            let forged = &roots[(old as usize) % 8];
            assert!(verify_consistency(old, new, forged, new_root, &proof).is_err());
            assert!(verify_consistency(old, new, old_root, old_root, &proof).is_err());
            assert!(verify_consistency(old, new, old_root, new_root, &proof[1..]).is_err());
        }
    }
    // Every pair of sizes of the eight leaves: what is made is what is checked.
    for new in 1..=8usize {
        for old in 1..=new {
            let proof = consistency_proof(&leaves[..new], old).unwrap();
            assert_eq!(
                verify_consistency(
                    old as u64,
                    new as u64,
                    &roots[old - 1],
                    &roots[new - 1],
                    &proof
                ),
                Ok(()),
                "{old} -> {new}"
            );
        }
        for index in 0..new {
            let path = inclusion_proof(&leaves[..new], index).unwrap();
            assert_eq!(
                verify_inclusion(
                    &leaves[index],
                    index as u64,
                    new as u64,
                    &path,
                    &roots[new - 1]
                ),
                Ok(()),
                "{index} in {new}"
            );
        }
    }
}

/// c2sp.org/signed-note (issue 25): the specification's verifier key and signed note verify;
/// a changed text, another key, or a key whose id does not match are refused; a checkpoint's
/// text reads into origin, size and root and back.
#[test]
fn c2sp_signed_note_example_verifies_and_changes_are_refused() {
    use goodstanding_verifier::note::{Checkpoint, Note, NoteError, VerifierKey, signature_line};
    let v = vector("c2sp-signed-note.json");
    let vkey = str_at(&v, "/vkey");
    let key = VerifierKey::parse(vkey).unwrap();
    assert_eq!(key.name, "example.com/foo");
    assert_eq!(key.id, 0x530d903a);
    assert_eq!(key.to_vkey(), vkey);
    let text = str_at(&v, "/note");
    let note = Note::parse(text.as_bytes()).unwrap();
    assert_eq!(note.text, "This is an example message.\n");
    assert_eq!(
        note.verify(std::slice::from_ref(&key)).unwrap(),
        ["example.com/foo"]
    );
    // The signature line is written back byte for byte.
    let line = &note.signatures[0];
    assert_eq!(
        format!(
            "{}\n{}",
            note.text,
            signature_line(&line.name, line.id, &line.signature)
        ),
        text
    );

    let altered = text.replace("example message", "exemplary message");
    assert_eq!(
        Note::parse(altered.as_bytes())
            .unwrap()
            .verify(std::slice::from_ref(&key)),
        Err(NoteError::BadSignature("example.com/foo".into()))
    );
    // Another key of the same name (so another id): its signature is not there.
    let other = VerifierKey::new(
        "example.com/foo",
        SigningKey::from_bytes(&[9; 32]).verifying_key(),
    )
    .unwrap();
    assert_eq!(note.verify(&[other]), Err(NoteError::NoKnownSignature));
    let wrong_id = vkey.replace("+530d903a+", "+530d903b+");
    assert_eq!(VerifierKey::parse(&wrong_id), Err(NoteError::KeyIdMismatch));
    for bad in [
        "no blank line\n\u{2014} example.com/foo AAAAAAA=\n",
        "text\n\n- example.com/foo AAAAAAA=\n",
        "text\u{7}\n\n\u{2014} example.com/foo AAAAAAA=\n",
        "text\n\n",
    ] {
        assert!(Note::parse(bad.as_bytes()).is_err(), "{bad:?}");
    }

    let checkpoint_note = Note::parse(str_at(&v, "/checkpoint").as_bytes()).unwrap();
    let checkpoint = Checkpoint::parse(&checkpoint_note.text).unwrap();
    assert_eq!(checkpoint.origin, str_at(&v, "/checkpoint_origin"));
    assert_eq!(checkpoint.size, v["checkpoint_size"].as_u64().unwrap());
    assert_eq!(checkpoint.to_text(), checkpoint_note.text);
    for bad in [
        "o\n012\nAAAA\n",
        "o\n1\nAAAA\n",
        "\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
    ] {
        assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
    }
}

/// c2sp.org/tlog-cosignature (issue 25): the specification's witness line carries its time
/// (1679315147) and the message it signs is the specification's; a cosignature made with a
/// test key verifies, and one moved to another time or checkpoint does not.
#[test]
fn c2sp_cosignature_example_reads_and_ed25519_cosignatures_verify() {
    use goodstanding_verifier::note::{
        Checkpoint, CosignerKey, Note, NoteError, cosignature_bytes, cosignature_time,
        cosigned_message, signature_line,
    };
    let v = vector("c2sp-signed-note.json");
    let note = Note::parse(str_at(&v, "/cosigned_checkpoint").as_bytes()).unwrap();
    let witness = &note.signatures[1];
    assert_eq!(witness.name, "witness.example.com/w1");
    let time = v["cosignature_time"].as_u64().unwrap();
    assert_eq!(cosignature_time(witness), Some(time));
    assert_eq!(
        cosigned_message(&note.text, time),
        str_at(&v, "/cosigned_message")
    );

    // A cosigner with a key of its own: its line verifies against the checkpoint it signed.
    let signing = SigningKey::from_bytes(&[4; 32]);
    let cosigner = CosignerKey::new("witness.example.org/test", signing.verifying_key()).unwrap();
    let signature = signing.sign(cosigned_message(&note.text, time + 60).as_bytes());
    let line = signature_line(
        &cosigner.name,
        cosigner.id,
        &cosignature_bytes(time + 60, &signature.to_bytes()),
    );
    let cosigned = format!("{}{line}", str_at(&v, "/cosigned_checkpoint"));
    let cosigned_note = Note::parse(cosigned.as_bytes()).unwrap();
    assert_eq!(
        cosigned_note
            .cosigned_by(std::slice::from_ref(&cosigner))
            .unwrap(),
        [("witness.example.org/test".to_string(), time + 60)]
    );
    // The same signature claimed for another time, or for another checkpoint: refused.
    let moved = signature_line(
        &cosigner.name,
        cosigner.id,
        &cosignature_bytes(time + 61, &signature.to_bytes()),
    );
    let moved = format!("{}{moved}", str_at(&v, "/cosigned_checkpoint"));
    assert_eq!(
        Note::parse(moved.as_bytes())
            .unwrap()
            .cosigned_by(std::slice::from_ref(&cosigner)),
        Err(NoteError::BadSignature(cosigner.name.clone()))
    );
    let mut other = Checkpoint::parse(&note.text).unwrap();
    other.size += 1;
    let forged = format!("{}\n{line}", other.to_text());
    assert!(
        Note::parse(forged.as_bytes())
            .unwrap()
            .cosigned_by(std::slice::from_ref(&cosigner))
            .is_err()
    );
    // A cosigner not named is ignored; the spec's witness is not ours.
    assert_eq!(
        note.cosigned_by(std::slice::from_ref(&cosigner)).unwrap(),
        []
    );
}

fn array<const N: usize>(hex: &str) -> [u8; N] {
    bytes(hex).try_into().unwrap()
}

/// c2sp.org/vrf-r255 (issue 25, subject tags): the specification's vector — the secret key
/// proves alpha as pi, the public key verifies pi to beta; a changed alpha or proof does not.
/// Then a subject tag made with it checks for its subject and period only.
#[test]
fn c2sp_vrf_r255_vector_and_subject_tags() {
    use goodstanding_verifier::subject_tag::{check_tag, tag_input, verified_output};
    let v = vector("c2sp-vrf-r255.json");
    let secret = Option::<vrf_r255::SecretKey>::from(vrf_r255::SecretKey::from_bytes(array(
        str_at(&v, "/sk"),
    )))
    .unwrap();
    let public: [u8; 32] = array(str_at(&v, "/pk"));
    assert_eq!(vrf_r255::PublicKey::from(secret).to_bytes(), public);
    let alpha = bytes(str_at(&v, "/alpha"));
    let pi: [u8; 80] = array(str_at(&v, "/pi"));
    let beta: [u8; 64] = array(str_at(&v, "/beta"));
    assert_eq!(secret.prove(&alpha).to_bytes(), pi);
    assert_eq!(verified_output(&public, &alpha, &pi), Some(beta));
    // The prover's shortcut (proof to hash, no verification) gives the same beta.
    assert_eq!(goodstanding_verifier::subject_tag::proof_output(&pi), beta);
    let mut other_alpha = alpha.clone();
    other_alpha[0] ^= 1;
    assert_eq!(verified_output(&public, &other_alpha, &pi), None);
    let mut other_pi = pi;
    other_pi[40] ^= 1;
    assert_eq!(verified_output(&public, &alpha, &other_pi), None);

    let proof = secret.prove(&tag_input("SUBJ-002231", "2026"));
    let tag = verified_output(
        &public,
        &tag_input("SUBJ-002231", "2026"),
        &proof.to_bytes(),
    )
    .unwrap();
    assert!(check_tag(
        &public,
        "SUBJ-002231",
        "2026",
        &tag,
        &proof.to_bytes()
    ));
    assert!(!check_tag(
        &public,
        "SUBJ-002232",
        "2026",
        &tag,
        &proof.to_bytes()
    ));
    assert!(!check_tag(
        &public,
        "SUBJ-002231",
        "2027",
        &tag,
        &proof.to_bytes()
    ));
    // Another period gives another tag: last year's tag does not find this year's entries.
    let next = secret.prove(&tag_input("SUBJ-002231", "2027"));
    let next_tag =
        verified_output(&public, &tag_input("SUBJ-002231", "2027"), &next.to_bytes()).unwrap();
    assert_ne!(tag, next_tag);
}

/// c2sp.org/tlog-tiles (issue 25): the specification's tile path of index 1234067 and its
/// tiles of trees of 70,000 and 256 leaves; entry bundles round-trip and a cut one is refused.
#[test]
fn c2sp_tlog_tiles_paths_tiles_and_bundles() {
    use goodstanding_verifier::tiles::{Tile, bundle, tiles_for_size, unbundle};
    let v = vector("c2sp-tlog-tiles.json");
    let tile = Tile {
        level: 0,
        index: v["index"].as_u64().unwrap(),
        width: 256,
    };
    let expected = str_at(&v, "/index_path");
    assert_eq!(tile.path(), format!("tile/0/{expected}"));
    assert_eq!(tile.entries_path(), format!("tile/entries/{expected}"));
    let partial = Tile { width: 112, ..tile };
    assert_eq!(partial.path(), format!("tile/0/{expected}.p/112"));
    assert_eq!(
        Tile {
            level: 1,
            index: 5,
            width: 256
        }
        .path(),
        "tile/1/005"
    );
    for tree in v["trees"].as_array().unwrap() {
        let tiles = tiles_for_size(tree["size"].as_u64().unwrap());
        for pair in tree["full"].as_array().unwrap() {
            let (level, count) = (pair[0].as_u64().unwrap(), pair[1].as_u64().unwrap());
            let full = tiles
                .iter()
                .filter(|t| u64::from(t.level) == level && t.width == 256)
                .count() as u64;
            assert_eq!(full, count, "{tree}: full tiles at level {level}");
        }
        let partials: Vec<(u64, u64)> = tiles
            .iter()
            .filter(|t| t.width < 256)
            .map(|t| (u64::from(t.level), t.width))
            .collect();
        let expected: Vec<(u64, u64)> = tree["partial"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_u64().unwrap(), p[1].as_u64().unwrap()))
            .collect();
        assert_eq!(partials, expected, "{tree}");
    }
    let entries = vec![b"first".to_vec(), Vec::new(), vec![7; 300]];
    let bytes = bundle(&entries).unwrap();
    assert_eq!(unbundle(&bytes).unwrap(), entries);
    assert!(unbundle(&bytes[..bytes.len() - 1]).is_err());
    assert!(bundle(&[vec![0; 70_000]]).is_none());
}
