//! Field-encryption benchmarks (`DESIGN.md` §8): envelope seal and open by field size, the
//! `FieldCipher` path with a cached key, bulk encrypt and decrypt, blind indexes, KEK derivation
//! and unwrapping, and the cost of a master-key rotation over many data keys.
//!
//! ```sh
//! cargo bench -p inventario-benches
//! ```
//!
//! Under `cargo test` (no `--bench` argument) criterion runs each routine once, and the
//! master-key rotation is set up with far fewer keys, so the smoke test stays quick.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use inventario_core::crypto::{
    BlindIndexKey, BlindIndexLen, DataKey, FieldContext, FieldValue, Kek, KeyMaterial, KeyPurpose,
    MasterKey, Normalizer, WrapContext,
};
use inventario_core::Keyring;
use tokio::runtime::Runtime;

/// Text field sizes for seal and open, in bytes.
const FIELD_SIZES: [usize; 5] = [16, 64, 256, 1024, 16384];
/// Fields per bulk call.
const BULK: usize = 1_000;
/// Data keys in the keyring whose master key is rotated.
const ROTATION_KEYS: usize = 10_000;

/// Whether criterion measures (`cargo bench`) rather than smoke-tests (`cargo test`).
fn measuring() -> bool {
    std::env::args().any(|arg| arg == "--bench")
}

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
}

fn text_of(len: usize) -> String {
    "a".repeat(len)
}

fn ctx() -> FieldContext<'static> {
    FieldContext::new("customers", "notes", "42").expect("a valid context")
}

fn envelope_by_size(c: &mut Criterion) {
    let dek = DataKey::new(7, &KeyMaterial::generate());
    let ctx = ctx();
    let mut group = c.benchmark_group("envelope");
    for size in FIELD_SIZES {
        let value = FieldValue::from(text_of(size));
        let envelope = dek.seal(&ctx, &value);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("seal", size), &value, |b, value| {
            b.iter(|| dek.seal(&ctx, black_box(value)));
        });
        group.bench_with_input(BenchmarkId::new("open", size), &envelope, |b, envelope| {
            b.iter(|| dek.open(&ctx, black_box(envelope)));
        });
    }
    group.finish();
}

fn field_cipher(c: &mut Criterion) {
    let rt = runtime();
    let keyring = rt
        .block_on(Keyring::open(
            "sqlite::memory:",
            MasterKey::generate().into(),
        ))
        .expect("an in-memory keyring opens");
    rt.block_on(keyring.add_blind_index("customers", "email"))
        .expect("the blind-index key is created");
    let cipher = keyring.field_cipher();
    let ctx = ctx();
    let text = text_of(64);
    let envelope = cipher.encrypt(text.as_str(), &ctx).expect("encrypts");
    // The first use unwraps the key: measure the cached path only.
    cipher.decrypt(&envelope, &ctx).expect("decrypts");

    let mut group = c.benchmark_group("field_cipher");
    group.bench_function("encrypt_64", |b| {
        b.iter(|| cipher.encrypt(black_box(text.as_str()), &ctx));
    });
    group.bench_function("decrypt_64", |b| {
        b.iter(|| cipher.decrypt(black_box(&envelope), &ctx));
    });

    let values: Vec<FieldValue> = (0..BULK).map(|_| FieldValue::from(text_of(64))).collect();
    let rows: Vec<String> = (0..BULK).map(|i| i.to_string()).collect();
    let contexts: Vec<FieldContext<'_>> = rows
        .iter()
        .map(|row| FieldContext::new("customers", "notes", row).expect("a valid context"))
        .collect();
    let envelopes = cipher
        .encrypt_many(values.iter().zip(contexts.iter().copied()))
        .expect("encrypts");
    group.throughput(Throughput::Elements(BULK as u64));
    group.bench_function("encrypt_many_1000x64", |b| {
        b.iter(|| cipher.encrypt_many(values.iter().zip(contexts.iter().copied())));
    });
    group.bench_function("decrypt_many_1000x64", |b| {
        b.iter(|| {
            cipher.decrypt_many(
                envelopes
                    .iter()
                    .map(Vec::as_slice)
                    .zip(contexts.iter().copied()),
            )
        });
    });
    group.finish();

    let email = format!("  {}s@Example.COM ", "Ana".repeat(16));
    assert_eq!(email.len(), 64);
    c.bench_function("blind_index/email_64", |b| {
        b.iter(|| cipher.blind_index("customers", "email", Normalizer::Email, black_box(&email)));
    });
    let key = BlindIndexKey::new(&KeyMaterial::generate());
    c.bench_function("blind_index/email_64_key_only", |b| {
        b.iter(|| key.index(Normalizer::Email, black_box(&email), BlindIndexLen::DEFAULT));
    });
    rt.block_on(keyring.close());
}

fn kek(c: &mut Criterion) {
    let master = MasterKey::generate();
    c.bench_function("kek/derive", |b| b.iter(|| Kek::derive(black_box(&master))));
    let kek = Kek::derive(&master);
    let wrap_ctx = WrapContext {
        tenant: "default",
        purpose: KeyPurpose::Data,
        key_id: 1,
        scope: "global",
        mk_version: 1,
    };
    let wrapped = kek
        .wrap(&KeyMaterial::generate(), &wrap_ctx)
        .expect("wraps");
    c.bench_function("kek/unwrap", |b| {
        b.iter(|| kek.unwrap(black_box(&wrapped), &wrap_ctx));
    });
    // A cold data key: unwrap, then build its AES key schedule, as the key cache does once.
    c.bench_function("kek/unwrap_data_key", |b| {
        b.iter(|| {
            kek.unwrap(black_box(&wrapped), &wrap_ctx)
                .map(|material| DataKey::new(1, &material))
        });
    });
}

/// `Keyring::rotate_master_key` over a keyring holding [`ROTATION_KEYS`] data keys (one per
/// scope, each made with `create_scope`). The keys are created once; every iteration rotates to a
/// fresh master key, which rewraps them all, so iterations are alike.
fn master_key_rotation(c: &mut Criterion) {
    let keys = if measuring() { ROTATION_KEYS } else { 20 };
    let rt = runtime();
    let keyring = rt
        .block_on(Keyring::open(
            "sqlite::memory:",
            MasterKey::generate().into(),
        ))
        .expect("an in-memory keyring opens");
    let started = Instant::now();
    rt.block_on(async {
        for i in 0..keys {
            keyring
                .create_scope(&format!("customer:{i}"))
                .await
                .expect("creates a key");
        }
    });
    if measuring() {
        println!(
            "rotation setup: {keys} data keys created in {:.2?}",
            started.elapsed()
        );
    }
    let mut group = c.benchmark_group("keyring");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(BenchmarkId::new("rotate_master_key", keys), |b| {
        b.iter_batched(
            || MasterKey::generate().into(),
            |master| {
                rt.block_on(keyring.rotate_master_key(master))
                    .expect("rotates")
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
    rt.block_on(keyring.close());
}

/// Criterion's macro makes an undocumented `pub fn`: keep it in a private module.
mod groups {
    #![allow(unreachable_pub)]
    use super::{envelope_by_size, field_cipher, kek, master_key_rotation};

    criterion::criterion_group!(
        benches,
        envelope_by_size,
        field_cipher,
        kek,
        master_key_rotation
    );
}

criterion_main!(groups::benches);
