//! Status lists: lookup at 10^6 entries, and encoding (zlib) a 10^6-entry list with 1 %
//! revoked; sizes are printed next to the draft's table. See docs/PERFORMANCE.md.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use yinzheng::Limits;
use yinzheng::status::StatusList;

fn list(bits: u8, n: u64, revoked_per_mille: u64) -> StatusList {
    let mut list = StatusList::new(bits, n).unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let target = n * revoked_per_mille / 1000;
    let mut set = 0;
    while set < target {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let i = x % n;
        if list.get(i).unwrap() == 0 {
            list.set(i, 1).unwrap();
            set += 1;
        }
    }
    list
}

fn benches(c: &mut Criterion) {
    const N: u64 = 1_000_000;
    let mut g = c.benchmark_group("status");
    for bits in [1u8, 2] {
        let l = list(bits, N, 10);
        let encoded = l.encode();
        eprintln!(
            "{bits} bit(s), 10^6 entries, 1 % revoked: raw {} bytes, encoded {} bytes",
            l.packed().len(),
            encoded.len()
        );
        g.bench_function(format!("lookup at 10^6, {bits} bit(s)"), |b| {
            let mut i = 0u64;
            b.iter(|| {
                i = (i + 7919) % N;
                black_box(l.get(black_box(i)).unwrap())
            })
        });
        g.bench_function(format!("encode + zlib at 10^6, {bits} bit(s), 1 %"), |b| {
            b.iter(|| black_box(&l).encode())
        });
        g.bench_function(
            format!("decode + inflate at 10^6, {bits} bit(s), 1 %"),
            |b| b.iter(|| StatusList::decode(black_box(&encoded), &Limits::default()).unwrap()),
        );
    }
    g.finish();
}

criterion_group! {
    name = status;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = benches
}
criterion_main!(status);
