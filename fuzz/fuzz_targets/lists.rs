//! Trust lists and revocation lists: as raw input (refused unless signed by a pinned root or a
//! listed key), and with the fuzzer's bytes signed by the right keys, so that the content parser
//! and its checks are reached. Never a panic.
#![no_main]

mod common;

use goodstanding_operations::publication::sign_compact;
use goodstanding_verifier::lists::{
    REVOCATION_LIST_TYP, RevocationList, TRUST_LIST_TYP, TrustList, is_rollback,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let root = common::root();
    let roots = common::trust(&root);
    let key = common::key();
    let keys = common::trust(&key);
    let _ = TrustList::verify(data, &roots);
    let _ = RevocationList::verify(data, &keys);

    // A key in memory always signs.
    let Ok(trust_list) = sign_compact(&root, TRUST_LIST_TYP, data) else {
        return;
    };
    if let Ok(list) = TrustList::verify(trust_list.as_bytes(), &roots) {
        let store = list.to_store();
        for kid in store.kids() {
            let _ = store.authorised(kid.as_str(), common::now(), Some(common::now()));
        }
    }
    let Ok(revocation_list) = sign_compact(&key, REVOCATION_LIST_TYP, data) else {
        return;
    };
    if let Ok(list) = RevocationList::verify(revocation_list.as_bytes(), &keys) {
        for entry in list.content.revoked.iter().take(16) {
            assert!(list.find(&entry.0).is_some());
        }
        assert!(!is_rollback(
            list.content.sequence,
            &revocation_list,
            list.content.sequence,
            &revocation_list
        ));
    }
});
