//! Tests of [`super`]: the shipped weights and the learned stage's decisions.

use super::*;

#[test]
fn shipped_weights_decode() {
    let model = Model::embedded().expect("src/model.bin is malformed");
    assert_eq!(model.rows.len(), BUCKETS);
    assert!(model.rows.iter().flatten().any(|w| *w != 0), "untrained");
}

#[test]
fn malformed_weights_are_refused() {
    assert!(Model::decode(b"").is_none());
    assert!(Model::decode(&EMBEDDED[..EMBEDDED.len() - 1]).is_none());
    let mut wrong = EMBEDDED.to_vec();
    wrong[0] = b'X';
    assert!(Model::decode(&wrong).is_none());
}

#[test]
fn softmax_is_a_distribution() {
    let p = softmax([1e30, -1e30, 0.0, 3.0, f32::MIN], 0.7);
    assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    assert!(p.iter().all(|x| (0.0..=1.0).contains(x)));
}
