//! The shared certificate vectors through the facade's verifier: one at a time and as a
//! queue in one call, each giving the vector's expected verdict.

use yinzheng_ffi::*;

use crate::support::{
    at, manifest, policy, vectors_dir, verifier_from_manifest, verifier_with_policy,
};

#[test]
fn vectors_through_the_facade() {
    let m = manifest();
    let now = at(m["time"].as_u64().unwrap());
    for v in m["vectors"].as_array().unwrap() {
        let verifier = verifier_from_manifest(&m, v["allow_unknown_status"].as_bool().unwrap());
        for list in v["status_lists"].as_array().unwrap() {
            let _ = verifier.add_status_list(
                std::fs::read(vectors_dir().join(list.as_str().unwrap())).unwrap(),
                now,
            );
        }
        let bytes = std::fs::read(vectors_dir().join(v["file"].as_str().unwrap())).unwrap();
        let id = v["id"].as_str().unwrap();
        match (
            verifier.verify_certificate(bytes, now),
            v["expected"]["outcome"].as_str().unwrap(),
        ) {
            (Ok(verified), "accept") => {
                let names: Vec<String> = verified
                    .certificate
                    .disclosed
                    .iter()
                    .map(|f| f.name.clone())
                    .collect();
                let want: Vec<String> = v["expected"]["disclosed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_owned())
                    .collect();
                assert_eq!(names, want, "{id}");
            }
            (Err(YinzhengError::Rejected { report, check, .. }), "reject") => {
                let failed: Vec<&CheckOutcome> = report
                    .checks
                    .iter()
                    .filter(|c| c.status == CheckStatus::Failed)
                    .collect();
                assert_eq!(failed.len(), 1, "{id}");
                assert_eq!(failed[0].check, check, "{id}");
                assert_eq!(
                    failed[0].name,
                    v["expected"]["failed_check"].as_str().unwrap(),
                    "{id}"
                );
            }
            (other, expected) => panic!("{id}: expected {expected}, got {other:?}"),
        }
    }
}

#[test]
fn a_queue_of_vectors_gets_the_single_verdicts_in_one_call() {
    let m = manifest();
    let now = at(m["time"].as_u64().unwrap());
    let queue: Vec<Vec<u8>> = m["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| std::fs::read(vectors_dir().join(v["file"].as_str().unwrap())).unwrap())
        .collect();
    let batching = VerifierPolicy {
        allow_cofactored_batch: true,
        ..policy(false)
    };
    for verifier in [
        verifier_from_manifest(&m, false),
        verifier_with_policy(&m, batching),
    ] {
        let verdicts = verifier.verify_certificates(queue.clone(), now).unwrap();
        assert_eq!(verdicts.len(), queue.len());
        let mut accepted = 0;
        for ((verdict, bytes), v) in verdicts
            .iter()
            .zip(&queue)
            .zip(m["vectors"].as_array().unwrap())
        {
            let id = v["id"].as_str().unwrap();
            match (verdict, verifier.verify_certificate(bytes.clone(), now)) {
                (CertificateVerdict::Accepted { verified }, Ok(single)) => {
                    assert_eq!(verified, &single, "{id}");
                    accepted += 1;
                }
                (
                    CertificateVerdict::Rejected { check, report, .. },
                    Err(YinzhengError::Rejected {
                        check: c,
                        report: r,
                        ..
                    }),
                ) => {
                    assert_eq!((check, report), (&c, &r), "{id}");
                }
                (verdict, single) => panic!("{id}: queue {verdict:?}, single {single:?}"),
            }
        }
        assert!(accepted > 0);
    }
}
